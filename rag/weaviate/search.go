package weaviate

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	wv "github.com/weaviate/weaviate-go-client/v5/weaviate"
	"github.com/weaviate/weaviate-go-client/v5/weaviate/filters"
	"github.com/weaviate/weaviate-go-client/v5/weaviate/graphql"
	"github.com/weaviate/weaviate/entities/models"
	"golang.org/x/sync/errgroup"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/rag"
)

// chunkHit is a chunk object as a search returns it.
type chunkHit struct {
	ChunkID     string  `json:"chunk_id"`
	ArticleID   string  `json:"article_id"`
	ArticleHash string  `json:"article_hash"` // hex
	Start       int     `json:"start"`
	End         int     `json:"end"`
	Words       int     `json:"words"`
	Text        string  `json:"text"`
	Terms       string  `json:"terms"`
	Published   *string `json:"published"`
	Additional  struct {
		Score    json.Number `json:"score"`    // BM25, from a keyword query
		Distance json.Number `json:"distance"` // 1 - cosine, from a vector query
	} `json:"_additional"`
}

var (
	hitFields = []graphql.Field{
		{Name: "chunk_id"}, {Name: "article_id"}, {Name: "article_hash"}, {Name: "start"}, {Name: "end"},
		{Name: "words"}, {Name: "text"}, {Name: "terms"},
	}
	// scoreField and distanceField are the score a keyword or vector
	// query adds to a hit.
	scoreField    = graphql.Field{Name: "_additional", Fields: []graphql.Field{{Name: "score"}}}
	distanceField = graphql.Field{Name: "_additional", Fields: []graphql.Field{{Name: "distance"}}}
)

// candidate is a chunk one of a search's queries found, with its exact
// scores once both are known.
type candidate struct {
	hit   chunkHit
	bm25  float64
	dense float64
	// found says which query returned it: 1 keyword, 2 vector.
	found int
}

