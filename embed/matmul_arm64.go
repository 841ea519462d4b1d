//go:build arm64 && !purego

package embed

// kernelNEON is the arm64 micro-kernel (ASIMD, which every arm64 CPU has):
// two 6 × 16 or 4 × 16 blocks per panel, as the AVX2 one, with 4-wide
// vectors (24 of the 32 vector registers accumulate); full 6-row blocks
// are read in place. It has no block costs: they were not measured on
// arm64 hardware, so planBlocks counts rows (padding included) and leaves
// single rows to the blocks; products of one row still use gemvNEON.
var kernelNEON = microKernel{name: "neon", mr: 6, mr2: 4, tile: tileNEON, direct: directNEON, gemv: gemvNEON, exp: expAffineVec}

// kernel is the micro-kernel gemm uses. Build with -tags purego for the
// portable one.
var kernel = kernelNEON

// kernels returns every kernel this machine can run, by name.
func kernels() map[string]microKernel {
	return map[string]microKernel{"generic": kernelGeneric, "neon": kernelNEON}
}

// tileNEON is the NEON micro-kernel: two 6 × 16 or 4 × 16 blocks per
// panel; see microKernel.tile.
func tileNEON(c []float32, ldc int, pa, panel []float32, k, h int) {
	_ = c[(h-1)*ldc+panelWidth-1]
	_ = pa[h*k-1]
	_ = panel[k*panelWidth-1]
	if h == 4 {
		kernel4x16NEON(&c[0], ldc, &pa[0], &panel[0], k)
		kernel4x16NEON(&c[16], ldc, &pa[0], &panel[16], k)
		return
	}
	kernel6x16NEON(&c[0], ldc, &pa[0], &panel[0], k)
	kernel6x16NEON(&c[16], ldc, &pa[0], &panel[16], k)
}

// directNEON is the 6-row NEON micro-kernel reading a in place; see
// microKernel.direct. It does not prefetch (pf and side are ignored).
func directNEON(c []float32, ldc int, a []float32, lda int, panel []float32, k, _ int, _ []float32) {
	_ = c[5*ldc+panelWidth-1]
	_ = a[5*lda+k-1]
	_ = panel[k*panelWidth-1]
	kernel6x16NEONDirect(&c[0], ldc, &a[0], lda, &panel[0], k)
	kernel6x16NEONDirect(&c[16], ldc, &a[0], lda, &panel[16], k)
}

// gemvNEON is the one-row product with NEON; see microKernel.gemv.
func gemvNEON(c, a, panel []float32, k int) {
	_ = c[panelWidth-1]
	_ = a[k-1]
	_ = panel[k*panelWidth-1]
	gemv32NEON(&c[0], &a[0], &panel[0], k)
}

// kernel6x16NEON adds the product of a packed 6 × k row block and 16
// columns of a k × 32 panel to 6 × 16 values of c (row stride ldc, in
// float32 elements). k must be positive.
//
//go:noescape
func kernel6x16NEON(c *float32, ldc int, pa *float32, panel *float32, k int)

// kernel6x16NEONDirect is kernel6x16NEON reading the 6 rows of a in place
// (row stride lda, in float32 elements).
//
//go:noescape
func kernel6x16NEONDirect(c *float32, ldc int, a *float32, lda int, panel *float32, k int)

// kernel4x16NEON is kernel6x16NEON for a packed 4 × k row block.
//
//go:noescape
func kernel4x16NEON(c *float32, ldc int, pa *float32, panel *float32, k int)

// gemv32NEON adds a[:k] times a k × 32 panel to c[:32], with NEON.
//
//go:noescape
func gemv32NEON(c *float32, a *float32, panel *float32, k int)

// expAffineVec is expAffine with NEON over whole groups of 4 values.
func expAffineVec(x []float32, scale, bias float32) float32 {
	n := len(x) &^ 3
	var sum float32
	if n > 0 {
		sum = expAffineNEON(&x[0], n, scale, bias)
	}
	return sum + expAffine(x[n:], scale, bias)
}

// expAffineNEON sets x[i] = e^(x[i]·scale + bias) for i < n, a positive
// multiple of 4, with the argument clamped below at -87 (where e^x is
// ~1.6e-38), and returns their sum.
//
//go:noescape
func expAffineNEON(x *float32, n int, scale, bias float32) float32
