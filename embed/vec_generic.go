//go:build !amd64 || purego

package embed

// relu clamps negative values to zero (see reluGeneric).
func relu(m []float32) { reluGeneric(m) }

// addTo adds src to dst element-wise; src is at least as long as dst.
func addTo(dst, src []float32) { addToGeneric(dst, src[:len(dst)]) }

// layerNormRow writes the layer norm of x to y (see layerNormRowGeneric).
func layerNormRow(y, x, scale, bias []float32) { layerNormRowGeneric(y, x, scale, bias) }
