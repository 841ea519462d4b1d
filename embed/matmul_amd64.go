//go:build amd64 && !purego

package embed

import "golang.org/x/sys/cpu"

// hasAVX2, hasAVX512 report the extensions the assembly kernels need (the
// AVX-512 kernel only where the noavx512 build tag does not rule it out).
var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = cpu.X86.HasAVX512F && avx512Allowed
)

var (
	// Block costs: BenchmarkTile ns/op on a Zen 4 core (rounded).
	kernelAVX2 = microKernel{name: "avx2", mr: 6, mr2: 4, tile: tileAVX2, direct: directAVX2, gemv: gemvAVX2, exp: expAffineVec,
		blockCost: [maxMR + 1]float32{1: 830, 4: 2000, 6: 2340}, plans: new(blockPlans)}
	kernelAVX512 = microKernel{name: "avx512", mr: 14, mr2: 8, tile: tileAVX512, direct: directAVX512, gemv: gemvAVX2, exp: expAffineVec,
		blockCost: [maxMR + 1]float32{1: 840, 8: 2800, 14: 4900}, plans: new(blockPlans)}
)

// kernel is the micro-kernel gemm uses: the widest this CPU runs. Build
// with -tags noavx512 to use the AVX2 kernel on an AVX-512 machine, or with
// -tags purego for the portable one.
var kernel = fastestKernel()

// fastestKernel returns the fastest kernel this machine runs.
func fastestKernel() microKernel {
	switch {
	case hasAVX512:
		return kernelAVX512
	case hasAVX2:
		return kernelAVX2
	}
	return kernelGeneric
}

// kernels returns every kernel this machine can run, by name.
func kernels() map[string]microKernel {
	ks := map[string]microKernel{"generic": kernelGeneric}
	if hasAVX2 {
		ks["avx2"] = kernelAVX2
	}
	if hasAVX512 {
		ks["avx512"] = kernelAVX512
	}
	return ks
}

// tileAVX2 is the AVX2/FMA micro-kernel: two 6 × 16 or 4 × 16 blocks per
// panel, the first prefetching the panel for both (see
// matmul_avx2_amd64.s).
func tileAVX2(c []float32, ldc int, pa, panel []float32, k, h int) {
	_ = c[(h-1)*ldc+panelWidth-1]
	_ = pa[h*k-1]
	_ = panel[k*panelWidth-1]
	if h == 4 {
		kernel4x16AVX2(&c[0], ldc, &pa[0], &panel[0], k, 0)
		kernel4x16AVX2(&c[16], ldc, &pa[0], &panel[16], k, -1)
		return
	}
	kernel6x16AVX2(&c[0], ldc, &pa[0], &panel[0], k, 0)
	kernel6x16AVX2(&c[16], ldc, &pa[0], &panel[16], k, -1)
}

// directAVX2 is the 6-row AVX2 micro-kernel reading a in place; see
// microKernel.direct. Its first half (columns 0-15) prefetches both
// halves' panel rows, near and, if pf is not 0, far, or with pf < 0 the
// side lines.
func directAVX2(c []float32, ldc int, a []float32, lda int, panel []float32, k, pf int, side []float32) {
	_ = c[5*ldc+panelWidth-1]
	_ = a[5*lda+k-1]
	_ = panel[k*panelWidth-1]
	var s *float32
	if len(side) > 0 {
		s = &side[0]
	}
	kernel6x16AVX2Direct(&c[0], ldc, &a[0], lda, &panel[0], k, 4*pf, s)
	kernel6x16AVX2Direct(&c[16], ldc, &a[0], lda, &panel[16], k, -1, nil)
}

// tileAVX512 is the AVX-512 micro-kernel: one 14 × 32 or 8 × 32 block.
func tileAVX512(c []float32, ldc int, pa, panel []float32, k, h int) {
	_ = c[(h-1)*ldc+panelWidth-1]
	_ = pa[h*k-1]
	_ = panel[k*panelWidth-1]
	if h == 14 {
		kernel14x32AVX512(&c[0], ldc, &pa[0], &panel[0], k)
		return
	}
	kernel8x32AVX512(&c[0], ldc, &pa[0], &panel[0], k)
}

