//go:build (!amd64 && !arm64) || purego

package embed

// relu clamps negative values to zero (see reluGeneric).
func relu(m []float32) { reluGeneric(m) }

// addTo adds src to dst element-wise; src is at least as long as dst.
func addTo(dst, src []float32) { addToGeneric(dst, src[:len(dst)]) }

// layerNormRow writes the layer norm of x to y (see layerNormRowGeneric).
func layerNormRow(y, x, scale, bias []float32) { layerNormRowGeneric(y, x, scale, bias) }

// maxOf returns the largest of x (not empty).
func maxOf(x []float32) float32 { return maxOfGeneric(x[1:], x[0]) }

// scaleBy multiplies x by s.
func scaleBy(x []float32, s float32) { scaleGeneric(x, s) }

// lnStats returns the float32 mean and 1/sqrt(var+ε) of x (see
// lnStatsGeneric).
func lnStats(x []float32) (m, inv float32) { return lnStatsGeneric(x) }

// qkvRow sets one row of layer 0's q|k|v projection from its tables (see
// qkvRowGeneric).
func qkvRow(dst, tok, pos, u, d []float32, m, inv float32) {
	qkvRowGeneric(dst, tok, pos, u, d, m, inv)
}

// ffnRow sets one row of layer 0's first feed-forward product (see
// ffnRowGeneric).
func ffnRow(dst, tok, pos, u, d []float32, m, inv float32) {
	ffnRowGeneric(dst, tok, pos, u, d, m, inv)
}

// transpose8 sets dst[c·ldd+r] = src[r·lds+c] for r < 8 and c < n (see
// transpose8Generic).
func transpose8(dst []float32, ldd int, src []float32, lds, n int) {
	transpose8Generic(dst, ldd, src, lds, n)
}
