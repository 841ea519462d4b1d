package embed

import "sync"

// The encoder spends almost all its time multiplying a block of activations
// (rows × k, row-major) by a weight matrix (k × n). It does it the way BLIS
// and GotoBLAS do:
//
//   - The weights are packed once at load time into column panels of
//     panelWidth columns: panel p holds columns [32p, 32p+32) of all k rows
//     contiguously, so a kernel streams it sequentially.
//   - The rows of the activations are split into row blocks (planBlocks
//     mixes the kernel's two heights and single rows, by the time each
//     kind of block takes). Blocks the kernel cannot read in place are packed at each
//     product, interleaved along k (a block of h rows from row r0 holds
//     a[r0+r][p] at p·h+r), so the kernel reads them as one sequential
//     stream too; the last block is padded with zero rows.
//   - A micro-kernel multiplies one packed row block by one panel over a
//     chunk of kChunk values of k, keeping the h × 32 block of the result
//     in registers, and adds it to the output. The driver walks k chunks,
//     then panels, then row blocks, so a panel chunk (64 KB) stays in the
//     L2 cache while every row block passes over it. Chunks short enough
//     for L1 measured slower (more loads and stores of the output block).
//   - One product can run on several goroutines, each taking contiguous
//     ranges of panels (output columns); see gemm and team.go.
//
// amd64 machines use assembly kernels (matmul_amd64.s): 14 × 32 AVX-512
// (28 accumulators; with 8 × 32 blocks mixed in so 128 rows need no
// padding) when the CPU and OS support it, else 6 × 16 AVX2 with FMA (twice
// per panel; 4-row blocks mixed in). Full blocks of the tallest height are
// read in place rather than packed. Products of a single row skip packing
// and use a matrix-vector kernel, which also takes single left-over rows of
// longer products where the plan finds it cheaper (AVX2: 13 rows are
// 6 + 6 + 1). arm64 machines use a NEON kernel (matmul_arm64.s): 6 × 16
// twice per panel with 4-row blocks mixed in and full 6-row blocks read in
// place, as AVX2, and a NEON matrix-vector kernel. Everything else uses
// kernelGeneric, which is also tested on its own (and selected on amd64
// and arm64 by the purego build tag).

const (
	panelWidth = 32  // columns per packed panel
	kChunk     = 512 // k values per cache block
	maxMR      = 14  // most rows any micro-kernel handles
	// parallelMin is the least work (multiply-adds) a product must have to
	// be split across goroutines: below it, waking another goroutine costs
	// more than it saves.
	parallelMin = 1 << 18
)

// microKernel is a register-blocked matrix kernel.
type microKernel struct {
	name string
	// mr and mr2 are the row-block heights tile handles: mr, the tallest,
	// and mr2 (0 if none), a shorter one the block plan mixes in so that
	// fewer padding rows are computed (see planBlocks).
	mr, mr2 int
	// tile adds the product of a packed h × k row block (see packRows) and
	// a k × panelWidth panel chunk (row stride panelWidth) to an
	// h × panelWidth block of c (row stride ldc). k is positive; h is mr or
	// mr2.
	tile func(c []float32, ldc int, pa, panel []float32, k, h int)
	// direct, if not nil, is tile for full blocks of mr rows read from a
	// in place (row stride lda) rather than packed. With pf = 0 it
	// prefetches the panel a little ahead into the L1 cache, with pf < 0
	// not at all, and with pf > 0 it also prefetches the k × panelWidth
	// values pf floats past panel into the L2 cache (the AVX2 kernel
	// does; the AVX-512 one ignores pf). With pf < 0 it prefetches side
	// (k/4 lines, 4·k values, from its start) into the L2 cache instead,
	// if side is not empty (the AVX2 kernel does; see gemmAhead).
	direct func(c []float32, ldc int, a []float32, lda int, panel []float32, k, pf int, side []float32)
	// blockCost estimates the time of one row block of each height the
	// plan can use (mr, mr2 and 1, the one-row product gemv, which is
	// then used for single rows of a longer product too): BenchmarkTile's
	// ns/op. 0 means the height is not used (for 1) or not measured.
	blockCost [maxMR + 1]float32
	// plans, if not nil, caches planBlocks for up to useMaxTokens rows
	// (see plan).
	plans *blockPlans
	// gemv adds a[:k] times a k × panelWidth panel (row stride panelWidth)
	// to c[:panelWidth]: the product of a single row, where a row block
	// would mostly multiply padding. k is positive.
	gemv func(c, a, panel []float32, k int)
	// exp sets x[i] = e^(x[i]·scale + bias), for arguments ≤ 0, and returns
	// the sum of the results (see expAffine); softmax uses it.
	exp func(x []float32, scale, bias float32) float32
}