// directAVX512 is the 14-row AVX-512 micro-kernel reading a in place; see
// microKernel.direct. It does not prefetch.
func directAVX512(c []float32, ldc int, a []float32, lda int, panel []float32, k, _ int, _ []float32) {
	_ = c[13*ldc+panelWidth-1]
	_ = a[13*lda+k-1]
	_ = panel[k*panelWidth-1]
	kernel14x32AVX512Direct(&c[0], ldc, &a[0], lda, &panel[0], k)
}

// gemvAVX2 is the one-row product with AVX2/FMA; see microKernel.gemv.
func gemvAVX2(c, a, panel []float32, k int) {
	_ = c[panelWidth-1]
	_ = a[k-1]
	_ = panel[k*panelWidth-1]
	gemv32AVX2(&c[0], &a[0], &panel[0], k)
}

// kernel6x16AVX2 adds the product of a packed 6 × k row block and 16
// columns of a k × 32 panel to 6 × 16 values of c (row stride ldc, in
// float32 elements). pf ≥ 0 prefetches both halves' panel rows ahead into
// the L1 cache, pf < 0 does not. k must be positive.
//
//go:noescape
func kernel6x16AVX2(c *float32, ldc int, pa *float32, panel *float32, k, pf int)

// kernel4x16AVX2 is kernel6x16AVX2 for a packed 4 × k row block.
//
//go:noescape
func kernel4x16AVX2(c *float32, ldc int, pa *float32, panel *float32, k, pf int)

// kernel6x16AVX2Direct is kernel6x16AVX2 reading the 6 rows of a in place
// (row stride lda, in float32 elements). pf < 0: no panel prefetch, but
// if side is not nil, k/4 lines from side into the L2 cache (one every
// four k steps; a prefetch never faults, so the lines may reach past the
// data side points into); pf = 0: the panel rows ahead into the L1 cache;
// pf > 0: also the panel rows pf bytes ahead into the L2 cache.
//
//go:noescape
func kernel6x16AVX2Direct(c *float32, ldc int, a *float32, lda int, panel *float32, k, pf int, side *float32)

// kernel8x32AVX512 adds the product of a packed 8 × k row block and a
// k × 32 panel to 8 × 32 values of c, with AVX-512.
//
//go:noescape
func kernel8x32AVX512(c *float32, ldc int, pa *float32, panel *float32, k int)

// kernel14x32AVX512 adds the product of a packed 14 × k row block and a
// k × 32 panel to 14 × 32 values of c, with AVX-512.
//
//go:noescape
func kernel14x32AVX512(c *float32, ldc int, pa *float32, panel *float32, k int)

// kernel14x32AVX512Direct is kernel14x32AVX512 reading the 14 rows of a in
// place (row stride lda, in float32 elements).
//
//go:noescape
func kernel14x32AVX512Direct(c *float32, ldc int, a *float32, lda int, panel *float32, k int)

// gemv32AVX2 adds a[:k] times a k × 32 panel to c[:32], with AVX2/FMA.
//
//go:noescape
func gemv32AVX2(c *float32, a *float32, panel *float32, k int)

// expAffineVec is expAffine with AVX2/FMA over whole groups of 8 values.
func expAffineVec(x []float32, scale, bias float32) float32 {
	n := len(x) &^ 7
	var sum float32
	if n > 0 {
		sum = expAffineAVX2(&x[0], n, scale, bias)
	}
	return sum + expAffine(x[n:], scale, bias)
}

// expAffineAVX2 sets x[i] = e^(x[i]·scale + bias) for i < n, a multiple of
// 8, with the argument clamped below at -87 (where e^x is ~1.6e-38), and
// returns their sum.
//
//go:noescape
func expAffineAVX2(x *float32, n int, scale, bias float32) float32
