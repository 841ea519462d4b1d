package weaviate

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
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

// chunkHit is a chunk object as a hybrid query returns it.
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
		Score        json.Number `json:"score"`
		ExplainScore string      `json:"explainScore"`
	} `json:"_additional"`
}

var hitFields = []graphql.Field{
	{Name: "chunk_id"}, {Name: "article_id"}, {Name: "article_hash"}, {Name: "start"}, {Name: "end"},
	{Name: "words"}, {Name: "text"}, {Name: "terms"},
	{Name: "_additional", Fields: []graphql.Field{{Name: "score"}, {Name: "explainScore"}}},
}

// Search runs one hybrid query (relative-score fusion of BM25 over the
// analysed terms and the vector search, alpha = q.DenseWeight) with q's
// filters, and, alongside it, counts the question terms' document
// frequencies for rag's re-ranking and coverage.
func (s *Store) Search(ctx context.Context, q rag.SearchQuery) (*rag.SearchResult, error) {
	var (
		hits  []chunkHit
		stats *termStats
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		hits, err = s.hybrid(gctx, q)
		return err
	})
	g.Go(func() error {
		var err error
		stats, err = s.termStats(gctx, q.Terms)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("weaviate: search: %w", err)
	}
	arts, err := s.hitArticles(ctx, hits)
	if err != nil {
		return nil, fmt.Errorf("weaviate: search: %w", err)
	}
	res := &rag.SearchResult{Terms: stats, Hits: make([]rag.Hit, 0, len(hits))}
	bmMax := 0.0
	parts := make([]scoreParts, len(hits))
	for i, h := range hits {
		parts[i] = parseExplain(h.Additional.ExplainScore)
		bmMax = max(bmMax, parts[i].bm25)
	}
	for i, h := range hits {
		a := arts[h.ArticleID]
		if a == nil || h.End > len(a.Text) || h.Start > h.End {
			continue // written by an ingest still under way
		}
		score, _ := h.Additional.Score.Float64()
		hit := rag.Hit{
			Chunk:   rag.Chunk{ID: h.ChunkID, ArticleID: h.ArticleID, Start: h.Start, End: h.End, Words: h.Words},
			Article: a,
			Text:    h.Text,
			Bag:     stats.bag(h.Terms),
			Score:   score,
			Dense:   parts[i].cosine,
		}
		if bmMax > 0 {
			hit.Lexical = parts[i].bm25 / bmMax
		}
		res.Hits = append(res.Hits, hit)
	}
	return res, nil
}

// hybrid runs the hybrid query.
func (s *Store) hybrid(ctx context.Context, q rag.SearchQuery) ([]chunkHit, error) {
	var out map[string][]chunkHit
	err := s.query(ctx, "Get", &out, func(c *wv.Client) (*models.GraphQLResponse, error) {
		h := c.GraphQL().HybridArgumentBuilder().
			WithAlpha(float32(q.DenseWeight)).
			WithFusionType(graphql.RelativeScore).
			WithProperties([]string{"terms"})
		if q.Lexical {
			h.WithQuery(strings.Join(q.Terms, " "))
		}
		if q.Vector != nil {
			h.WithVector(q.Vector)
		}
		get := c.GraphQL().Get().WithClassName(s.chunks).WithHybrid(h).WithLimit(q.Limit).
			WithFields(hitFields...)
		if w := where(q.Filters); w != nil {
			get.WithWhere(w)
		}
		if s.cfg.Replicas > 1 {
			get.WithConsistencyLevel(s.cfg.Consistency)
		}
		return get.Do(ctx)
	})
	hits := out[s.chunks]
	return hits, err
}

// where turns rag's filters into a Weaviate filter (nil for none). An
// article without a date never passes a date filter, as in the embedded
// index.
func where(f rag.Filters) *filters.WhereBuilder {
	var ws []*filters.WhereBuilder
	if f.Outlet != "" {
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

// scoreParts are a hybrid hit's scores before fusion.
type scoreParts struct {
	bm25   float64 // 0 when the keyword search did not find it
	cosine float64 // 0 when the vector search did not find it
}

// explainRE matches one result set's line of a hybrid hit's explainScore:
// "Hybrid (Result Set keyword,bm25) Document <id>: original score 2.5, …"
// and "(Result Set vector,hybridVector) …" as 1.35 writes it; older servers
// wrote the set's name alone. The vector set's original score is 1 - cosine
// distance.
var explainRE = regexp.MustCompile(`Result Set (keyword|vector)(?:,[^)]*)?\) Document [^:]+: original score ([-+0-9.eE]+)`)

func parseExplain(s string) scoreParts {
	var p scoreParts
	for _, m := range explainRE.FindAllStringSubmatch(s, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		if m[1] == "keyword" {
			p.bm25 = v
		} else {
			p.cosine = v
		}
	}
	return p
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