// kernelGeneric is the portable micro-kernel.
var kernelGeneric = microKernel{name: "generic", mr: 4, tile: tileGeneric, gemv: gemvGeneric, exp: expAffine,
	blockCost: [maxMR + 1]float32{1: 17600, 4: 35800}, plans: new(blockPlans)}

// packed is a k × n matrix stored as n/32 panels of k × 32 values.
type packed struct {
	k, n int
	data []float32
}

// pack lays out the row-major k × n matrix w in panels, as the weights
// loader does from the model files. n must be a multiple of panelWidth.
func pack(w []float32, k, n int) packed {
	if n%panelWidth != 0 || len(w) != k*n {
		panic("embed: pack: bad shape")
	}
	p := packed{k: k, n: n, data: make([]float32, k*n)}
	for c0 := 0; c0 < n; c0 += panelWidth {
		panel := p.data[c0*k : (c0+panelWidth)*k]
		for r := range k {
			copy(panel[r*panelWidth:(r+1)*panelWidth], w[r*n+c0:r*n+c0+panelWidth])
		}
	}
	return p
}

// unpack returns p as a row-major k × n matrix.
func (p packed) unpack() []float32 {
	w := make([]float32, p.k*p.n)
	for c0 := 0; c0 < p.n; c0 += panelWidth {
		panel := p.data[c0*p.k : (c0+panelWidth)*p.k]
		for r := range p.k {
			copy(w[r*p.n+c0:r*p.n+c0+panelWidth], panel[r*panelWidth:(r+1)*panelWidth])
		}
	}
	return w
}

// blockPlan splits the rows of a product into row blocks: first big blocks
// of the kernel's mr rows, then mid blocks of mr2 rows, then single rows
// (ones), which go through the kernel's one-row product reading a in
// place. Without single rows the last block may be partial (padded with
// zero rows when packed).
type blockPlan struct {
	rows, mr, mr2, big, mid, ones, blocks int
}

// planBlocks returns the row blocks for rows rows: the mix of mr-row,
// mr2-row and single-row blocks with the least estimated time (the
// kernel's blockCost per block), and of equal ones the one with fewest
// blocks. 128 rows with 14- and 8-row blocks are 8 × 14 + 2 × 8, with no
// padding, where 14-row blocks alone would compute 140; 13 rows with the
// AVX2 kernel are 6 + 6 + 1, where 6 + 4 + 4 would run its slower 4-row
// kernel twice.
func planBlocks(rows int, kern microKernel) blockPlan {
	mr, mr2 := kern.mr, kern.mr2
	cost := func(h int) float64 {
		if c := kern.blockCost[h]; c > 0 {
			return float64(c)
		}
		return float64(h) // no estimate: padding rows cost as much as rows
	}
	best := blockPlan{rows: rows, mr: mr, mr2: mr2}
	bestCost := -1.0
	for nb := 0; nb <= (rows+mr-1)/mr; nb++ {
		rest := rows - nb*mr
		maxMid := 0
		if mr2 > 0 && rest > 0 {
			maxMid = (rest + mr2 - 1) / mr2
		}
		for ns := 0; ns <= maxMid; ns++ {
			left := rest - ns*mr2
			n1 := max(left, 0)
			if n1 > 0 && kern.blockCost[1] == 0 {
				continue // rows left over and no one-row blocks
			}
			if left < 0 && ns == 0 && -left >= mr || left < 0 && ns > 0 && -left >= mr2 {
				continue // more than the last block is padding
			}
			c := float64(nb)*cost(mr) + float64(ns)*cost(mr2) + float64(n1)*cost(1)
			if bestCost < 0 || c < bestCost || c == bestCost && nb+ns+n1 < best.blocks {
				best.big, best.mid, best.ones, best.blocks = nb, ns, n1, nb+ns+n1
				bestCost = c
			}
		}
	}
	return best
}

// blockPlans holds a kernel's block plans for 1 to useMaxTokens rows,
// computed on first use: a forward pass runs some 40 products, and
// planning one takes about as long as a small product's packing.
type blockPlans struct {
	once sync.Once
	p    [useMaxTokens + 1]blockPlan
}

// plan returns planBlocks(rows, kern), from kern.plans where it can.
func (kern microKernel) plan(rows int) blockPlan {
	if kern.plans == nil || rows > useMaxTokens {
		return planBlocks(rows, kern)
	}
	kern.plans.once.Do(func() {
		for r := 1; r <= useMaxTokens; r++ {
			kern.plans.p[r] = planBlocks(r, kern)
		}
	})
	return kern.plans.p[rows]
}

