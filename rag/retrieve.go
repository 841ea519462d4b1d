package rag

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/newsrag/newsrag/corpus"
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

// Retriever finds the passages of a Store that best match a question.
type Retriever struct {
	cfg      RetrievalConfig
	embedder embed.Embedder
	analyzer *Analyzer
	weights  rerankWeights
}

// NewRetriever returns a Retriever. The embedder must be the one the store
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
	// terms are the store's statistics of the question's terms.
	terms TermStats
	// qw are the question's term weights, and kept the candidates behind
	// Passages, in order, for the answerability features.
	qw   queryWeights
	kept []*candidate
}

// candidate is a hit under consideration, with its score as the stages
// after the store's search change it.
type candidate struct {
	*Hit
	rank  int // position in the store's result
	score float64
}

// Retrieve returns up to k passages for req from s, best first: the
// store's first stage, then re-ranking (hybrid mode) and near-duplicate
// collapse. A question in several parts (see Decompose) is searched for
// once per part and as a whole, and the rankings merged (see multihop.go).
func (r *Retriever) Retrieve(ctx context.Context, s Store, req Request) (*Retrieval, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	qvec, err := r.embedQuestion(ctx, req.Question)
	if err != nil {
		return nil, err
	}
	pvecs, err := r.embedParts(ctx, s, req.Question)
	if err != nil {
		return nil, err
	}
	return r.retrieve(ctx, s, req, qvec, pvecs)
}

// embedQuestion returns the question's unit-length embedding, or nil when
// the mode needs none.
func (r *Retriever) embedQuestion(ctx context.Context, question string) ([]float32, error) {
	if r.cfg.Mode == RetrieveBM25 {
		return nil, nil
	}
	v, err := r.embedder.EmbedQuery(ctx, question)
	if err != nil {
		return nil, fmt.Errorf("retrieve: embed question: %w", err)
	}
	qvec := slices.Clone(v)
	embed.Normalize(qvec)
	return qvec, nil
}

// retrieve is Retrieve for a valid request whose question embedding qvec
// (from embedQuestion) is known. pvecs holds the embeddings of the
// question's parts (from embedParts) by text; a part not in it is
// embedded here.
func (r *Retriever) retrieve(ctx context.Context, s Store, req Request, qvec []float32, pvecs map[string][]float32) (*Retrieval, error) {
	ss, err := r.search(ctx, s, req, qvec, pvecs)
	if err != nil {
		return nil, err
	}
	return r.rank(req, ss), nil
}

// searched is one store search made for a request: the text searched for
// (the question or one of its parts), the query and what it found.
type searched struct {
	text string
	q    SearchQuery
	sr   *SearchResult
}

// searches are the store searches made for a request: the whole question's
// and, for a question in parts, the parts' (see multihop.go), in the order
// their rankings are merged.
type searches struct {
	whole searched
	parts []searched
}

// search runs the store's first stage for req: one search for the whole
// question and, for a question in parts, one per part (see multihop.go).
func (r *Retriever) search(ctx context.Context, s Store, req Request, qvec []float32, pvecs map[string][]float32) (*searches, error) {
	parts, err := r.parts(ctx, s, req.Question)
	if err != nil {
		return nil, err
	}
	ss := &searches{}
	if len(parts) > 0 {
		if ss.parts, err = r.searchParts(ctx, s, req, qvec, pvecs, parts); err != nil {
			return nil, err
		}
	}
	ss.whole, err = r.searchText(ctx, s, req.Question, qvec, req.Filters, cmp.Or(req.K, r.cfg.K))
	return ss, err
}

// searchText runs the store's first stage for text, whose embedding is
// vec, within f, for k passages.
func (r *Retriever) searchText(ctx context.Context, s Store, text string, vec []float32, f Filters, k int) (searched, error) {
	q := SearchQuery{
		Terms:       r.analyzer.Terms(nil, text),
		Lexical:     r.cfg.Mode != RetrieveDense,
		Vector:      vec,
		DenseWeight: r.cfg.DenseWeight,
		Limit:       max(r.cfg.Candidates, 3*k),
		Filters:     f,
	}
	switch r.cfg.Mode {
	case RetrieveBM25:
		q.DenseWeight = 0
	case RetrieveDense:
		q.DenseWeight = 1
	}
	sr, err := s.Search(ctx, q)
	if err != nil {
		return searched{}, fmt.Errorf("retrieve: %w", err)
	}
	return searched{text: text, q: q, sr: sr}, nil
}

