//go:build arm64 && !purego

package embed

// The element-wise steps around the products with NEON (every arm64 CPU
// has it); the portable versions do the ends of slices that are not a
// multiple of the vector width, the layer-norm statistics (float64 sums)
// and the transposes.

// relu clamps negative values to zero (see reluGeneric).
func relu(m []float32) {
	n := len(m) &^ 15
	if n > 0 {
		reluNEON(&m[0], n)
	}
	reluGeneric(m[n:])
}

// addTo adds src to dst element-wise; src is at least as long as dst.
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	n := len(dst) &^ 15
	if n > 0 {
		addToNEON(&dst[0], &src[0], n)
	}
	addToGeneric(dst[n:], src[n:])
}

// layerNormRow writes the layer norm of x to y (see layerNormRowGeneric).
func layerNormRow(y, x, scale, bias []float32) {
	n := len(x)
	if n == 0 || n%8 != 0 {
		layerNormRowGeneric(y, x, scale, bias)
		return
	}
	y, scale, bias = y[:n], scale[:n], bias[:n]
	m, inv := lnStatsGeneric(x)
	lnApplyNEON(&y[0], &x[0], &scale[0], &bias[0], n, m, inv)
}

// lnStats returns the float32 mean and 1/sqrt(var+ε) of x (see
// lnStatsGeneric).
func lnStats(x []float32) (m, inv float32) { return lnStatsGeneric(x) }

// qkvRow sets one row of layer 0's q|k|v projection from its tables (see
// qkvRowGeneric).
func qkvRow(dst, tok, pos, u, d []float32, m, inv float32) {
	n := len(dst) &^ 7
	if n > 0 {
		_, _, _, _ = tok[n-1], pos[n-1], u[n-1], d[n-1]
		qkvRowNEON(&dst[0], &tok[0], &pos[0], &u[0], &d[0], n, m, inv)
	}
	qkvRowGeneric(dst[n:], tok[n:], pos[n:], u[n:], d[n:], m, inv)
}

// ffnRow sets one row of layer 0's first feed-forward product (see
// ffnRowGeneric).
func ffnRow(dst, tok, pos, u, d []float32, m, inv float32) {
	n := len(dst) &^ 7
	if n > 0 {
		_, _, _, _ = tok[n-1], pos[n-1], u[n-1], d[n-1]
		ffnRowNEON(&dst[0], &tok[0], &pos[0], &u[0], &d[0], n, m, inv)
	}
	ffnRowGeneric(dst[n:], tok[n:], pos[n:], u[n:], d[n:], m, inv)
}

// transpose8 sets dst[c·ldd+r] = src[r·lds+c] for r < 8 and c < n (see
// transpose8Generic).
func transpose8(dst []float32, ldd int, src []float32, lds, n int) {
	transpose8Generic(dst, ldd, src, lds, n)
}

// maxOf returns the largest of x (not empty).
func maxOf(x []float32) float32 {
	n := len(x) &^ 7
	m := x[0]
	if n > 0 {
		m = maxNEON(&x[0], n)
	}
	return max(m, maxOfGeneric(x[n:], m))
}

// scaleBy multiplies x by s.
func scaleBy(x []float32, s float32) {
	n := len(x) &^ 7
	if n > 0 {
		scaleNEON(&x[0], n, s)
	}
	scaleGeneric(x[n:], s)
}

// reluNEON sets x[i] = max(x[i], 0) for i < n, a positive multiple of 16.
//
//go:noescape
func reluNEON(x *float32, n int)

// addToNEON adds src[i] to dst[i] for i < n, a positive multiple of 16.
//
//go:noescape
func addToNEON(dst, src *float32, n int)

// maxNEON returns the largest of x[:n], n a positive multiple of 8.
//
//go:noescape
func maxNEON(x *float32, n int) float32

// scaleNEON sets x[i] *= s for i < n, a positive multiple of 8.
//
//go:noescape
func scaleNEON(x *float32, n int, s float32)

// qkvRowNEON sets dst[i] = (tok[i] + pos[i] - m·u[i])·inv + d[i] for i < n,
// a positive multiple of 8.
//
//go:noescape
func qkvRowNEON(dst, tok, pos, u, d *float32, n int, m, inv float32)

// ffnRowNEON sets dst[i] = max(0, (dst[i] + tok[i] + pos[i] - m·u[i])·inv +
// d[i]) for i < n, a positive multiple of 8.
//
//go:noescape
func ffnRowNEON(dst, tok, pos, u, d *float32, n int, m, inv float32)

// lnApplyNEON sets y[i] = (x[i]-m)·inv·scale[i] + bias[i] for i < n, a
// positive multiple of 8.
//
//go:noescape
func lnApplyNEON(y, x, scale, bias *float32, n int, m, inv float32)
