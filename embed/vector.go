package embed

import "math"

// Normalize scales v to unit length in place; a zero vector stays zero.
// Every embedder's output is normalised this way, and indexes use it for
// vectors from elsewhere.
func Normalize(v []float32) {
	var sq float64
	for _, x := range v {
		sq += float64(x) * float64(x)
	}
	if sq == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sq))
	for i := range v {
		v[i] *= inv
	}
}
