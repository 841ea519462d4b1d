package rag

import (
	"context"
	"fmt"
)

// denseSearch returns the n chunks most similar to the unit vector q among
// those allow accepts (nil: all). Unfiltered queries go to the chromem-go
// collection; filtered ones scan the contiguous vectors of the allowed
// chunks only, so a selective filter never starves the result.
func (ix *Index) denseSearch(ctx context.Context, q []float32, n int, allow func(uint32) bool) ([]scored, error) {
	if allow == nil {
		n = min(n, ix.dense.Count()) // chromem refuses nResults > Count
		if n == 0 {
			return nil, nil
		}
		res, err := ix.dense.QueryEmbedding(ctx, q, n, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("dense search: %w", err)
		}
		out := make([]scored, len(res))
		for i, r := range res {
			out[i] = scored{ix.docOf[r.ID], r.Similarity}
		}
		return out, nil
	}
	top := newTopK(n)
	for i := range ix.chunks {
		d := uint32(i)
		if !allow(d) {
			continue
		}
		top.push(scored{d, dot(q, ix.vector(d))})
	}
	return top.sorted(), nil
}

// dot is the dot product of two equal-length vectors.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