// block returns the first row and the height of row block i.
func (p blockPlan) block(i int) (r0, h int) {
	switch {
	case i < p.big:
		return i * p.mr, p.mr
	case i < p.big+p.mid:
		return p.big*p.mr + (i-p.big)*p.mr2, p.mr2
	}
	return p.big*p.mr + p.mid*p.mr2 + i - p.big - p.mid, 1
}

// padded returns the number of rows the plan's blocks hold, padding
// included.
func (p blockPlan) padded() int { return p.big*p.mr + p.mid*p.mr2 + p.ones }

// packedRows returns the length of the buffer packRows needs for rows × k
// values with kern's row blocks.
func packedRows(rows, k int, kern microKernel) int { return kern.plan(rows).padded() * k }

// packRows copies the rows × k block of a (row stride lda) into pa in the
// plan's row blocks, each interleaved along k (block b of height h starting
// at row r0 holds a[r0+r][p] at r0·k + p·h + r), zero-padding the last
// block. With direct, it leaves out the full blocks of plan.mr rows (the
// kernel reads those in place).
func packRows(pa, a []float32, lda, k int, plan blockPlan, direct bool) {
	rows := plan.rows
	for i := range plan.blocks {
		b0, mr := plan.block(i)
		if mr == 1 || direct && mr == plan.mr && b0+mr <= rows {
			continue // read in place
		}
		blk := pa[b0*k : (b0+mr)*k]
		if rows-b0 < mr {
			clear(blk)
			for r := range rows - b0 {
				for p, v := range a[(b0+r)*lda : (b0+r)*lda+k] {
					blk[p*mr+r] = v
				}
			}
			continue
		}
		// Full blocks: read the rows side by side and write blk in order.
		switch mr {
		case 14:
			pack14(blk, a[b0*lda:], lda, k)
		case 8:
			pack8(blk, a[b0*lda:], lda, k)
		case 6:
			pack6(blk, a[b0*lda:], lda, k)
		case 4:
			pack4(blk, a[b0*lda:], lda, k)
		default:
			for r := range mr {
				for p, v := range a[(b0+r)*lda : (b0+r)*lda+k] {
					blk[p*mr+r] = v
				}
			}
		}
	}
}

// pack8 interleaves 8 rows of a (stride lda, k values each) into blk.
func pack8(blk, a []float32, lda, k int) {
	r0, r1, r2, r3 := a[:k], a[lda:lda+k], a[2*lda:2*lda+k], a[3*lda:3*lda+k]
	r4, r5, r6, r7 := a[4*lda:4*lda+k], a[5*lda:5*lda+k], a[6*lda:6*lda+k], a[7*lda:7*lda+k]
	blk = blk[:8*k]
	for p := range k {
		d := blk[8*p : 8*p+8 : 8*p+8]
		d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		d[4], d[5], d[6], d[7] = r4[p], r5[p], r6[p], r7[p]
	}
}

// pack14 interleaves 14 rows of a (stride lda, k values each) into blk.
func pack14(blk, a []float32, lda, k int) {
	r0, r1, r2, r3 := a[:k], a[lda:lda+k], a[2*lda:2*lda+k], a[3*lda:3*lda+k]
	r4, r5, r6, r7 := a[4*lda:4*lda+k], a[5*lda:5*lda+k], a[6*lda:6*lda+k], a[7*lda:7*lda+k]
	r8, r9, r10 := a[8*lda:8*lda+k], a[9*lda:9*lda+k], a[10*lda:10*lda+k]
	r11, r12, r13 := a[11*lda:11*lda+k], a[12*lda:12*lda+k], a[13*lda:13*lda+k]
	blk = blk[:14*k]
	for p := range k {
		d := blk[14*p : 14*p+14 : 14*p+14]
		d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		d[4], d[5], d[6], d[7] = r4[p], r5[p], r6[p], r7[p]
		d[8], d[9], d[10] = r8[p], r9[p], r10[p]
		d[11], d[12], d[13] = r11[p], r12[p], r13[p]
	}
}

