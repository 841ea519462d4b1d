package rag

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// parallelScanMin is the number of chunks from which a dense search is
// split across CPUs.
const parallelScanMin = 16_384

// scanBlock is how many vectors a scan worker scores between checks of the
// context.
const scanBlock = 4096

// denseSearch returns the n chunks most similar to the unit vector q among
// those allow accepts (nil: all), best first.
//
// The chromem-go collection holds the same vectors, but querying it costs a
// map iteration, a goroutine per CPU with a channel per result and a plain
// dot product per document. The index scans its contiguous vectors
// instead, filtering before scoring, with an AVX2/FMA dot product
// (dot_amd64.s) and a top-n heap per CPU; BenchmarkScaleDenseSearch
// compares the two (figures in the README), and TestDenseSearchMatchesChromem
// checks that they agree.
func (ix *Index) denseSearch(ctx context.Context, q []float32, n int, allow func(uint32) bool) ([]scored, error) {
	total := ix.Len()
	n = min(n, total)
	if n <= 0 || len(q) != ix.dim {
		return nil, nil
	}
	workers := 1
	if total >= parallelScanMin {
		workers = min(runtime.GOMAXPROCS(0), 8)
	}
	tops := make([]*topK, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (total + workers - 1) / workers
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, total)
		tops[w] = newTopK(n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = ix.scan(ctx, q, lo, hi, allow, tops[w])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("dense search: %w", err)
		}
	}
	top := tops[0]
	for _, t := range tops[1:] {
		for _, s := range t.h {
			top.push(s)
		}
	}
	return top.sorted(), nil
}

// scan scores chunks lo..hi-1 that allow accepts into top.
func (ix *Index) scan(ctx context.Context, q []float32, lo, hi int, allow func(uint32) bool, top *topK) error {
	dim := ix.dim
	for b := lo; b < hi; b += scanBlock {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(b+scanBlock, hi)
		vecs := ix.vectors[b*dim : end*dim]
		for i := b; i < end; i++ {
			d := uint32(i)
			if allow != nil && !allow(d) {
				continue
			}
			off := (i - b) * dim
			s := dot(q, vecs[off:off+dim:off+dim])
			if len(top.h) < top.k || s > top.h[0].Score {
				top.push(scored{d, s})
			}
		}
	}
	return nil
}

// dotGeneric is the dot product of two equal-length vectors in portable
// Go, unrolled eight wide (independent accumulators let the CPU overlap the
// multiply-adds). dot uses it unless an assembly version is available.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
		s4 += x[4] * y[4]
		s5 += x[5] * y[5]
		s6 += x[6] * y[6]
		s7 += x[7] * y[7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
