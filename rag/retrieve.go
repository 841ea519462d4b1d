package rag

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/newsrag/newsrag/embed"
)

// Retrieval modes.
const (
	RetrieveHybrid = "hybrid"
	RetrieveBM25   = "bm25"
	RetrieveDense  = "dense"
)

// RetrievalConfig configures a Retriever. Zero fields take the defaults.
type RetrievalConfig struct {
	// Mode is "hybrid" (default), "bm25" or "dense". Hybrid fuses BM25 and
	// dense scores, then re-ranks the best candidates by their best
	// sentence match (see rerank.go); bm25 and dense use one signal alone.
	Mode string `json:"mode"`
	// DenseWeight is the dense share of the fused first-stage score, in
	// [0,1]; the lexical share is 1-DenseWeight. It is taken as given (0
	// ranks the first stage by BM25 alone) unless Mode is empty: a config
	// that names no mode takes DefaultRetrievalConfig's mode and weight.
	DenseWeight float64 `json:"dense_weight"`
	// Candidates is how many chunks each retriever proposes before fusion.
	// Default 100.
	Candidates int `json:"candidates"`
	// DuplicateJaccard: a passage whose terms overlap a better one's by at
	// least this Jaccard similarity is dropped as a near-duplicate.
	// Default 0.8; 1 or more disables collapsing.
	DuplicateJaccard float64 `json:"duplicate_jaccard"`
	// K is the number of passages retrieved for a request that names none
	// (Request.K == 0), 1 to MaxK. Default DefaultK.
	K int `json:"k"`
	// SingleQuery retrieves for the question as a whole only. By default a
	// question naming outlets or dates, or comparing two things, is split
	// into parts retrieved for separately and merged (see decompose.go).
	SingleQuery bool `json:"single_query,omitempty"`
}

// DefaultRetrievalConfig is the retrieval newsrag uses unless told otherwise.
var DefaultRetrievalConfig = RetrievalConfig{
	Mode:             RetrieveHybrid,
	DenseWeight:      0.55,
	Candidates:       100,
	DuplicateJaccard: 0.8,
	K:                DefaultK,
}

func (c RetrievalConfig) withDefaults() RetrievalConfig {
	d := DefaultRetrievalConfig
	if c.Mode == "" {
		c.Mode, c.DenseWeight = d.Mode, d.DenseWeight
	}
	if c.Candidates <= 0 {
		c.Candidates = d.Candidates
	}
	if c.DuplicateJaccard == 0 {
		c.DuplicateJaccard = d.DuplicateJaccard
	}
	if c.K == 0 {
		c.K = d.K
	}
	return c
}

// Validate reports a configuration error.
func (c RetrievalConfig) Validate() error {
	switch c.Mode {
	case "", RetrieveHybrid, RetrieveBM25, RetrieveDense:
	default:
		return fmt.Errorf("retrieval mode %q: want hybrid, bm25 or dense", c.Mode)
	}
	if c.DenseWeight < 0 || c.DenseWeight > 1 {
		return fmt.Errorf("dense weight %v: want a value in [0,1]", c.DenseWeight)
	}
	if c.K < 0 || c.K > MaxK {
		return fmt.Errorf("k %d: want 1 to %d passages", c.K, MaxK)
	}
	return nil
}

// Retriever finds the passages of an Index that best match a question.
type Retriever struct {
	cfg      RetrievalConfig
	embedder embed.Embedder
	analyzer *Analyzer
	weights  rerankWeights
}

// NewRetriever returns a Retriever. The embedder must be the one the index
// was built with (it embeds the question).
func NewRetriever(cfg RetrievalConfig, e embed.Embedder) *Retriever {
	return &Retriever{cfg: cfg.withDefaults(), embedder: e, analyzer: NewAnalyzer(), weights: defaultRerank}
}

// Config returns the effective configuration.
func (r *Retriever) Config() RetrievalConfig { return r.cfg }

// Retrieval is the result of retrieving for a question.
type Retrieval struct {
	Passages []Passage
	// Coverage is the share of the question's term weight (IDF) that the
	// best passage contains, in [0,1]; terms the corpus never uses count
	// as missing. Low coverage and low Dense mean the corpus likely does not
	// hold the answer.
	Coverage float64
	// BestDense is the highest cosine similarity among the passages.
	BestDense float64
	// QueryVector is the question's unit-length embedding (nil in bm25
	// mode), for later stages that compare it with other text.
	QueryVector []float32

	docs []uint32     // the passages' chunks, in order
	qw   queryWeights // the question's term weights
}

