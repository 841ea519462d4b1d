package rag

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/newsrag/newsrag/internal/testfake"
)

func TestRetrieveCoversEveryNamedOutlet(t *testing.T) {
	e := newTestEngine(t, Config{})
	ix := e.Index()
	q := "Did Sky News report drone strikes on refineries, while Global Affairs reported a coalition with Keir Starmer?"
	for _, tc := range []struct {
		name   string
		single bool
	}{{"parts", false}, {"single query", true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRetriever(RetrievalConfig{Mode: RetrieveHybrid, DenseWeight: 0.55, SingleQuery: tc.single}, e.cfg.Embedder)
			got, err := r.Retrieve(context.Background(), ix, Request{Question: q, K: 2})
			if err != nil {
				t.Fatal(err)
			}
			arts := map[string]bool{}
			for i, p := range got.Passages {
				arts[p.ArticleID] = true
				if p.N != i+1 {
					t.Errorf("passage %d numbered %d", i, p.N)
				}
			}
			if !tc.single && (!arts["drones"] || !arts["coalition"]) {
				t.Errorf("top 2 articles %v, want drones and coalition", arts)
			}
		})
	}
}

func TestRetrievePartDateRestricts(t *testing.T) {
	e := newTestEngine(t, Config{})
	r := NewRetriever(RetrievalConfig{}, e.cfg.Embedder)
	// Both Sky News articles match "Sky News"; the date picks Kabul's.
	got, err := r.Retrieve(context.Background(), e.Index(), Request{Question: "What did the Sky News article published on August 22, 2021 say happened?", K: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Passages) != 1 || got.Passages[0].ArticleID != "kabul" {
		t.Fatalf("passages %+v, want kabul first", got.Passages)
	}
}

func TestMergeRoundRobinDistinctArticles(t *testing.T) {
	long := testfake.Articles()[0]
	long.ID, long.Text = "long", strings.Repeat("Refineries burned again after another night of drone strikes on the coast. ", 12)
	long.Hash = testfake.Hash(long)
	e, err := Open(context.Background(), Config{DataDir: t.TempDir(), Embedder: testfake.NewEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Ingest(context.Background(), append(testfake.Articles(), long), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	ix := e.Index()
	byArt := map[string][]*candidate{}
	for i := range ix.Chunks() {
		a := &ix.articles[ix.chunkArt[i]]
		byArt[a.ID] = append(byArt[a.ID], &candidate{Hit: &Hit{Chunk: ix.chunks[i], Article: a, Bag: ix.bags[i]}})
	}
	if len(byArt["long"]) < 2 {
		t.Fatalf("long article has %d chunks, want several", len(byArt["long"]))
	}
	// Both rankings start with the long article's chunks: round one takes
	// one of them, then the second ranking's first other article.
	first := append(slices.Clone(byArt["long"]), byArt["kabul"]...)
	second := append(slices.Clone(byArt["long"]), byArt["coalition"]...)
	r := NewRetriever(RetrievalConfig{DuplicateJaccard: 1}, e.cfg.Embedder)
	kept := r.merge("", queryWeights{}, [][]*candidate{first, second}, 3)
	var got []string
	for _, c := range kept {
		got = append(got, c.Article.ID)
	}
	if want := []string{"long", "coalition", "long"}; !slices.Equal(got, want) {
		t.Errorf("merged articles %v, want %v", got, want)
	}
}

// queryCounter counts question embeddings.
type queryCounter struct {
	*testfake.Embedder
	n int
}

func (q *queryCounter) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	q.n++
	return q.Embedder.EmbedQuery(ctx, text)
}

func TestRetrievePartsEmbeddedAhead(t *testing.T) {
	e := newTestEngine(t, Config{})
	emb := &queryCounter{Embedder: testfake.NewEmbedder()}
	r := NewRetriever(RetrievalConfig{}, emb)
	q := "Did Sky News report drone strikes on refineries, while Global Affairs reported a coalition with Keir Starmer?"
	pvecs, err := r.embedParts(context.Background(), e.Index(), q)
	if err != nil || len(pvecs) != 2 || emb.n != 2 {
		t.Fatalf("embedParts: %d vectors, %d embeddings, err %v; want one per part", len(pvecs), emb.n, err)
	}
	// With the parts embedded ahead (outside the CPU slot), retrieval
	// embeds nothing more.
	emb.n = 0
	got, err := r.retrieve(context.Background(), e.Index(), Request{Question: q, K: 2}, testfake.NewEmbedder().Vec(q), pvecs)
	if err != nil || len(got.Passages) != 2 || emb.n != 0 {
		t.Fatalf("retrieve: %d passages, %d embeddings, err %v; want 2 passages and none", len(got.Passages), emb.n, err)
	}
}
