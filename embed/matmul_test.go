package embed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveGemm is the textbook c += a·b with b row-major k × n.
func naiveGemm(c []float32, ldc int, a []float32, lda, rows int, b []float32, k, n int) {
	for i := range rows {
		for j := range n {
			var s float64
			for p := range k {
				s += float64(a[i*lda+p]) * float64(b[p*n+j])
			}
			c[i*ldc+j] += float32(s)
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// withKernel runs f with gemm using kern.
func withKernel(t *testing.T, kern kernelFunc, f func()) {
	old := kernel
	kernel = kern
	defer func() { kernel = old }()
	f()
}

func TestGemm(t *testing.T) {
	shapes := []struct{ rows, k, n, lda, ldc int }{
		{8, 1, 32, 1, 32},
		{8, 3, 32, 5, 40},
		{8, 256, 64, 256, 64},
		{16, 300, 96, 310, 100}, // k not a multiple of kChunk
		{128, 512, 64, 512, 64}, // several chunks and row blocks
	}
	r := rand.New(rand.NewPCG(1, 2))
	for name, kern := range kernels() {
		for _, s := range shapes {
			t.Run(fmt.Sprintf("%s/%dx%dx%d", name, s.rows, s.k, s.n), func(t *testing.T) {
				a := randSlice(r, s.rows*s.lda)
				b := randSlice(r, s.k*s.n)
				c0 := randSlice(r, s.rows*s.ldc)
				want := append([]float32(nil), c0...)
				naiveGemm(want, s.ldc, a, s.lda, s.rows, b, s.k, s.n)
				got := append([]float32(nil), c0...)
				withKernel(t, kern, func() { gemm(got, s.ldc, a, s.lda, s.rows, pack(b, s.k, s.n)) })
				for i := range got {
					if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*math.Sqrt(float64(s.k)) {
						t.Fatalf("c[%d] = %g, want %g", i, got[i], want[i])
					}
				}
			})
		}
	}
}

// TestKernelsModel checks every kernel end to end, the portable one
// included: the reference embeddings must match with each.
func TestKernelsModel(t *testing.T) {
	m := testModel(t)
	for name, kern := range kernels() {
		withKernel(t, kern, func() {
			ws := newWorkspace()
			for i, c := range referenceCases(t) {
				got := make([]float32, useDim)
				m.enc.forward(ws, c.Tokens[:min(len(c.Tokens), useMaxTokens)], got)
				if cos, _ := compare(got, c.Embedding); cos < 0.99999 {
					t.Errorf("%s kernel, case %d: cosine %.7f < 0.99999", name, i, cos)
				}
			}
		})
	}
}

func BenchmarkGemm128x512x1536(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	a := randSlice(r, 128*512)
	w := pack(randSlice(r, 512*1536), 512, 1536)
	c := make([]float32, 128*1536)
	for name, kern := range kernels() {
		b.Run(name, func(b *testing.B) {
			old := kernel
			kernel = kern
			defer func() { kernel = old }()
			for b.Loop() {
				gemm(c, 1536, a, 512, 128, w)
			}
			flops := 2.0 * 128 * 512 * 1536 * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func TestExpNeg(t *testing.T) {
	for x := float32(-100); x <= 0; x += 0.001 {
		got, want := float64(expNeg(x)), math.Exp(float64(x))
		if x < -87 { // documented cut-off, near float32's normal range
			if got != 0 {
				t.Fatalf("expNeg(%g) = %g, want ~0", x, got)
			}
			continue
		}
		if rel := math.Abs(got-want) / want; rel > 3e-7 {
			t.Fatalf("expNeg(%g) = %g, want %g (relative error %.2g)", x, got, want, rel)
		}
	}
}
