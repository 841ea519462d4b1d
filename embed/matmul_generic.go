//go:build !amd64 || purego

package embed

// kernel is the portable kernel on this platform.
var kernel = kernelGeneric

// kernelName names the kernel in use, for benchmarks and tests.
var kernelName = "generic"
