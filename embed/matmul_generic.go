//go:build (!amd64 && !arm64) || purego

package embed

// kernel is the portable micro-kernel on this platform.
var kernel = kernelGeneric

// kernels returns every kernel this machine can run, by name.
func kernels() map[string]microKernel {
	return map[string]microKernel{"generic": kernelGeneric}
}