// candidate is a chunk under consideration, with its raw scores.
type candidate struct {
	doc     uint32
	bm25    float64
	dense   float64
	score   float64
	lexNorm float64
}

// Retrieve returns up to k passages for req from ix, best first.
func (r *Retriever) Retrieve(ctx context.Context, ix *Index, req Request) (*Retrieval, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	qvec, err := r.embedQuestion(ctx, ix, req.Question)
	if err != nil {
		return nil, err
	}
	pvecs, err := r.embedParts(ctx, ix, req.Question)
	if err != nil {
		return nil, err
	}
	return r.retrieve(ctx, ix, req, qvec, pvecs)
}

// embedQuestion returns the question's unit-length embedding, or nil when
// the mode needs none.
func (r *Retriever) embedQuestion(ctx context.Context, ix *Index, question string) ([]float32, error) {
	if r.cfg.Mode == RetrieveBM25 || ix.Len() == 0 {
		return nil, nil
	}
	v, err := r.embedder.EmbedQuery(ctx, question)
	if err != nil {
		return nil, fmt.Errorf("retrieve: embed question: %w", err)
	}
	if len(v) != ix.dim {
		return nil, fmt.Errorf("retrieve: question vector has %d dimensions, index has %d: %w", len(v), ix.dim, ErrEmbedderMismatch)
	}
	qvec := slices.Clone(v)
	embed.Normalize(qvec)
	return qvec, nil
}

// retrieve is Retrieve for a valid request whose question embedding qvec
// (from embedQuestion) is known: the CPU-bound part. pvecs holds the
// embeddings of the question's parts (from embedParts) by text; a part not
// in it is embedded here.
func (r *Retriever) retrieve(ctx context.Context, ix *Index, req Request, qvec []float32, pvecs map[string][]float32) (*Retrieval, error) {
	k := cmp.Or(req.K, r.cfg.K)
	res := &Retrieval{}
	if ix.Len() == 0 {
		return res, nil
	}
	allow := r.filter(ix, req.Filters)
	if parts := r.parts(ix, req.Question); len(parts) > 0 {
		return r.retrieveParts(ctx, ix, req.Question, qvec, pvecs, k, allow, parts)
	}
	list, qw, err := r.rank(ctx, ix, req.Question, qvec, allow, k)
	if err != nil || len(list) == 0 {
		return res, err
	}
	return r.result(ix, r.collapse(ix, list, k), qw, qvec)
}

// rank returns the candidates for question, whose embedding is qvec (nil
// in bm25 mode), among the chunks allow passes (nil: all), best first,
// re-ranked in hybrid mode, with the question's term weights.
func (r *Retriever) rank(ctx context.Context, ix *Index, question string, qvec []float32, allow func(uint32) bool, k int) ([]*candidate, queryWeights, error) {
	terms := r.analyzer.Terms(nil, question)
	q := ix.lex.queryTerms(terms)
	qw := ix.queryWeights(terms) // for re-ranking and coverage
	n := max(r.cfg.Candidates, 3*k)

	cands := map[uint32]*candidate{}
	add := func(doc uint32) *candidate {
		c, ok := cands[doc]
		if !ok {
			c = &candidate{doc: doc}
			cands[doc] = c
		}
		return c
	}
	if r.cfg.Mode != RetrieveDense {
		for _, s := range ix.lex.search(q, n, allow) {
			add(s.Doc).bm25 = float64(s.Score)
		}
	}
	if qvec != nil {
		hits, err := ix.denseSearch(ctx, qvec, n, allow)
		if err != nil {
			return nil, qw, fmt.Errorf("retrieve: %w", err)
		}
		for _, s := range hits {
			add(s.Doc).dense = float64(s.Score)
		}
	}
	if len(cands) == 0 {
		return nil, qw, nil
	}

	// Exact scores for every candidate, so fusion never compares a real
	// score with a missing one.
	list := make([]*candidate, 0, len(cands))
	for _, c := range cands {
		if r.cfg.Mode != RetrieveDense && c.bm25 == 0 {
			c.bm25 = ix.lex.score(q, c.doc)
		}
		if qvec != nil && c.dense == 0 {
			c.dense = float64(dot(qvec, ix.vector(c.doc)))
		}
		list = append(list, c)
	}
	r.fuse(list)
	slices.SortFunc(list, func(a, b *candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.doc, b.doc)
	})
	if r.cfg.Mode == RetrieveHybrid {
		r.rerank(ix, question, qw, list, max(rerankDepth, 3*k))
	}
	return list, qw, nil
}

