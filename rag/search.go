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
	res.Hits = make([]Hit, len(list))
	for i, c := range list {
		ch := ix.chunks[c.doc]
		a := &ix.articles[ix.chunkArt[c.doc]]
		res.Hits[i] = Hit{
			Chunk: ch, Article: a, Text: a.Text[ch.Start:ch.End], Bag: ix.bags[c.doc],
			Score: c.score, Lexical: c.lexNorm, Dense: c.dense,
		}
	}
	slices.SortFunc(res.Hits, CompareHits)
	return res, nil
}

// CompareHits orders hits best first: by fused score, ties by article ID
// and position in the article, so every store ranks alike.
func CompareHits(a, b Hit) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Chunk.ArticleID, b.Chunk.ArticleID); c != 0 {
		return c
	}
	return cmp.Compare(a.Chunk.Start, b.Chunk.Start)
}

// fuse sets each candidate's fused score (see Fuse).
func fuse(list []*rawCandidate, w float64) {
	bm25, dense := make([]float64, len(list)), make([]float64, len(list))
	for i, c := range list {
		bm25[i], dense[i] = c.bm25, c.dense
	}
	score, lex := Fuse(bm25, dense, w)
	for i, c := range list {
		c.score, c.lexNorm = score[i], lex[i]
	}
}

// Fuse returns the fused first-stage scores of candidates with raw BM25
// scores bm25 and cosine similarities dense (each exact for every
// candidate): BM25 divided by the highest, cosine min-max normalised over
// the candidates, weighted by w (the dense share). lexical is the
// normalised BM25 (Hit.Lexical). Every store fuses this way, so
// re-ranking sees the same scores whichever store found the candidates.
func Fuse(bm25, dense []float64, w float64) (score, lexical []float64) {
	bmMax, dMin, dMax := 0.0, math.Inf(1), math.Inf(-1)
	for i := range bm25 {
		bmMax = max(bmMax, bm25[i])
		dMin, dMax = min(dMin, dense[i]), max(dMax, dense[i])
	}
	score, lexical = make([]float64, len(bm25)), make([]float64, len(bm25))
	for i := range bm25 {
		var l, d float64
		if bmMax > 0 {
			l = bm25[i] / bmMax
		}
		if dMax > dMin {
			d = (dense[i] - dMin) / (dMax - dMin)
		}
		lexical[i] = l
		score[i] = (1-w)*l + w*d
	}
	return score, lexical
}

// filter returns a predicate for the chunks that pass f, or nil for none.
func (ix *Index) filter(f Filters) func(uint32) bool {
	if f.IsZero() {
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
