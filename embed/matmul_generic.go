//go:build !amd64 || purego

package embed

// kernel is the portable kernel on this platform.
var kernel kernelFunc = kernelGeneric

// kernelName names the kernel in use, for benchmarks and tests.
var kernelName = "generic"

// kernels returns every kernel this machine can run, by name.
func kernels() map[string]kernelFunc {
	return map[string]kernelFunc{"generic": kernelGeneric}
}
