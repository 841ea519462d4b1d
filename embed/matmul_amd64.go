//go:build amd64 && !purego

package embed

import "golang.org/x/sys/cpu"

// kernel is the kernel used by gemm on this machine: the AVX2/FMA assembly
// kernel when the CPU has those extensions, else the portable one.
var kernel = kernelGeneric

// kernelName names the kernel in use, for benchmarks and tests.
var kernelName = "generic"

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		kernel, kernelName = kernelAVX2, "avx2"
	}
}

// kernelAVX2 is kernelGeneric in AVX2/FMA assembly.
func kernelAVX2(c []float32, ldc int, a []float32, lda int, panel []float32, k int) {
	if k == 0 {
		return
	}
	kernel4x16AVX2(&c[0], ldc, &a[0], lda, &panel[0], k)
}

// kernel4x16AVX2 accumulates the product of 4 rows of a (row stride lda,
// k values each) and the k × 16 panel into 4 × 16 values of c (row stride
// ldc). Strides are in float32 elements; k must be positive.
//
//go:noescape
func kernel4x16AVX2(c *float32, ldc int, a *float32, lda int, panel *float32, k int)
