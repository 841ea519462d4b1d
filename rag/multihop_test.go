package rag

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

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

func TestPartFilters(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	verge := QueryPart{Outlets: []string{"The Verge"}, From: day("2023-10-01"), To: day("2023-10-01")}
	tc := QueryPart{Outlets: []string{"TechCrunch"}, From: day("2023-10-07"), To: day("2023-10-07")}
	undated := QueryPart{Outlets: []string{"TechCrunch"}}
	tests := []struct {
		name  string
		part  QueryPart
		req   Filters
		dates bool
		want  Filters
		ok    bool
	}{
		{"outlet and date", verge, Filters{}, true, Filters{Outlets: []string{"The Verge"}, From: day("2023-10-01"), To: day("2023-10-01")}, true},
		{"no dates", verge, Filters{}, false, Filters{Outlets: []string{"The Verge"}}, true},
		{"within the request", verge, Filters{Outlet: "the verge", From: day("2023-09-01")}, true, Filters{Outlet: "the verge", Outlets: []string{"The Verge"}, From: day("2023-10-01"), To: day("2023-10-01")}, true},
		{"request's outlets kept", tc, Filters{Outlets: []string{"techcrunch", "Wired"}}, false, Filters{Outlets: []string{"TechCrunch"}}, true},
		{"other outlets only", verge, Filters{Outlets: []string{"Wired"}}, false, Filters{}, false},
		{"no outlet", QueryPart{From: day("2023-10-01")}, Filters{Outlet: "Wired"}, true, Filters{Outlet: "Wired", From: day("2023-10-01")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.part.filters(tt.req, tt.dates)
			if ok != tt.ok || (ok && !reflect.DeepEqual(got, tt.want)) {
				t.Errorf("filters = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}

	// The named-outlets search spans the parts' outlets and dates; a part
	// without dates leaves that side open.
	f, named, ok := anyPart([]QueryPart{verge, tc}, Filters{}, true)
	want := Filters{Outlets: []string{"The Verge", "TechCrunch"}, From: day("2023-10-01"), To: day("2023-10-07")}
	if !named || !ok || !reflect.DeepEqual(f, want) {
		t.Errorf("anyPart = %+v, %v, %v; want %+v", f, named, ok, want)
	}
	if f, _, _ := anyPart([]QueryPart{verge, undated}, Filters{}, true); !f.From.IsZero() || !f.To.IsZero() || len(f.Outlets) != 2 {
		t.Errorf("anyPart with an undated part = %+v, want two outlets and no dates", f)
	}
	if _, named, _ := anyPart([]QueryPart{verge, {Text: "no outlet"}}, Filters{}, true); named {
		t.Error("anyPart named outlets for a part naming none")
	}
}
