//go:build amd64 && !purego

package embed

// kernel is the kernel used by gemm on this machine.
var kernel = kernelGeneric

// kernelName names the kernel in use, for benchmarks and tests.
var kernelName = "generic"
