package rag

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
)

// The embedded store's first stage: BM25 over the lexicon and a scan of
// the contiguous vectors, both filtered before scoring, then exact scores
// for every candidate and min-max fusion.

// rawCandidate is a chunk of the index under consideration, with its raw
// scores.
type rawCandidate struct {
	doc     uint32
	bm25    float64
	dense   float64
	score   float64
	lexNorm float64
}

// Search runs the first stage of retrieval over the index.
func (ix *Index) Search(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	res := &SearchResult{Terms: ix.lex}
	if ix.Len() == 0 {
		return res, nil
	}
	if q.Vector != nil && len(q.Vector) != ix.dim {
		return nil, fmt.Errorf("question vector has %d dimensions, index has %d: %w", len(q.Vector), ix.dim, ErrEmbedderMismatch)
	}
	allow := ix.filter(q.Filters)
	lq := ix.lex.queryTerms(q.Terms)
	cands := map[uint32]*rawCandidate{}
	add := func(doc uint32) *rawCandidate {
		c, ok := cands[doc]
		if !ok {
			c = &rawCandidate{doc: doc}
			cands[doc] = c
		}
		return c
	}
	if q.Lexical {
		for _, s := range ix.lex.search(lq, q.Limit, allow) {
			add(s.Doc).bm25 = float64(s.Score)
		}
	}
	if q.Vector != nil {
		hits, err := ix.denseSearch(ctx, q.Vector, q.Limit, allow)
		if err != nil {
			return nil, err
		}
		for _, s := range hits {
			add(s.Doc).dense = float64(s.Score)
		}
	}
	if len(cands) == 0 {
		return res, nil
	}

	// Exact scores for every candidate, so fusion never compares a real
	// score with a missing one.
	list := make([]*rawCandidate, 0, len(cands))
	for _, c := range cands {
		if q.Lexical && c.bm25 == 0 {
			c.bm25 = ix.lex.score(lq, c.doc)
		}
		if q.Vector != nil && c.dense == 0 {
			c.dense = float64(dot(q.Vector, ix.vector(c.doc)))
		}
		list = append(list, c)
	}
	fuse(list, q.DenseWeight)
	slices.SortFunc(list, func(a, b *rawCandidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.doc, b.doc)
	})
	res.Hits = make([]Hit, len(list))
	for i, c := range list {
		ch := ix.chunks[c.doc]
		a := &ix.articles[ix.chunkArt[c.doc]]
		res.Hits[i] = Hit{
			Chunk: ch, Article: a, Text: a.Text[ch.Start:ch.End], Bag: ix.bags[c.doc],
			Score: c.score, Lexical: c.lexNorm, Dense: c.dense,
		}
	}
	return res, nil
}

// fuse sets each candidate's fused score: min-max normalised BM25 and
// cosine similarity, weighted by w (the dense share).
func fuse(list []*rawCandidate, w float64) {
	bmMax, dMin, dMax := 0.0, math.Inf(1), math.Inf(-1)
	for _, c := range list {
		bmMax = max(bmMax, c.bm25)
		dMin, dMax = min(dMin, c.dense), max(dMax, c.dense)
	}
	for _, c := range list {
		var l, d float64
		if bmMax > 0 {
			l = c.bm25 / bmMax
		}
		if dMax > dMin {
			d = (c.dense - dMin) / (dMax - dMin)
		}
		c.lexNorm = l
		c.score = (1-w)*l + w*d
	}
}

// filter returns a predicate for the chunks that pass f, or nil for none.
func (ix *Index) filter(f Filters) func(uint32) bool {
	if f.Outlet == "" && len(f.Outlets) == 0 && f.From.IsZero() && f.To.IsZero() {
		return nil
	}
	ok := make([]bool, len(ix.articles))
	for i, a := range ix.articles {
		ok[i] = f.Match(a)
	}
	return func(doc uint32) bool { return ok[ix.chunkArt[doc]] }
}

// score is the BM25 score of one chunk for the query terms.
func (lx *lexicon) score(q []TermFreq, doc uint32) float64 {
	var s float64
	// bags are not kept in the lexicon; scan postings of the (few) query
	// terms instead.
	for _, qt := range q {
		ps := lx.postings[qt.Term]
		i, found := slices.BinarySearchFunc(ps, doc, func(p posting, d uint32) int { return cmp.Compare(p.Doc, d) })
		if !found {
			continue
		}
		tf := float64(ps[i].TF)
		norm := bm25K1 * (1 - bm25B + bm25B*float64(lx.docLen[doc])/lx.avgLen)
		s += float64(lx.idf[qt.Term]) * float64(qt.TF) * tf * (bm25K1 + 1) / (tf + norm)
	}
	return s
}