// pack6 interleaves 6 rows of a (stride lda, k values each) into blk.
func pack6(blk, a []float32, lda, k int) {
	r0, r1, r2 := a[:k], a[lda:lda+k], a[2*lda:2*lda+k]
	r3, r4, r5 := a[3*lda:3*lda+k], a[4*lda:4*lda+k], a[5*lda:5*lda+k]
	blk = blk[:6*k]
	for p := range k {
		d := blk[6*p : 6*p+6 : 6*p+6]
		d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// pack4 interleaves 4 rows of a (stride lda, k values each) into blk.
func pack4(blk, a []float32, lda, k int) {
	r0, r1, r2, r3 := a[:k], a[lda:lda+k], a[2*lda:2*lda+k], a[3*lda:3*lda+k]
	blk = blk[:4*k]
	for p := range k {
		d := blk[4*p : 4*p+4 : 4*p+4]
		d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
	}
}

// gemm accumulates a · b into c: c[i][j] += Σ_k a[i][k]·b[k][j] for
// i < rows and j < b.n. a has row stride lda and c row stride ldc. pa is
// scratch for the packed rows of a (at least packedRows(rows, b.k, kernel)
// values; nil allocates). a and c must not overlap. With threads > 1 and
// enough work, the panels are split across that many goroutines.
func gemm(c []float32, ldc int, a []float32, lda int, rows int, b packed, pa []float32, threads int) {
	gemmAhead(c, ldc, a, lda, rows, b, pa, threads)
}

// gemmAhead is gemm that also prefetches next (at most maxAhead slices,
// in order) into the L2 cache while it runs, so that work to come that is
// bound by memory finds its data in the caches: the weights and tables a
// forward pass reads, ~19 MB, do not all stay in the L3 cache from one
// pass to the next on a machine shared with other work. The kernel's
// direct row blocks that do not prefetch their panel do it, a line every
// four k steps (see microKernel.direct). Issued a few thousand lines at a
// time between kernel calls instead, the prefetches held up the kernel's
// own loads and cost the product more than they saved; and prefetching
// more than the L2 cache holds (the 4 MB of weights of the one-row
// products at the end of a pass, during layer 1's first feed-forward
// product) cost that product as much as it saved, by pushing its own data
// out. Kernels without it (AVX-512, NEON, the portable one) and one-row
// products ignore next.
func gemmAhead(c []float32, ldc int, a []float32, lda int, rows int, b packed, pa []float32, threads int, next ...[]float32) {
	if rows == 0 || b.k == 0 {
		return
	}
	// Bounds the kernels rely on; checked once here.
	_ = a[(rows-1)*lda+b.k-1]
	_ = c[(rows-1)*ldc+b.n-1]
	kern := kernel
	panels := b.n / panelWidth
	if rows*b.k*b.n < parallelMin {
		threads = 1
	}
	if rows == 1 {
		// One row: no packing, each panel streamed once.
		a = a[:b.k]
		parallel(panels, threads, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				c0 := p * panelWidth
				kern.gemv(c[c0:c0+panelWidth], a, b.data[c0*b.k:(c0+panelWidth)*b.k], b.k)
			}
		})
		return
	}
	plan := kern.plan(rows)
	need := plan.padded() * b.k
	if len(pa) < need {
		pa = make([]float32, need)
	}
	packRows(pa, a, lda, b.k, plan, kern.direct != nil)
	parallel(panels, threads, func(lo, hi int) {
		gemmPanels(kern, c, ldc, a, lda, pa, plan, b, lo, hi, next)
	})
}

// gemmPanels accumulates the rows of a (row stride lda), packed into pa in
// plan's blocks (see packRows), times panels [lo, hi) of b into the matching
// columns of c. Its direct row blocks prefetch its share of next (see
// gemmAhead): the part of each slice in the proportion of panels [lo, hi),
// so that goroutines sharing the product prefetch disjoint parts.
func gemmPanels(kern microKernel, c []float32, ldc int, a []float32, lda int, pa []float32, plan blockPlan, b packed, lo, hi int, next [][]float32) {
	rows := plan.rows
	var side aheadStream
	for i, x := range next {
		panels := b.n / panelWidth
		side.parts[i] = x[lo*len(x)/panels : hi*len(x)/panels]
	}
	var edge []float32
	if plan.padded() > rows {
		e := edgeTiles.Get().(*[maxMR * panelWidth]float32)
		defer edgeTiles.Put(e)
		edge = e[:]
	}
	for k0 := 0; k0 < b.k; k0 += kChunk {
		kc := min(kChunk, b.k-k0)
		for p := lo; p < hi; p++ {
			c0 := p * panelWidth
			panel := b.data[c0*b.k+k0*panelWidth:]
			for i := range plan.blocks {
				r0, h := plan.block(i)
				if h == 1 {
					kern.gemv(c[r0*ldc+c0:r0*ldc+c0+panelWidth], a[r0*lda+k0:r0*lda+k0+kc], panel, kc)
					continue
				}
				if kern.direct != nil && h == plan.mr && r0+h <= rows {
					// The first block prefetches the panel chunk a little
					// ahead, the second also the next panel's chunk (see
					// microKernel.direct), so that the first one finds it
					// in the L2 cache instead of waiting on memory (the
					// weights of a forward pass, ~17 MB, do not stay in
					// the caches from one pass to the next); the others
					// find the chunk in the caches and do not prefetch.
					pf := 0
					var ahead []float32
					switch {
					case i == 1 && p+1 < hi:
						pf = panelWidth * b.k
					case i >= 2:
						pf = -1
						ahead = side.take(kc / 4 * 16)
					}
					kern.direct(c[r0*ldc+c0:], ldc, a[r0*lda+k0:], lda, panel, kc, pf, ahead)
					continue
				}
				blk := pa[r0*b.k+k0*h:]
				if r0+h <= rows {
					kern.tile(c[r0*ldc+c0:], ldc, blk, panel, kc, h)
					continue
				}
				// The last, partial row block goes through a scratch tile.
				clear(edge)
				kern.tile(edge, panelWidth, blk, panel, kc, h)
				for r := r0; r < rows; r++ {
					dst := c[r*ldc+c0 : r*ldc+c0+panelWidth]
					addTo(dst, edge[(r-r0)*panelWidth:(r-r0+1)*panelWidth])
				}
			}
		}
	}
}