// rank re-ranks (hybrid mode) and collapses the hits of the searches made
// for req, merging the rankings of a question in parts, and numbers the
// passages kept.
func (r *Retriever) rank(req Request, ss *searches) *Retrieval {
	k := cmp.Or(req.K, r.cfg.K)
	whole, qw := r.candidates(ss.whole, k)
	if len(ss.parts) == 0 {
		return r.result(ss.whole, r.collapse(whole, k), qw)
	}
	var lists [][]*candidate
	for _, p := range ss.parts {
		if list, _ := r.candidates(p, k); len(list) > 0 {
			lists = append(lists, list)
		}
	}
	if len(whole) > 0 {
		lists = append(lists, whole)
	}
	switch len(lists) {
	case 0:
		return &Retrieval{}
	case 1: // only one search found anything
		return r.result(ss.whole, r.collapse(lists[0], k), qw)
	}
	return r.result(ss.whole, r.merge(req.Question, qw, lists, k), qw)
}

// candidates returns the hits of s as candidates, best first, re-ranked
// in hybrid mode, with the searched text's term weights.
func (r *Retriever) candidates(s searched, k int) ([]*candidate, queryWeights) {
	var qw queryWeights
	if s.sr.Terms != nil {
		qw = newQueryWeights(s.q.Terms, s.sr.Terms)
	}
	if len(s.sr.Hits) == 0 {
		return nil, qw
	}
	cands := make([]candidate, len(s.sr.Hits))
	list := make([]*candidate, len(s.sr.Hits))
	for i := range s.sr.Hits {
		cands[i] = candidate{Hit: &s.sr.Hits[i], rank: i, score: s.sr.Hits[i].Score}
		list[i] = &cands[i]
	}
	if r.cfg.Mode == RetrieveHybrid {
		r.rerank(s.text, qw, list, max(rerankDepth, 3*k))
	}
	return list, qw
}

// result numbers the kept candidates as passages; whole is the whole
// question's search and qw its term weights.
func (r *Retriever) result(whole searched, kept []*candidate, qw queryWeights) *Retrieval {
	res := &Retrieval{}
	if len(kept) == 0 {
		return res
	}
	res.Passages = make([]Passage, len(kept))
	for i, c := range kept {
		res.Passages[i] = c.passage(i + 1)
		res.BestDense = max(res.BestDense, c.Dense)
	}
	res.Coverage = coverage(qw, kept)
	res.QueryVector = whole.q.Vector
	res.terms = whole.sr.Terms
	res.qw, res.kept = qw, kept
	return res
}

// article returns the article of passage i (0-based), or nil.
func (r *Retrieval) article(i int) *corpus.Article {
	if i >= len(r.kept) {
		return nil
	}
	return r.kept[i].Article
}

// collapse keeps the k best candidates, dropping near-duplicates of better
// ones.
func (r *Retriever) collapse(list []*candidate, k int) []*candidate {
	var kept []*candidate
	for _, c := range list {
		if len(kept) == k {
			break
		}
		dup := false
		if r.cfg.DuplicateJaccard < 1 {
			for _, o := range kept {
				if jaccard(c.Bag, o.Bag) >= r.cfg.DuplicateJaccard {
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

// passage turns a candidate into a numbered Passage.
func (c *candidate) passage(n int) Passage {
	a := c.Article
	return Passage{
		N:         n,
		ChunkID:   c.Chunk.ID,
		ArticleID: a.ID,
		Title:     a.Title,
		Outlet:    a.Outlet,
		Published: a.Published,
		URL:       a.URL,
		Text:      c.Text,
		Start:     c.Chunk.Start,
		End:       c.Chunk.End,
		Score:     c.score,
		Lexical:   c.Lexical,
		Dense:     c.Dense,

		AlsoPublished: a.Alternates,
	}
}

// coverage is the largest share of the question's IDF mass that one kept
// chunk contains. Terms unknown to the corpus weigh as the rarest term.
func coverage(qw queryWeights, kept []*candidate) float64 {
	if qw.total == 0 {
		return 0
	}
	best := 0.0
	for _, c := range kept {
		var got float64
		for i, id := range qw.ids {
			if hasTerm(c.Bag, id) {
				got += qw.w[i]
			}
		}
		best = max(best, got/qw.total)
	}
	return best
}

func hasTerm(bag []TermFreq, id uint32) bool {
	_, ok := slices.BinarySearchFunc(bag, id, func(t TermFreq, id uint32) int { return cmp.Compare(t.Term, id) })
	return ok
}

// jaccard is the Jaccard similarity of two sorted term bags.
func jaccard(a, b []TermFreq) float64 {
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
