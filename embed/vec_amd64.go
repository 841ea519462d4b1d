//go:build amd64 && !purego

package embed

// The element-wise steps around the products (layer norm, ReLU, row sums)
// in AVX2 where the CPU has it; the portable versions do the ends of slices
// that are not a multiple of the vector width, and everything else.

// relu clamps negative values to zero (see reluGeneric).
func relu(m []float32) {
	n := 0
	if hasAVX2 {
		n = len(m) &^ 31
		if n > 0 {
			reluAVX2(&m[0], n)
		}
	}
	reluGeneric(m[n:])
}

// addTo adds src to dst element-wise; src is at least as long as dst.
func addTo(dst, src []float32) {
	src = src[:len(dst)]
	n := 0
	if hasAVX2 {
		n = len(dst) &^ 31
		if n > 0 {
			addToAVX2(&dst[0], &src[0], n)
		}
	}
	addToGeneric(dst[n:], src[n:])
}

// layerNormRow writes the layer norm of x to y (see layerNormRowGeneric).
func layerNormRow(y, x, scale, bias []float32) {
	n := len(x)
	if !hasAVX2 || n == 0 || n%8 != 0 {
		layerNormRowGeneric(y, x, scale, bias)
		return
	}
	y, scale, bias = y[:n], scale[:n], bias[:n]
	mean, sq := lnStatsAVX2(&x[0], n)
	m, inv := lnFactors(mean, sq, n)
	lnApplyAVX2(&y[0], &x[0], &scale[0], &bias[0], n, m, inv)
}

// lnStats returns the float32 mean and 1/sqrt(var+ε) of x (see
// lnStatsGeneric).
func lnStats(x []float32) (m, inv float32) {
	n := len(x)
	if !hasAVX2 || n == 0 || n%8 != 0 {
		return lnStatsGeneric(x)
	}
	mean, sq := lnStatsAVX2(&x[0], n)
	return lnFactors(mean, sq, n)
}

// qkvRow sets one row of layer 0's q|k|v projection from its tables (see
// qkvRowGeneric).
func qkvRow(dst, tok, pos, u, d []float32, m, inv float32) {
	n := 0
	if hasAVX2 {
		n = len(dst) &^ 7
		if n > 0 {
			_, _, _, _ = tok[n-1], pos[n-1], u[n-1], d[n-1]
			qkvRowAVX2(&dst[0], &tok[0], &pos[0], &u[0], &d[0], n, m, inv)
		}
	}
	qkvRowGeneric(dst[n:], tok[n:], pos[n:], u[n:], d[n:], m, inv)
}

// ffnRow sets one row of layer 0's first feed-forward product (see
// ffnRowGeneric).
func ffnRow(dst, tok, pos, u, d []float32, m, inv float32) {
	n := 0
	if hasAVX2 {
		n = len(dst) &^ 7
		if n > 0 {
			_, _, _, _ = tok[n-1], pos[n-1], u[n-1], d[n-1]
			ffnRowAVX2(&dst[0], &tok[0], &pos[0], &u[0], &d[0], n, m, inv)
		}
	}
	ffnRowGeneric(dst[n:], tok[n:], pos[n:], u[n:], d[n:], m, inv)
}

// transpose8 sets dst[c·ldd+r] = src[r·lds+c] for r < 8 and c < n (see
// transpose8Generic).
func transpose8(dst []float32, ldd int, src []float32, lds, n int) {
	if !hasAVX2 || n%8 != 0 || n == 0 {
		transpose8Generic(dst, ldd, src, lds, n)
		return
	}
	_ = dst[(n-1)*ldd+7]
	_ = src[7*lds+n-1]
	transpose8AVX2(&dst[0], ldd, &src[0], lds, n)
}

// maxOf returns the largest of x (not empty).
func maxOf(x []float32) float32 {
	n := 0
	m := x[0]
	if hasAVX2 {
		n = len(x) &^ 7
		if n > 0 {
			m = maxAVX2(&x[0], n)
		}
	}
	return max(m, maxOfGeneric(x[n:], m))
}

// scaleBy multiplies x by s.
func scaleBy(x []float32, s float32) {
	n := 0
	if hasAVX2 {
		n = len(x) &^ 7
		if n > 0 {
			scaleAVX2(&x[0], n, s)
		}
	}
	scaleGeneric(x[n:], s)
}

// maxAVX2 returns the largest of x[:n], n a positive multiple of 8.
//
//go:noescape
func maxAVX2(x *float32, n int) float32

// scaleAVX2 sets x[i] *= s for i < n, a multiple of 8.
//
//go:noescape
func scaleAVX2(x *float32, n int, s float32)

// reluAVX2 sets x[i] = max(x[i], 0) for i < n, a multiple of 32.
//
//go:noescape
func reluAVX2(x *float32, n int)

// addToAVX2 adds src[i] to dst[i] for i < n, a multiple of 32.
//
//go:noescape
func addToAVX2(dst, src *float32, n int)

// lnStatsAVX2 returns the mean of x[:n] and the sum of squared deviations
// from it, accumulated in float64; n is a positive multiple of 8.
//
//go:noescape
func lnStatsAVX2(x *float32, n int) (mean, sq float64)

// lnApplyAVX2 sets y[i] = (x[i]-m)·inv·scale[i] + bias[i] for i < n, a
// positive multiple of 8.
//
//go:noescape
func lnApplyAVX2(y, x, scale, bias *float32, n int, m, inv float32)

// qkvRowAVX2 sets dst[i] = (tok[i] + pos[i] - m·u[i])·inv + d[i] for i < n,
// a positive multiple of 8.
//
//go:noescape
func qkvRowAVX2(dst, tok, pos, u, d *float32, n int, m, inv float32)

// ffnRowAVX2 sets dst[i] = max(0, (dst[i] + tok[i] + pos[i] - m·u[i])·inv +
// d[i]) for i < n, a positive multiple of 8.
//
//go:noescape
func ffnRowAVX2(dst, tok, pos, u, d *float32, n int, m, inv float32)

// transpose8AVX2 sets dst[c·ldd+r] = src[r·lds+c] for r < 8 and c < n, a
// positive multiple of 8.
//
//go:noescape
func transpose8AVX2(dst *float32, ldd int, src *float32, lds int, n int)