// maxAhead is the most slices gemmAhead prefetches.
const maxAhead = 2

// aheadStream hands out the data gemmAhead prefetches, in order.
type aheadStream struct {
	parts [maxAhead][]float32
}

// take returns the next n values of the stream (fewer at the end of a
// part, none at the end of the stream).
func (s *aheadStream) take(n int) []float32 {
	for i := range s.parts {
		if x := s.parts[i]; len(x) > 0 {
			n = min(n, len(x))
			s.parts[i] = x[n:]
			return x[:n]
		}
	}
	return nil
}

// edgeTiles holds scratch tiles for partial row blocks (a local array
// would escape to the heap through the kernel's function value).
var edgeTiles = sync.Pool{New: func() any { return new([maxMR * panelWidth]float32) }}

// parallel splits [0, n) into at most threads contiguous ranges and runs f
// on each, one of them on the caller's goroutine, the others on the
// helpers of the team (see team.go), or on goroutines of their own when
// another caller is using the team. It returns when all are done.
func parallel(n, threads int, f func(lo, hi int)) {
	threads = max(min(threads, n), 1)
	if threads == 1 {
		f(0, n)
		return
	}
	if workers.tryRun(n, threads, f) {
		return
	}
	var wg sync.WaitGroup
	for i := range threads - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i*n/threads, (i+1)*n/threads)
		}()
	}
	f((threads-1)*n/threads, n)
	wg.Wait()
}

// gemvGeneric is the portable one-row product; see microKernel.gemv.
func gemvGeneric(c, a, panel []float32, k int) {
	c, a, panel = c[:panelWidth], a[:k], panel[:k*panelWidth]
	var acc [panelWidth]float32
	for i, x := range a {
		row := panel[i*panelWidth : (i+1)*panelWidth]
		for j, w := range row {
			acc[j] += x * w
		}
	}
	for j, v := range acc {
		c[j] += v
	}
}

// tileGeneric is the portable micro-kernel (mr = 4); see microKernel.tile.
func tileGeneric(c []float32, ldc int, pa, panel []float32, k, _ int) {
	const mr = 4
	pa, panel = pa[:mr*k], panel[:k*panelWidth]
	// Two rows × four columns per pass: eight accumulators stay in
	// registers (an array would live in memory), and each loaded value is
	// used twice or four times.
	for r := 0; r < mr; r += 2 {
		for h := 0; h < panelWidth; h += 4 {
			var s0, s1, s2, s3, t0, t1, t2, t3 float32
			for i := range k {
				x, y := pa[i*mr+r], pa[i*mr+r+1]
				p := panel[i*panelWidth+h : i*panelWidth+h+4 : i*panelWidth+h+4]
				s0 += x * p[0]
				s1 += x * p[1]
				s2 += x * p[2]
				s3 += x * p[3]
				t0 += y * p[0]
				t1 += y * p[1]
				t2 += y * p[2]
				t3 += y * p[3]
			}
			out := c[r*ldc+h : r*ldc+h+4 : r*ldc+h+4]
			out[0] += s0
			out[1] += s1
			out[2] += s2
			out[3] += s3
			out = c[(r+1)*ldc+h : (r+1)*ldc+h+4 : (r+1)*ldc+h+4]
			out[0] += t0
			out[1] += t1
			out[2] += t2
			out[3] += t3
		}
	}
}
