package embed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
func withKernel(tb testing.TB, kern microKernel, f func()) {
	tb.Helper()
	old := kernel
	kernel = kern
	defer func() { kernel = old }()
	f()
}

func TestGemm(t *testing.T) {
	shapes := []struct{ rows, k, n, lda, ldc int }{
		{1, 1, 32, 1, 32},
		{1, 1536, 512, 1536, 512}, // one row: the matrix-vector kernel
		{1, 7, 64, 9, 70},
		{8, 1, 32, 1, 32},
		{14, 5, 32, 5, 32},      // one full 14-row block
		{15, 33, 64, 40, 64},    // 8 + 8 rows, the second partial
		{22, 17, 32, 17, 32},    // 14 + 8
		{29, 600, 96, 600, 100}, // 14 + 8 + 8, k over two chunks
		{128, 64, 32, 64, 32},   // 8 × 14 + 2 × 8
		{8, 3, 32, 5, 40},
		{13, 256, 64, 256, 64},  // a partial row block for every kernel
		{16, 300, 96, 310, 100}, // k not a multiple of kChunk
		{128, 512, 64, 512, 64}, // several chunks and row blocks
		{127, 512, 512, 520, 512},
		{7, 600, 64, 610, 70}, // AVX2: 6 rows + one row, k over two chunks
		{30, 7, 64, 9, 70},    // AVX2: 5 direct blocks, k not a multiple of 4
		{36, 515, 64, 520, 64},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for name, kern := range kernels() {
		for _, s := range shapes {
			for _, threads := range []int{1, 2, 3} {
				t.Run(fmt.Sprintf("%s/%dx%dx%d/threads=%d", name, s.rows, s.k, s.n, threads), func(t *testing.T) {
					a := randSlice(r, s.rows*s.lda)
					b := randSlice(r, s.k*s.n)
					c0 := randSlice(r, s.rows*s.ldc)
					want := append([]float32(nil), c0...)
					naiveGemm(want, s.ldc, a, s.lda, s.rows, b, s.k, s.n)
					got := append([]float32(nil), c0...)
					withKernel(t, kern, func() { gemm(got, s.ldc, a, s.lda, s.rows, pack(b, s.k, s.n), nil, threads) })
					for i := range got {
						if i%s.ldc >= s.n {
							if got[i] != c0[i] {
								t.Fatalf("c[%d] outside the product changed", i)
							}
							continue
						}
						if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*math.Sqrt(float64(s.k)) {
							t.Fatalf("c[%d] = %g, want %g", i, got[i], want[i])
						}
					}
				})
			}
		}
	}
}

// TestGemmAhead checks gemmAhead against gemm on TestGemm's shapes, with
// one and two slices to prefetch (one of them empty, as when layer 0 has no
// rare tokens), and that it leaves them unchanged.
func TestGemmAhead(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	shapes := []struct{ rows, k, n int }{{1, 64, 32}, {13, 256, 64}, {30, 7, 64}, {36, 515, 64}, {128, 256, 1536}, {128, 2, 96}}
	for name, kern := range kernels() {
		for _, s := range shapes {
			a := randSlice(r, s.rows*s.k)
			b := pack(randSlice(r, s.k*s.n), s.k, s.n)
			c0 := randSlice(r, s.rows*s.n)
			want := append([]float32(nil), c0...)
			withKernel(t, kern, func() { gemm(want, s.n, a, s.k, s.rows, b, nil, 1) })
			n1, n2 := randSlice(r, 100_000), randSlice(r, 3_000)
			keep1, keep2 := append([]float32(nil), n1...), append([]float32(nil), n2...)
			for _, threads := range []int{1, 2} {
				for _, next := range [][][]float32{{n1}, {nil, n2}, {n1, n2}} {
					got := append([]float32(nil), c0...)
					withKernel(t, kern, func() { gemmAhead(got, s.n, a, s.k, s.rows, b, nil, threads, next...) })
					for i := range got {
						if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*math.Sqrt(float64(s.k)) {
							t.Fatalf("%s %dx%dx%d threads=%d, %d to prefetch: c[%d] = %g, want %g", name, s.rows, s.k, s.n, threads, len(next), i, got[i], want[i])
						}
					}
				}
			}
			if fmt.Sprint(n1) != fmt.Sprint(keep1) || fmt.Sprint(n2) != fmt.Sprint(keep2) {
				t.Fatalf("%s %dx%dx%d: gemmAhead changed what it prefetched", name, s.rows, s.k, s.n)
			}
		}
	}
}

// TestKernelsModel checks every kernel end to end, the portable one
// included, on one goroutine and split across two, with layer 0 from its
// tables and run directly: the reference embeddings must match with each.
func TestKernelsModel(t *testing.T) {
	m := testModel(t)
	for name, kern := range kernels() {
		for _, threads := range []int{1, 2} {
			withKernel(t, kern, func() {
				ws := newWorkspace()
				ws.threads = threads
				for i, c := range referenceCases(t) {
					for _, tables := range []bool{true, false} {
						ws.tables = tables
						got := make([]float32, useDim)
						m.enc.forward(ws, c.Tokens[:min(len(c.Tokens), useMaxTokens)], got)
						if cos, _ := compare(got, c.Embedding); cos < 0.99999 {
							t.Errorf("%s kernel, %d goroutines, tables %v, case %d: cosine %.7f < 0.99999", name, threads, tables, i, cos)
						}
					}
				}
			})
		}
	}
}

// BenchmarkGemm times gemm with every kernel on the encoder's products for
// 128 tokens (rows × k × n: the feed-forward matrices, layer 0's q|k|v and
// layer 1's output projection), on a query-sized one (16 rows) and on one
// small enough to stay in the L1 cache (close to the core's peak). cpu-GFLOP/s divides by the process's CPU time,
// which other work on the machine disturbs less than the wall clock.
func BenchmarkGemm(b *testing.B) {
	shapes := []struct{ rows, k, n int }{{128, 512, 1536}, {128, 1536, 512}, {128, 256, 768}, {128, 512, 512}, {16, 512, 1536}, {32, 64, 64}}
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range shapes {
		a := randSlice(r, s.rows*s.k)
		w := pack(randSlice(r, s.k*s.n), s.k, s.n)
		c := make([]float32, s.rows*s.n)
		for name, kern := range kernels() {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", s.rows, s.k, s.n, name), func(b *testing.B) {
				pa := make([]float32, packedRows(s.rows, s.k, kern))
				withKernel(b, kern, func() {
					start := cpuTime()
					for b.Loop() {
						gemm(c, s.n, a, s.k, s.rows, w, pa, 1)
					}
					reportCPU(b, start)
					flops := 2 * float64(s.rows*s.k*s.n) * float64(b.N)
					if cpu := (cpuTime() - start).Seconds(); cpu > 0 {
						b.ReportMetric(flops/cpu/1e9, "cpu-GFLOP/s")
					}
				})
			})
		}
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

// BenchmarkTile times each micro-kernel alone at each row-block height it
// handles and as the one-row product (gemv), on one panel chunk as gemm
// passes it (k = kChunk: 64 KB, in the L2 cache): the block costs the
// kernels give planBlocks.
func BenchmarkTile(b *testing.B) {
	const k = kChunk
	r := rand.New(rand.NewPCG(1, 2))
	pa := randSlice(r, maxMR*k)
	panel := randSlice(r, k*panelWidth)
	c := make([]float32, maxMR*panelWidth)
	for name, kern := range kernels() {
		for _, h := range []int{kern.mr, kern.mr2, 1} {
			if h == 0 {
				continue
			}
			b.Run(fmt.Sprintf("%s/%d", name, h), func(b *testing.B) {
				start := cpuTime()
				for b.Loop() {
					if h == 1 {
						kern.gemv(c, pa, panel, k)
					} else {
						kern.tile(c, panelWidth, pa, panel, k, h)
					}
				}
				if cpu := (cpuTime() - start).Seconds(); cpu > 0 {
					b.ReportMetric(2*float64(h*k*panelWidth*b.N)/cpu/1e9, "cpu-GFLOP/s")
				}
			})
		}
	}
}

// TestKernelExp checks each kernel's exp against math.Exp on arguments
// from -100 to 0, in slices of every length up to 19 (vector and scalar
// parts).
func TestKernelExp(t *testing.T) {
	for name, kern := range kernels() {
		for n := 1; n < 20; n++ {
			for x0 := float32(-100); x0 <= 0; x0 += 0.0137 * float32(n) {
				const scale, bias = 0.5, -1
				x := make([]float32, n)
				for i := range x {
					x[i] = min(x0+float32(i)*0.01, 2) // arguments up to 0
				}
				orig := append([]float32(nil), x...)
				sum := kern.exp(x, scale, bias)
				var want float64
				for i, v := range orig {
					arg := float64(v*scale + bias)
					w := math.Exp(arg)
					want += float64(x[i])
					if arg < -87 {
						if x[i] > 2e-38 {
							t.Fatalf("%s: e^%g = %g, want ~0", name, arg, x[i])
						}
						continue
					}
					if rel := math.Abs(float64(x[i])-w) / w; rel > 5e-7 {
						t.Fatalf("%s: e^%g = %g, want %g (relative error %.2g)", name, arg, x[i], w, rel)
					}
				}
				if math.Abs(float64(sum)-want) > 1e-6*want+1e-30 {
					t.Fatalf("%s: sum %g, want %g", name, sum, want)
				}
			}
		}
	}
}

func TestPlanBlocks(t *testing.T) {
	k1412 := microKernel{mr: 14, mr2: 8}
	k6 := microKernel{mr: 6}
	k64 := microKernel{mr: 6, mr2: 4}
	// The block costs of the amd64 kernels (matmul_amd64.go).
	kAVX2 := microKernel{mr: 6, mr2: 4, blockCost: [maxMR + 1]float32{1: 830, 4: 2000, 6: 2340}}
	kAVX512 := microKernel{mr: 14, mr2: 8, blockCost: [maxMR + 1]float32{1: 840, 8: 2800, 14: 4900}}
	cases := []struct {
		kern         microKernel
		rows         int
		heights      []int
		paddedRows   int
		wantBlocks14 int
	}{
		{k1412, 1, []int{8}, 8, 0},
		{k1412, 8, []int{8}, 8, 0},
		{k1412, 13, []int{14}, 14, 1},
		{k1412, 14, []int{14}, 14, 1},
		{k1412, 16, []int{8, 8}, 16, 0},
		{k1412, 22, []int{14, 8}, 22, 1},
		{k1412, 128, []int{14, 14, 14, 14, 14, 14, 14, 14, 8, 8}, 128, 8},
		{k1412, 127, []int{14, 14, 14, 14, 14, 14, 14, 14, 8, 8}, 128, 8},
		{k6, 13, []int{6, 6, 6}, 18, 0},
		{k64, 13, []int{6, 4, 4}, 14, 1},
		{k64, 128, append(slices.Repeat([]int{6}, 20), 4, 4), 128, 20},
		// With block costs, single rows (the one-row product) where they
		// are cheaper than a short block.
		{kAVX2, 13, []int{6, 6, 1}, 13, 2},
		{kAVX2, 14, []int{6, 4, 4}, 14, 1},
		{kAVX2, 7, []int{6, 1}, 7, 1},
		{kAVX2, 5, []int{6}, 6, 0},
		{kAVX2, 1, []int{1}, 1, 0},
		{kAVX2, 128, append(slices.Repeat([]int{6}, 20), 4, 4), 128, 20},
		{kAVX512, 13, []int{14}, 14, 0},
		{kAVX512, 15, []int{8, 8}, 16, 0},
		{kAVX512, 22, []int{14, 8}, 22, 1},
		{kAVX512, 128, []int{14, 14, 14, 14, 14, 14, 14, 14, 8, 8}, 128, 8},
	}
	for _, c := range cases {
		p := planBlocks(c.rows, c.kern)
		var heights []int
		next := 0
		for i := range p.blocks {
			r0, h := p.block(i)
			if r0 != next {
				t.Fatalf("%d rows: block %d starts at row %d, want %d", c.rows, i, r0, next)
			}
			next += h
			heights = append(heights, h)
		}
		if fmt.Sprint(heights) != fmt.Sprint(c.heights) || p.padded() != c.paddedRows || next != p.padded() {
			t.Errorf("%d rows (mr %d, mr2 %d): blocks %v (padded %d), want %v (padded %d)",
				c.rows, c.kern.mr, c.kern.mr2, heights, p.padded(), c.heights, c.paddedRows)
		}
	}
}

// TestKernelPlans checks each kernel's cached block plans against
// planBlocks, up to and past the cached row counts.
func TestKernelPlans(t *testing.T) {
	for name, kern := range kernels() {
		if kern.plans == nil {
			t.Fatalf("%s: no plan cache", name)
		}
		for rows := 1; rows <= useMaxTokens+20; rows++ {
			if got, want := kern.plan(rows), planBlocks(rows, kern); got != want {
				t.Fatalf("%s, %d rows: cached plan %+v, want %+v", name, rows, got, want)
			}
		}
	}
}

// TestTile checks every kernel's tile at each row-block height it handles
// and its one-row product against the textbook product, for odd k and a
// row stride wider than the tile.
func TestTile(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for name, kern := range kernels() {
		heights := []int{kern.mr}
		if kern.mr2 > 0 {
			heights = append(heights, kern.mr2)
		}
		for _, h := range heights {
			for _, k := range []int{1, 2, 3, 7, 64, 255, 512} {
				const ldc = panelWidth + 3
				a := randSlice(r, h*k) // row-major h × k
				b := randSlice(r, k*panelWidth)
				pa := make([]float32, h*k)
				packRows(pa, a, k, k, blockPlan{rows: h, mr: h, big: 1, blocks: 1}, false)
				c0 := randSlice(r, h*ldc)
				want := append([]float32(nil), c0...)
				naiveGemm(want, ldc, a, k, h, b, k, panelWidth)
				got := append([]float32(nil), c0...)
				kern.tile(got, ldc, pa, b, k, h)
				checkClose(t, fmt.Sprintf("%s tile %dx%d k=%d", name, h, panelWidth, k), got, want, c0, ldc, panelWidth, k)
				if kern.direct != nil && h == kern.mr {
					// The same rows read in place, with a wider row stride.
					const lda = 7
					wide := make([]float32, h*(k+lda))
					for r := range h {
						copy(wide[r*(k+lda):], a[r*k:(r+1)*k])
					}
					got := append([]float32(nil), c0...)
					kern.direct(got, ldc, wide, k+lda, b, k, 0, nil)
					checkClose(t, fmt.Sprintf("%s direct %dx%d k=%d", name, h, panelWidth, k), got, want, c0, ldc, panelWidth, k)
					// Without the panel prefetch, prefetching other data
					// instead (see gemmAhead).
					side := randSlice(r, 4*k)
					got = append([]float32(nil), c0...)
					kern.direct(got, ldc, wide, k+lda, b, k, -1, side)
					checkClose(t, fmt.Sprintf("%s direct %dx%d k=%d, side prefetch", name, h, panelWidth, k), got, want, c0, ldc, panelWidth, k)
				}
			}
		}
		for _, k := range []int{1, 2, 3, 9, 512, 1536} {
			a := randSlice(r, k)
			b := randSlice(r, k*panelWidth)
			c0 := randSlice(r, panelWidth)
			want := append([]float32(nil), c0...)
			naiveGemm(want, panelWidth, a, k, 1, b, k, panelWidth)
			got := append([]float32(nil), c0...)
			kern.gemv(got, a, b, k)
			checkClose(t, fmt.Sprintf("%s gemv k=%d", name, k), got, want, c0, panelWidth, panelWidth, k)
		}
	}
}

// checkClose fails t unless got matches want within float32 rounding for
// k-term sums in the first n columns of each row (stride ld), and equals
// orig elsewhere.
func checkClose(t *testing.T, what string, got, want, orig []float32, ld, n, k int) {
	t.Helper()
	for i := range got {
		if i%ld >= n {
			if got[i] != orig[i] {
				t.Fatalf("%s: c[%d] outside the product changed", what, i)
			}
			continue
		}
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*math.Sqrt(float64(k))+1e-6 {
			t.Fatalf("%s: c[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// BenchmarkGemmCold times query-sized products (13 rows) on weights that
// are not in any cache: it cycles through 24 different 512 × 1536 matrices
// (72 MB), as a question's forward pass streams its 16 MB of weights once.
// One-row products (the last layer's second feed-forward product and the
// output projection run on the mean row) are timed the same way.
func BenchmarkGemmCold(b *testing.B) {
	const k, n, mats = 512, 1536, 24
	r := rand.New(rand.NewPCG(1, 2))
	ws := make([]packed, mats)
	for i := range ws {
		ws[i] = pack(randSlice(r, k*n), k, n)
	}
	for name, kern := range kernels() {
		if name == "generic" {
			continue
		}
		for _, rows := range []int{1, 13} {
			a := randSlice(r, rows*k)
			c := make([]float32, rows*n)
			benchGemmCold(b, name, kern, rows, k, n, a, c, ws)
		}
	}
}

// benchGemmCold runs one case of BenchmarkGemmCold, cycling through ws.
func benchGemmCold(b *testing.B, name string, kern microKernel, rows, k, n int, a, c []float32, ws []packed) {
	b.Run(fmt.Sprintf("%dx%dx%d/%s", rows, k, n, name), func(b *testing.B) {
		pa := make([]float32, packedRows(rows, k, kern))
		withKernel(b, kern, func() {
			start := cpuTime()
			i := 0
			for b.Loop() {
				gemm(c, n, a, k, rows, ws[i%len(ws)], pa, 1)
				i++
			}
			reportCPU(b, start)
			flops := 2 * float64(rows*k*n) * float64(b.N)
			if cpu := (cpuTime() - start).Seconds(); cpu > 0 {
				b.ReportMetric(flops/cpu/1e9, "cpu-GFLOP/s")
			}
		})
	})
}
