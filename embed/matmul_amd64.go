//go:build amd64 && !purego

package embed

import "golang.org/x/sys/cpu"

// kernel is the kernel used by gemm on this machine: AVX-512 or AVX2/FMA
// assembly when the CPU has those extensions, else the portable one.
var kernel kernelFunc = kernelGeneric

// kernelName names the kernel in use, for benchmarks and tests.
var kernelName = "generic"

// hasAVX2, hasAVX512 report the extensions the assembly kernels need.
var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = cpu.X86.HasAVX512F
)

func init() {
	switch {
	case hasAVX512:
		kernel, kernelName = kernelAVX512, "avx512"
	case hasAVX2:
		kernel, kernelName = kernelAVX2, "avx2"
	}
}

// kernelAVX2 is kernelGeneric in AVX2/FMA assembly: four 4 × 16 blocks.
func kernelAVX2(c []float32, ldc int, a []float32, lda int, panel []float32, k int) {
	if k == 0 {
		return
	}
	kernel4x16AVX2(&c[0], ldc, &a[0], lda, &panel[0], k)
	kernel4x16AVX2(&c[16], ldc, &a[0], lda, &panel[16], k)
	kernel4x16AVX2(&c[4*ldc], ldc, &a[4*lda], lda, &panel[0], k)
	kernel4x16AVX2(&c[4*ldc+16], ldc, &a[4*lda], lda, &panel[16], k)
}

// kernelAVX512 is kernelGeneric in AVX-512 assembly.
func kernelAVX512(c []float32, ldc int, a []float32, lda int, panel []float32, k int) {
	if k == 0 {
		return
	}
	kernel8x32AVX512(&c[0], ldc, &a[0], lda, &panel[0], k)
}

// kernel4x16AVX2 accumulates the product of 4 rows of a (row stride lda,
// k values each) and 16 columns of a k × 32 panel into 4 × 16 values of c
// (row stride ldc). Strides are in float32 elements; k must be positive.
//
//go:noescape
func kernel4x16AVX2(c *float32, ldc int, a *float32, lda int, panel *float32, k int)

// kernel8x32AVX512 accumulates the product of 8 rows of a and a whole
// k × 32 panel into 8 × 32 values of c, with AVX-512.
//
//go:noescape
func kernel8x32AVX512(c *float32, ldc int, a *float32, lda int, panel *float32, k int)

// kernels returns every kernel this machine can run, by name.
func kernels() map[string]kernelFunc {
	ks := map[string]kernelFunc{"generic": kernelGeneric}
	if hasAVX2 {
		ks["avx2"] = kernelAVX2
	}
	if hasAVX512 {
		ks["avx512"] = kernelAVX512
	}
	return ks
}
