package rag

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

func TestRetrieveFilters(t *testing.T) {
	e := newTestEngine(t, Config{})
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	tests := []struct {
		name    string
		filters Filters
		want    map[string]bool // articles allowed in the result
	}{
		{"outlet", Filters{Outlet: "sky news"}, map[string]bool{"drones": true, "kabul": true}},
		{"outlet spaces", Filters{Outlet: "  Global Affairs "}, map[string]bool{"coalition": true}},
		{"from", Filters{From: day("2025-01-01")}, map[string]bool{"drones": true, "coalition": true}},
		{"to", Filters{To: day("2021-12-31")}, map[string]bool{"kabul": true}},
		{"range", Filters{From: day("2025-07-08"), To: day("2025-07-08")}, map[string]bool{"coalition": true}},
		{"nothing", Filters{Outlet: "The Onion"}, map[string]bool{}},
		{"outlets", Filters{Outlets: []string{"sky news", " Global Affairs"}}, map[string]bool{"drones": true, "kabul": true, "coalition": true}},
		{"outlets and outlet", Filters{Outlet: "Sky News", Outlets: []string{"Global Affairs", "sky news"}, From: day("2025-01-01")}, map[string]bool{"drones": true}},
		{"outlets none", Filters{Outlets: []string{"The Onion"}}, map[string]bool{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []string{RetrieveHybrid, RetrieveBM25, RetrieveDense} {
				r := NewRetriever(RetrievalConfig{Mode: mode, DenseWeight: DefaultRetrievalConfig.DenseWeight}, e.cfg.Embedder)
				res, err := r.Retrieve(context.Background(), e.Index(), Request{Question: "Russia drones Kabul coalition", K: 10, Filters: tt.filters})
				if err != nil {
					t.Fatal(err)
				}
				if len(tt.want) > 0 && len(res.Passages) == 0 {
					t.Errorf("%s: no passages", mode)
				}
				for _, p := range res.Passages {
					if !tt.want[p.ArticleID] {
						t.Errorf("%s: passage from %q passed the filter", mode, p.ArticleID)
					}
				}
			}
		})
	}
}

func TestRetrieveCollapsesNearDuplicates(t *testing.T) {
	arts := testfake.Articles()
	dup := arts[0]
	dup.ID, dup.Outlet = "drones-syndicated", "Wire copy"
	dup.Hash = testfake.Hash(dup)
	arts = append(arts, dup)
	e, _ := Open(context.Background(), Config{DataDir: t.TempDir(), Embedder: testfake.NewEmbedder()})
	if _, err := e.Ingest(context.Background(), arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	found, err := e.Search(context.Background(), Request{Question: "drones target refineries and ammunition depots", K: 10})
	if err != nil {
		t.Fatal(err)
	}
	ps := found.Passages
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Text] {
			t.Errorf("the same passage twice: %q", p.Text)
		}
		seen[p.Text] = true
	}
	if len(ps) == 0 {
		t.Fatal("no passages")
	}
}