// result turns the kept candidates into a Retrieval; qw and qvec are the
// question's term weights and vector.
func (r *Retriever) result(ix *Index, kept []*candidate, qw queryWeights, qvec []float32) (*Retrieval, error) {
	res := &Retrieval{QueryVector: qvec}
	res.Passages = make([]Passage, len(kept))
	for i, c := range kept {
		p, err := ix.passage(c, i+1)
		if err != nil {
			return nil, err
		}
		res.Passages[i] = p
		res.BestDense = max(res.BestDense, c.dense)
		res.docs = append(res.docs, c.doc)
	}
	res.qw = qw
	res.Coverage = ix.coverage(qw, kept)
	return res, nil
}

// fuse sets each candidate's fused score: min-max normalised BM25 and
// cosine similarity, weighted.
func (r *Retriever) fuse(list []*candidate) {
	bmMax, dMin, dMax := 0.0, math.Inf(1), math.Inf(-1)
	for _, c := range list {
		bmMax = max(bmMax, c.bm25)
		dMin, dMax = min(dMin, c.dense), max(dMax, c.dense)
	}
	w := r.cfg.DenseWeight
	switch r.cfg.Mode {
	case RetrieveBM25:
		w = 0
	case RetrieveDense:
		w = 1
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

// collapse keeps the k best candidates, dropping near-duplicates of better
// ones.
func (r *Retriever) collapse(ix *Index, list []*candidate, k int) []*candidate {
	var kept []*candidate
	for _, c := range list {
		if len(kept) == k {
			break
		}
		dup := false
		if r.cfg.DuplicateJaccard < 1 {
			for _, o := range kept {
				if jaccard(ix.bags[c.doc], ix.bags[o.doc]) >= r.cfg.DuplicateJaccard {
					dup = true
					break
				}
			}
		}
		if !dup {
			kept = append(kept, c)
		}
	}
	return kept
}

// filter returns a predicate for the chunks that pass f, or nil for none.
func (r *Retriever) filter(ix *Index, f Filters) func(uint32) bool {
	if f.Outlet == "" && f.From.IsZero() && f.To.IsZero() {
		return nil
	}
	ok := make([]bool, len(ix.articles))
	for i, a := range ix.articles {
		ok[i] = f.Match(a)
	}
	return func(doc uint32) bool { return ok[ix.chunkArt[doc]] }
}

// passage turns a candidate into a numbered Passage: its text and article
// come from the chunk's document in the collection.
func (ix *Index) passage(c *candidate, n int) (Passage, error) {
	doc, err := ix.document(c.doc)
	if err != nil {
		return Passage{}, err
	}
	a, ok := ix.Article(doc.Metadata[metaArticle])
	if !ok {
		return Passage{}, fmt.Errorf("%w: chunk %s names an unknown article", ErrIndexCorrupt, doc.ID)
	}
	ch := ix.chunks[c.doc]
	return Passage{
		N:         n,
		ChunkID:   doc.ID,
		ArticleID: a.ID,
		Title:     a.Title,
		Outlet:    a.Outlet,
		Published: a.Published,
		URL:       a.URL,
		Text:      doc.Content,
		Start:     ch.Start,
		End:       ch.End,
		Score:     c.score,
		Lexical:   c.lexNorm,
		Dense:     c.dense,

		AlsoPublished: a.Alternates,
	}, nil
}

// coverage is the largest share of the question's IDF mass that one kept
// chunk contains. Terms unknown to the corpus weigh as the rarest term.
func (ix *Index) coverage(qw queryWeights, kept []*candidate) float64 {
	if qw.total == 0 {
		return 0
	}
	best := 0.0
	for _, c := range kept {
		var got float64
		for i, id := range qw.ids {
			if hasTerm(ix.bags[c.doc], id) {
				got += qw.w[i]
			}
		}
		best = max(best, got/qw.total)
	}
	return best
}

// score is the BM25 score of one chunk for the query terms.
func (lx *lexicon) score(q []termFreq, doc uint32) float64 {
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

func hasTerm(bag []termFreq, id uint32) bool {
	_, ok := slices.BinarySearchFunc(bag, id, func(t termFreq, id uint32) int { return cmp.Compare(t.Term, id) })
	return ok
}

// jaccard is the Jaccard similarity of two sorted term bags.
func jaccard(a, b []termFreq) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].Term == b[j].Term:
			inter++
			i++
			j++
		case a[i].Term < b[j].Term:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