// Search runs the first stage of retrieval as the embedded index does,
// with Weaviate finding the candidates: a BM25 query over the analysed
// terms and a vector query, each for q.Limit chunks with q's filters, and,
// alongside them, one aggregate query for the question terms' document
// frequencies. A candidate that only one query found is then scored by the
// other, restricted to such candidates (a second round trip, both queries
// together), so every candidate has its exact BM25 score and cosine, and
// rag.Fuse fuses them as for the embedded index. (Weaviate's own hybrid
// fusion normalises BM25 between the lowest and highest keyword score and
// gives a chunk one search missed nothing from it: different rankings.)
func (s *Store) Search(ctx context.Context, q rag.SearchQuery) (*rag.SearchResult, error) {
	lexical := q.Lexical && len(q.Terms) > 0
	filter := where(q.Filters)
	var (
		kw, vec []chunkHit
		stats   *termStats
	)
	g, gctx := errgroup.WithContext(ctx)
	if lexical {
		g.Go(func() (err error) {
			kw, err = s.keyword(gctx, q.Terms, q.Limit, filter, append(slices.Clone(hitFields), scoreField))
			return err
		})
	}
	if q.Vector != nil {
		g.Go(func() (err error) {
			vec, err = s.nearest(gctx, q.Vector, q.Limit, filter, append(slices.Clone(hitFields), distanceField))
			return err
		})
	}
	g.Go(func() (err error) {
		stats, err = s.termStats(gctx, q.Terms)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("weaviate: search: %w", err)
	}

	byID := map[string]*candidate{}
	var cands []*candidate
	add := func(h chunkHit, found int) *candidate {
		c, ok := byID[h.ChunkID]
		if !ok {
			c = &candidate{hit: h}
			byID[h.ChunkID] = c
			cands = append(cands, c)
		}
		c.found |= found
		return c
	}
	for _, h := range kw {
		add(h, 1).bm25 = float(h.Additional.Score)
	}
	for _, h := range vec {
		add(h, 2).dense = 1 - float(h.Additional.Distance)
	}
	if err := s.otherScores(ctx, q, lexical, cands, byID); err != nil {
		return nil, fmt.Errorf("weaviate: search: %w", err)
	}

	hits := make([]chunkHit, len(cands))
	for i, c := range cands {
		hits[i] = c.hit
	}
	arts, err := s.hitArticles(ctx, hits)
	if err != nil {
		return nil, fmt.Errorf("weaviate: search: %w", err)
	}
	var bm25, dense []float64
	res := &rag.SearchResult{Terms: stats, Hits: make([]rag.Hit, 0, len(cands))}
	for _, c := range cands {
		h := c.hit
		a := arts[h.ArticleID]
		if a == nil || h.End > len(a.Text) || h.Start > h.End {
			continue // written by an ingest still under way
		}
		res.Hits = append(res.Hits, rag.Hit{
			Chunk:   rag.Chunk{ID: h.ChunkID, ArticleID: h.ArticleID, Start: h.Start, End: h.End, Words: h.Words},
			Article: a,
			Text:    h.Text,
			Bag:     stats.bag(h.Terms),
			Dense:   c.dense,
		})
		bm25, dense = append(bm25, c.bm25), append(dense, c.dense)
	}
	score, lex := rag.Fuse(bm25, dense, q.DenseWeight)
	for i := range res.Hits {
		res.Hits[i].Score, res.Hits[i].Lexical = score[i], lex[i]
	}
	slices.SortFunc(res.Hits, rag.CompareHits)
	return res, nil
}

// otherScores gives the candidates that one query found the other's
// score: a keyword and a vector query restricted to them, run together. A
// candidate the restricted keyword query does not return holds none of
// the terms (BM25 0, as in the embedded index).
func (s *Store) otherScores(ctx context.Context, q rag.SearchQuery, lexical bool, cands []*candidate, byID map[string]*candidate) error {
	var needBM25, needDense []string
	for _, c := range cands {
		if lexical && c.found&1 == 0 {
			needBM25 = append(needBM25, chunkUUID(c.hit.ChunkID))
		}
		if q.Vector != nil && c.found&2 == 0 {
			needDense = append(needDense, chunkUUID(c.hit.ChunkID))
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	fields := []graphql.Field{{Name: "chunk_id"}}
	if len(needBM25) > 0 {
		g.Go(func() error {
			hits, err := s.keyword(gctx, q.Terms, len(needBM25), onlyIDs(needBM25), append(fields, scoreField))
			for _, h := range hits {
				if c := byID[h.ChunkID]; c != nil {
					c.bm25 = float(h.Additional.Score)
				}
			}
			return err
		})
	}
	if len(needDense) > 0 {
		g.Go(func() error {
			hits, err := s.nearest(gctx, q.Vector, len(needDense), onlyIDs(needDense), append(fields, distanceField))
			for _, h := range hits {
				if c := byID[h.ChunkID]; c != nil {
					c.dense = 1 - float(h.Additional.Distance)
				}
			}
			return err
		})
	}
	return g.Wait()
}

// keyword runs a BM25 query over the analysed terms.
func (s *Store) keyword(ctx context.Context, terms []string, limit int, filter *filters.WhereBuilder, fields []graphql.Field) ([]chunkHit, error) {
	return s.get(ctx, limit, filter, fields, func(c *wv.Client, get *graphql.GetBuilder) {
		get.WithBM25(c.GraphQL().Bm25ArgBuilder().WithQuery(strings.Join(terms, " ")).WithProperties("terms"))
	})
}

// nearest runs a vector query.
func (s *Store) nearest(ctx context.Context, vector []float32, limit int, filter *filters.WhereBuilder, fields []graphql.Field) ([]chunkHit, error) {
	return s.get(ctx, limit, filter, fields, func(c *wv.Client, get *graphql.GetBuilder) {
		get.WithNearVector(c.GraphQL().NearVectorArgBuilder().WithVector(vector))
	})
}

// get runs a Get query on the chunk collection, with the search that
// search adds.
func (s *Store) get(ctx context.Context, limit int, filter *filters.WhereBuilder, fields []graphql.Field, search func(*wv.Client, *graphql.GetBuilder)) ([]chunkHit, error) {
	var out map[string][]chunkHit
	err := s.query(ctx, "Get", &out, func(c *wv.Client) (*models.GraphQLResponse, error) {
		get := c.GraphQL().Get().WithClassName(s.chunks).WithLimit(limit).WithFields(fields...)
		search(c, get)
		if filter != nil {
			get.WithWhere(filter)
		}
		if s.cfg.Replicas > 1 {
			get.WithConsistencyLevel(s.cfg.Consistency)
		}
		return get.Do(ctx)
	})
	return out[s.chunks], err
}

// onlyIDs is a filter that passes the objects with the given IDs.
func onlyIDs(ids []string) *filters.WhereBuilder {
	return filters.Where().WithPath([]string{"id"}).WithOperator(filters.ContainsAny).WithValueText(ids...)
}

// float reads a score, 0 when missing or malformed.
func float(n json.Number) float64 {
	f, _ := n.Float64()
	return f
}

// where turns rag's filters into a Weaviate filter (nil for none). An
// article without a date never passes a date filter, as in the embedded
// index.
func where(f rag.Filters) *filters.WhereBuilder {
	var ws []*filters.WhereBuilder
	if strings.TrimSpace(f.Outlet) != "" {
		ws = append(ws, filters.Where().WithPath([]string{"outlet_key"}).WithOperator(filters.Equal).WithValueText(outletKey(f.Outlet)))
	}
	if len(f.Outlets) > 0 {
		keys := make([]string, len(f.Outlets))
		for i, o := range f.Outlets {
			keys[i] = outletKey(o)
		}
		ws = append(ws, filters.Where().WithPath([]string{"outlet_key"}).WithOperator(filters.ContainsAny).WithValueText(keys...))
	}
	if !f.From.IsZero() {
		ws = append(ws, filters.Where().WithPath([]string{"published"}).WithOperator(filters.GreaterThanEqual).WithValueDate(f.From.UTC()))
	}
	if !f.To.IsZero() {
		ws = append(ws, filters.Where().WithPath([]string{"published"}).WithOperator(filters.LessThanEqual).WithValueDate(f.To.UTC()))
	}
	switch len(ws) {
	case 0:
		return nil
	case 1:
		return ws[0]
	}
	return filters.Where().WithOperator(filters.And).WithOperands(ws)
}

// termStats are the corpus statistics of one question's terms, with term
// IDs local to one search: the question's terms first, then the hits'.
type termStats struct {
	chunks int
	ids    map[string]uint32
	idf    map[string]float64 // the question's terms that some chunk holds
}

func (t *termStats) Term(term string) (uint32, float64, bool) {
	idf, ok := t.idf[term]
	if !ok {
		return 0, 0, false
	}
	return t.ids[term], idf, true
}

func (t *termStats) Chunks() int { return t.chunks }

// bag turns a chunk's space-separated terms into a bag sorted by term ID,
// giving new terms new IDs.
func (t *termStats) bag(terms string) []rag.TermFreq {
	counts := map[uint32]uint32{}
	for _, w := range strings.Fields(terms) {
		id, ok := t.ids[w]
		if !ok {
			id = uint32(len(t.ids))
			t.ids[w] = id
		}
		counts[id]++
	}
	bag := make([]rag.TermFreq, 0, len(counts))
	for id, n := range counts {
		bag = append(bag, rag.TermFreq{Term: id, TF: n})
	}
	slices.SortFunc(bag, func(a, b rag.TermFreq) int { return cmp.Compare(a.Term, b.Term) })
	return bag
}

// termStats counts the chunks, and the chunks holding each term, in one
// aggregate query.
func (s *Store) termStats(ctx context.Context, terms []string) (*termStats, error) {
	var uniq []string
	for _, t := range terms {
		if !slices.Contains(uniq, t) {
			uniq = append(uniq, t)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{Aggregate{n: %s{meta{count}}", s.chunks)
	for i, t := range uniq {
		lit, _ := json.Marshal(t)
		fmt.Fprintf(&b, ` t%d: %s(where:{path:["terms"],operator:Equal,valueText:%s}){meta{count}}`, i, s.chunks, lit)
	}
	b.WriteString("}}")
	var out map[string][]aggregateCount
	err := s.query(ctx, "Aggregate", &out, func(c *wv.Client) (*models.GraphQLResponse, error) {
		return c.GraphQL().Raw().WithQuery(b.String()).Do(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("count terms: %w", err)
	}
	st := &termStats{chunks: countOf(out, "n"), ids: map[string]uint32{}, idf: map[string]float64{}}
	for i, t := range uniq {
		st.ids[t] = uint32(i)
		if df := countOf(out, "t"+strconv.Itoa(i)); df > 0 {
			st.idf[t] = rag.IDF(st.chunks, df)
		}
	}
	return st, nil
}

// hitArticles returns the articles of hits, from the cache when the
// article's hash is unchanged, else from the cluster.
func (s *Store) hitArticles(ctx context.Context, hits []chunkHit) (map[string]*corpus.Article, error) {
	out := map[string]*corpus.Article{}
	var missing []string
	for _, h := range hits {
		if _, ok := out[h.ArticleID]; ok {
			continue
		}
		if a := s.cache.get(h.ArticleID, unhex(h.ArticleHash)); a != nil {
			out[h.ArticleID] = a
			continue
		}
		out[h.ArticleID] = nil
		missing = append(missing, h.ArticleID)
	}
	if len(missing) == 0 {
		return out, nil
	}
	arts, err := s.fetchArticles(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, a := range arts {
		out[a.ID] = s.cache.put(a)
	}
	return out, nil
}

// aggregateCount is one aggregate's result: {meta{count}}.
type aggregateCount struct {
	Meta struct {
		Count int `json:"count"`
	} `json:"meta"`
}

// countOf returns the count of the aggregate named key.
func countOf(out map[string][]aggregateCount, key string) int {
	if cs := out[key]; len(cs) > 0 {
		return cs[0].Meta.Count
	}
	return 0
}
