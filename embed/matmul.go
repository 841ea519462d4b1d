package embed

// The encoder spends almost all its time multiplying a block of activations
// (rows × k, row-major) by a weight matrix (k × n). The weights are packed
// once at load time into column panels of panelWidth columns: panel p holds
// columns [32p, 32p+32) of all k rows contiguously, so the inner kernel
// streams it sequentially. The kernel computes a block of rowBlock rows ×
// panelWidth columns, accumulating into the output; the driver walks the
// panels and row blocks in chunks of kChunk along k so a panel chunk stays in
// the L1 cache while every row block passes over it.
//
// amd64 machines use an assembly kernel (matmul_amd64.s): AVX-512 when
// the CPU and OS support it, else AVX2 with FMA. Everything else uses
// kernelGeneric, which is also tested on its own (and selected on amd64 by
// the purego build tag).

const (
	panelWidth = 32  // columns per packed panel
	rowBlock   = 8   // rows per kernel call; activations are padded to a multiple
	kChunk     = 256 // k values per cache block
)

// kernelFunc accumulates a rowBlock × k block of a (row stride lda) times
// a k × panelWidth panel into a rowBlock × panelWidth block of c (row
// stride ldc).
type kernelFunc func(c []float32, ldc int, a []float32, lda int, panel []float32, k int)

// packed is a k × n matrix stored as n/32 panels of k × 32 values.
type packed struct {
	k, n int
	data []float32
}

// pack lays out the row-major k × n matrix w in panels. n must be a
// multiple of panelWidth.
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

// gemm accumulates a · b into c: c[i][j] += Σ_k a[i][k]·b[k][j] for
// i < rows (a multiple of rowBlock) and j < b.n. a has row stride lda and c
// row stride ldc.
func gemm(c []float32, ldc int, a []float32, lda int, rows int, b packed) {
	if rows%rowBlock != 0 {
		panic("embed: gemm: rows not a multiple of rowBlock")
	}
	if rows == 0 {
		return
	}
	// Bounds the kernels rely on; checked once here.
	_ = a[(rows-1)*lda+b.k-1]
	_ = c[(rows-1)*ldc+b.n-1]
	for k0 := 0; k0 < b.k; k0 += kChunk {
		kc := min(kChunk, b.k-k0)
		for c0 := 0; c0 < b.n; c0 += panelWidth {
			panel := b.data[c0*b.k+k0*panelWidth:]
			for r := 0; r < rows; r += rowBlock {
				kernel(c[r*ldc+c0:], ldc, a[r*lda+k0:], lda, panel, kc)
			}
		}
	}
}

// kernelGeneric is the portable kernel: it accumulates a rowBlock × k block
// of a (row stride lda) times a k × panelWidth panel into a rowBlock ×
// panelWidth block of c (row stride ldc).
func kernelGeneric(c []float32, ldc int, a []float32, lda int, panel []float32, k int) {
	// Eight local accumulators per pass stay in registers (an array would
	// live in memory).
	for r := 0; r < rowBlock; r++ {
		row := a[r*lda : r*lda+k]
		for h := 0; h < panelWidth; h += 8 {
			var s0, s1, s2, s3, s4, s5, s6, s7 float32
			for i, x := range row {
				p := panel[i*panelWidth+h : i*panelWidth+h+8 : i*panelWidth+h+8]
				s0 += x * p[0]
				s1 += x * p[1]
				s2 += x * p[2]
				s3 += x * p[3]
				s4 += x * p[4]
				s5 += x * p[5]
				s6 += x * p[6]
				s7 += x * p[7]
			}
			out := c[r*ldc+h : r*ldc+h+8 : r*ldc+h+8]
			out[0] += s0
			out[1] += s1
			out[2] += s2
			out[3] += s3
			out[4] += s4
			out[5] += s5
			out[6] += s6
			out[7] += s7
		}
	}
}
