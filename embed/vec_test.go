package embed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestVec checks the element-wise steps this build uses (AVX2 on amd64
// where the CPU has it, NEON on arm64) against the portable ones at lengths
// around the vector widths.
func TestVec(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 8, 31, 32, 33, 64, 95, 512, 1541} {
		t.Run(fmt.Sprintf("relu/%d", n), func(t *testing.T) {
			x := randSlice(r, n)
			want := append([]float32(nil), x...)
			reluGeneric(want)
			relu(x)
			for i := range x {
				if x[i] != want[i] {
					t.Fatalf("relu: x[%d] = %g, want %g", i, x[i], want[i])
				}
			}
		})
		t.Run(fmt.Sprintf("max/%d", n), func(t *testing.T) {
			for trial := range 20 {
				x := randSlice(r, n)
				x[r.IntN(n)] = 1.5 + float32(trial) // the largest, anywhere
				if got, want := maxOf(x), maxOfGeneric(x[1:], x[0]); got != want {
					t.Fatalf("maxOf = %g, want %g", got, want)
				}
			}
		})
		t.Run(fmt.Sprintf("scale/%d", n), func(t *testing.T) {
			x := randSlice(r, n)
			want := append([]float32(nil), x...)
			scaleGeneric(want, 0.37)
			scaleBy(x, 0.37)
			for i := range x {
				if x[i] != want[i] {
					t.Fatalf("scaleBy: x[%d] = %g, want %g", i, x[i], want[i])
				}
			}
		})
		t.Run(fmt.Sprintf("qkvRow/%d", n), func(t *testing.T) {
			tok, pos, u, d := randSlice(r, n), randSlice(r, n), randSlice(r, n), randSlice(r, n)
			want, got := make([]float32, n), make([]float32, n)
			qkvRowGeneric(want, tok, pos, u, d, 0.3, 1.7)
			qkvRow(got, tok, pos, u, d, 0.3, 1.7)
			for i := range got {
				if diff := math.Abs(float64(got[i] - want[i])); diff > 1e-6*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("qkvRow: dst[%d] = %g, want %g", i, got[i], want[i])
				}
			}
		})
		t.Run(fmt.Sprintf("ffnRow/%d", n), func(t *testing.T) {
			tok, pos, u, d := randSlice(r, n), randSlice(r, n), randSlice(r, n), randSlice(r, n)
			want := randSlice(r, n) // att·(Wo·S), updated in place
			got := append([]float32(nil), want...)
			ffnRowGeneric(want, tok, pos, u, d, 0.3, 1.7)
			ffnRow(got, tok, pos, u, d, 0.3, 1.7)
			for i := range got {
				if diff := math.Abs(float64(got[i] - want[i])); diff > 1e-6*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("ffnRow: dst[%d] = %g, want %g", i, got[i], want[i])
				}
			}
		})
		t.Run(fmt.Sprintf("lnStats/%d", n&^3+4), func(t *testing.T) {
			x := randSlice(r, n&^3+4)
			for i := range x {
				x[i] = x[i]*3 + 10
			}
			m, inv := lnStats(x)
			wm, winv := lnStatsGeneric(x)
			if math.Abs(float64(m-wm)) > 1e-6*math.Abs(float64(wm)) || math.Abs(float64(inv-winv)) > 1e-6*math.Abs(float64(winv)) {
				t.Fatalf("lnStats = %g, %g, want %g, %g", m, inv, wm, winv)
			}
		})
		t.Run(fmt.Sprintf("addTo/%d", n), func(t *testing.T) {
			dst, src := randSlice(r, n), randSlice(r, n+3)
			want := append([]float32(nil), dst...)
			addToGeneric(want, src)
			addTo(dst, src)
			for i := range dst {
				if dst[i] != want[i] {
					t.Fatalf("addTo: dst[%d] = %g, want %g", i, dst[i], want[i])
				}
			}
		})
	}
	for _, n := range []int{8, 16, 64, 128} {
		t.Run(fmt.Sprintf("transpose8/%d", n), func(t *testing.T) {
			const lds, ldd = 200, 37
			src := randSlice(r, 7*lds+n)
			want, got := make([]float32, (n-1)*ldd+8), make([]float32, (n-1)*ldd+8)
			transpose8Generic(want, ldd, src, lds, n)
			transpose8(got, ldd, src, lds, n)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("transpose8: dst[%d] = %g, want %g", i, got[i], want[i])
				}
			}
		})
	}
	for _, n := range []int{4, 8, 12, 16, 24, 256, 512, 1536} {
		for _, offset := range []float32{0, 100} {
			t.Run(fmt.Sprintf("layerNorm/%d/offset=%g", n, offset), func(t *testing.T) {
				x, scale, bias := randSlice(r, n), randSlice(r, n), randSlice(r, n)
				for i := range x {
					x[i] = x[i]*3 + offset
				}
				want, got := make([]float32, n), make([]float32, n)
				layerNormRowGeneric(want, x, scale, bias)
				layerNormRow(got, x, scale, bias)
				for i := range got {
					if d := math.Abs(float64(got[i] - want[i])); d > 2e-6*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("layerNorm: y[%d] = %g, want %g", i, got[i], want[i])
					}
				}
			})
		}
	}
}