func TestRetrieveModesAndNumbering(t *testing.T) {
	e := newTestEngine(t, Config{})
	for _, mode := range []string{RetrieveHybrid, RetrieveBM25, RetrieveDense} {
		r := NewRetriever(RetrievalConfig{Mode: mode, DenseWeight: DefaultRetrievalConfig.DenseWeight}, e.cfg.Embedder)
		res, err := r.Retrieve(context.Background(), e.Index(), Request{Question: "Taliban entered Kabul airport", K: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Passages) == 0 || len(res.Passages) > 3 {
			t.Fatalf("%s: %d passages", mode, len(res.Passages))
		}
		if res.Passages[0].ArticleID != "kabul" {
			t.Errorf("%s: top passage from %q, want kabul", mode, res.Passages[0].ArticleID)
		}
		for i, p := range res.Passages {
			if p.N != i+1 {
				t.Errorf("%s: passage %d numbered %d", mode, i, p.N)
			}
			if i > 0 && p.Score > res.Passages[i-1].Score {
				t.Errorf("%s: passages not sorted by score", mode)
			}
			a, _ := e.Article(p.ArticleID)
			if a.Text[p.Start:p.End] != p.Text || p.Title != a.Title {
				t.Errorf("%s: passage offsets or metadata wrong: %+v", mode, p)
			}
		}
	}
	if err := (RetrievalConfig{Mode: "magic"}).Validate(); err == nil {
		t.Error("unknown mode accepted")
	}
	if err := (RetrievalConfig{DenseWeight: 1.5}).Validate(); err == nil {
		t.Error("dense weight 1.5 accepted")
	}
	// An empty index retrieves nothing, without error.
	empty, _, err := Build(context.Background(), []corpus.Article{}, BuildConfig{Embedder: testfake.NewEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := NewRetriever(RetrievalConfig{}, testfake.NewEmbedder()).Retrieve(context.Background(), empty, Request{Question: "anything"})
	if err != nil || len(res.Passages) != 0 {
		t.Errorf("empty index: %v, %v", res, err)
	}
}

func TestBM25PrefersRareTerms(t *testing.T) {
	bags := [][]TermFreq{
		{{0, 1}, {1, 1}}, // common + rare
		{{0, 3}},         // common only, three times
		{{0, 1}, {2, 1}}, // common + other
	}
	lx := newLexicon([]string{"common", "rare", "other"}, bags)
	got := lx.search([]TermFreq{{0, 1}, {1, 1}}, 3, nil)
	if len(got) != 3 || got[0].Doc != 0 {
		t.Fatalf("ranking %+v, want doc 0 first", got)
	}
	if s := lx.score([]TermFreq{{0, 1}, {1, 1}}, 0); math.Abs(s-float64(got[0].Score)) > 1e-5 {
		t.Errorf("score() = %v, search() = %v", s, got[0].Score)
	}
	if lx.idf[1] <= lx.idf[0] {
		t.Errorf("idf(rare) %v <= idf(common) %v", lx.idf[1], lx.idf[0])
	}
	if got := lx.search([]TermFreq{{1, 1}}, 3, func(d uint32) bool { return d != 0 }); len(got) != 0 {
		t.Errorf("filtered search returned %+v", got)
	}
}

func TestRetrievalConfigDenseWeightZero(t *testing.T) {
	// A hybrid retriever with dense weight 0 ranks its first stage by BM25
	// alone: zero is a setting, not "use the default".
	if got := NewRetriever(RetrievalConfig{Mode: RetrieveHybrid}, nil).Config().DenseWeight; got != 0 {
		t.Errorf("dense weight 0 became %v", got)
	}
	if got := NewRetriever(RetrievalConfig{}, nil).Config(); got.Mode != DefaultRetrievalConfig.Mode || got.DenseWeight != DefaultRetrievalConfig.DenseWeight {
		t.Errorf("zero config became %+v, want the default mode and weight", got)
	}
}

func TestFiltersMatch(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	bbc := corpus.Article{ID: "a", Outlet: "BBC", Published: day("2025-03-01")}
	undated := corpus.Article{ID: "b", Outlet: "BBC"}
	tests := []struct {
		name string
		f    Filters
		a    corpus.Article
		want bool
	}{
		{"no filter", Filters{}, undated, true},
		{"outlet, any case and spacing", Filters{Outlet: " bbc "}, bbc, true},
		{"other outlet", Filters{Outlet: "Sky News"}, bbc, false},
		{"from, inclusive", Filters{From: day("2025-03-01")}, bbc, true},
		{"from, after", Filters{From: day("2025-03-02")}, bbc, false},
		{"to, inclusive", Filters{To: day("2025-03-01")}, bbc, true},
		{"to, before", Filters{To: day("2025-02-28")}, bbc, false},
		{"undated fails a date bound", Filters{From: day("2000-01-01")}, undated, false},
		{"undated passes the outlet", Filters{Outlet: "BBC"}, undated, true},
		{"an outlet of spaces is no filter", Filters{Outlet: "  "}, bbc, true},
	}
	for _, tt := range tests {
		if got := tt.f.Match(tt.a); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNoMatch(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	arts := []corpus.Article{
		{ID: "a", Outlet: "Sky News", Published: day("2025-03-03")},
		{ID: "b", Outlet: "sky news", Published: day("2021-08-22")},
		{ID: "c", Outlet: "BBC"},
		{ID: "d"},
	}
	many := make([]corpus.Article, 12)
	for i := range many {
		many[i] = corpus.Article{ID: strconv.Itoa(i), Outlet: fmt.Sprintf("Outlet %02d", i)}
	}
	tests := []struct {
		name string
		f    Filters
		arts []corpus.Article
		want string // "": some article passes
	}{
		{"an article passes", Filters{Outlet: "BBC"}, arts, ""},
		{"a date range passes", Filters{From: day("2025-01-01")}, arts, ""},
		{"unknown outlet, the outlets named once each, sorted",
			Filters{Outlet: " The Onion "}, arts,
			`No article in the corpus matches the filters (outlet "The Onion"). Its outlets: "BBC", "Sky News".`},
		{"dates past every article, the undated counted",
			Filters{From: day("2030-01-01")}, arts,
			`No article in the corpus matches the filters (from 2030-01-01). A date filter leaves out its 2 undated articles.`},
		{"a known outlet outside the dates: no outlet list",
			Filters{Outlet: "sky news", To: day("2000-01-01")}, arts,
			`No article in the corpus matches the filters (outlet "sky news", to 2000-01-01). A date filter leaves out its 2 undated articles.`},
		{"one undated article",
			Filters{To: day("2000-01-01")}, arts[:3],
			`No article in the corpus matches the filters (to 2000-01-01). A date filter leaves out its undated article.`},
		{"outlets from a multi-part question",
			Filters{Outlets: []string{"CNN", "Reuters"}}, arts[:1],
			`No article in the corpus matches the filters (outlet "CNN", outlet "Reuters"). Its outlets: "Sky News".`},
		{"no outlets at all",
			Filters{Outlet: "CNN"}, arts[3:],
			`No article in the corpus matches the filters (outlet "CNN"). Its articles name no outlet.`},
		{"many outlets: the first ten",
			Filters{Outlet: "CNN"}, many,
			`No article in the corpus matches the filters (outlet "CNN"). Its outlets include "Outlet 00", "Outlet 01", "Outlet 02", "Outlet 03", "Outlet 04", "Outlet 05", "Outlet 06", "Outlet 07", "Outlet 08", "Outlet 09" and 2 more.`},
		{"an empty corpus", Filters{Outlet: "CNN"}, nil,
			`No article in the corpus matches the filters (outlet "CNN"). Its articles name no outlet.`},
	}
	for _, tt := range tests {
		if got := noMatch(tt.f, tt.arts); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestAskWithFiltersNoArticlePasses(t *testing.T) {
	e := newTestEngine(t, Config{})
	ctx := context.Background()
	ans, err := e.Ask(ctx, Request{Question: "What do the drones target?", Filters: Filters{Outlet: "The Onion"}}, Stream{})
	if err != nil {
		t.Fatal(err)
	}
	want := `No article in the corpus matches the filters (outlet "The Onion"). Its outlets:`
	if ans.Answerable || !strings.HasPrefix(ans.Answer, want) || !strings.Contains(ans.Answer, `"Sky News"`) {
		t.Errorf("answerable %v, answer %q; want declined, starting %q and naming Sky News", ans.Answerable, ans.Answer, want)
	}
	if got := e.FilterMiss(Filters{Outlet: "sky news"}); got != "" {
		t.Errorf("FilterMiss of an outlet the corpus has: %q, want none", got)
	}
	if got := e.FilterMiss(Filters{}); got != "" {
		t.Errorf("FilterMiss without filters: %q, want none", got)
	}
	// Declined within dates: the undated articles the bound leaves out
	// are counted (testfake's are all dated, so one is added here).
	undated := testfake.Articles()[0]
	undated.ID, undated.Published = "undated-copy", time.Time{}
	undated.Hash = testfake.Hash(undated)
	if _, err := e.Ingest(ctx, append(testfake.Articles(), undated), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	from, _ := time.Parse(time.DateOnly, "2021-01-01")
	ans, err = e.Ask(ctx, Request{Question: "What is the population of Lima?", Filters: Filters{From: from}}, Stream{})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Answerable || !strings.HasPrefix(ans.Answer, "The corpus does not appear to contain an answer") ||
		!strings.HasSuffix(ans.Answer, " A date filter leaves out its undated article.") {
		t.Errorf("declined within dates: answerable %v, %q; want the undated article counted", ans.Answerable, ans.Answer)
	}
	// Without filters a declined question still names the nearest articles.
	ans, err = e.Ask(ctx, Request{Question: "What is the population of Lima?"}, Stream{})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Answerable || !strings.HasPrefix(ans.Answer, "The corpus does not appear to contain an answer") || strings.Contains(ans.Answer, "date filter") {
		t.Errorf("declined without filters: answerable %v, %q", ans.Answerable, ans.Answer)
	}
}

func TestParseDateBounds(t *testing.T) {
	afternoon := time.Date(2025, 3, 1, 15, 30, 0, 0, time.UTC)
	tests := []struct {
		name, from, to string
		in             bool // afternoon passes the filter
	}{
		{"to is inclusive of its whole day", "", "2025-03-01", true},
		{"from is inclusive of its whole day", "2025-03-01", "", true},
		{"one day", "2025-03-01", "2025-03-01", true},
		{"the day before", "", "2025-02-28", false},
		{"the day after", "2025-03-02", "", false},
		{"timestamps are exact", "", "2025-03-01T15:00:00Z", false},
		{"timestamps with a zone", "2025-03-01T16:00:00+01:00", "", true},
	}
	for _, tt := range tests {
		from, err := ParseFrom("from", tt.from)
		if err != nil {
			t.Fatal(err)
		}
		to, err := ParseTo("to", tt.to)
		if err != nil {
			t.Fatal(err)
		}
		in := (from.IsZero() || !afternoon.Before(from)) && (to.IsZero() || !afternoon.After(to))
		if in != tt.in {
			t.Errorf("%s: from %q to %q: %v in = %v, want %v", tt.name, tt.from, tt.to, afternoon, in, tt.in)
		}
	}
	for _, bad := range []string{"yesterday", "2025-13-45", "01/03/2025"} {
		if _, err := ParseTo("filters.to", bad); !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "filters.to") {
			t.Errorf("ParseTo(%q) = %v, want a bad request naming the field", bad, err)
		}
	}
}
