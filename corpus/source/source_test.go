package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsrag/newsrag/corpus"
)

// testOptions are quick limits for the local site: the slow page times
// out, the huge one is over the size limit.
func testOptions(t testing.TB) Options {
	return Options{
		StateFile: filepath.Join(t.TempDir(), StateFileName),
		Fetch:     FetchConfig{Timeout: 300 * time.Millisecond, MaxBytes: 1 << 20},
	}
}

func byID(arts []corpus.Article) map[string]corpus.Article {
	m := map[string]corpus.Article{}
	for _, a := range arts {
		m[a.ID] = a
	}
	return m
}

func reasons(list []corpus.Skipped) map[string]string {
	m := map[string]string{}
	for _, s := range list {
		m[s.Path] = s.Reason
	}
	return m
}

// checkReasons checks that each path under base is listed with a reason
// containing the wanted words.
func checkReasons(t *testing.T, what, base string, list []corpus.Skipped, want map[string]string) {
	t.Helper()
	got := reasons(list)
	for path, words := range want {
		if !strings.Contains(got[base+path], words) {
			t.Errorf("%s %s: %q, want %q (all: %v)", what, path, got[base+path], words, got)
		}
	}
}

func TestLoadFeedsAndPages(t *testing.T) {
	s := newSite(t)
	host := strings.TrimPrefix(s.URL, "http://")
	l := New(testOptions(t))
	res, err := l.Load(context.Background(), []string{s.URL + "/rss.xml", s.URL + "/atom.xml", s.URL + "/feed.json", s.URL + "/broken.xml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	arts := byID(res.Articles)
	var ids []string
	for id := range arts {
		ids = append(ids, strings.TrimPrefix(id, host))
	}
	slices.Sort(ids)
	if want := "/private/briefing /story/air-defence /story/loop /story/saratov /story/slow"; strings.Join(ids, " ") != want {
		t.Errorf("articles %v, want %s", ids, want)
	}

	// A page with JSON-LD: its metadata where the feed has none; the
	// canonical URL (tracking parameters dropped) is the ID.
	a := arts[host+"/story/saratov"]
	if a.Title != "Drones hit Saratov refinery" || a.Outlet != "The Wire" || a.Author != "Ann Reporter" ||
		!a.Published.Equal(time.Date(2025, 10, 19, 6, 30, 0, 0, time.UTC)) || a.URL != s.URL+"/story/saratov" {
		t.Errorf("JSON-LD page: %+v", a)
	}
	if !strings.HasPrefix(a.Text, "Ukraine struck an oil refinery") || strings.Contains(a.Text, "Home") || a.Hash != corpus.Hash(a) {
		t.Errorf("JSON-LD page text: %q", a.Text)
	}
	// Its syndicated copy in the JSON feed is folded into it.
	if len(a.Alternates) != 1 || a.Alternates[0].Outlet != "Metro Times" || a.Alternates[0].URL != s.URL+"/metro/saratov-copy" {
		t.Errorf("alternates: %+v", a.Alternates)
	}
	// A page with only Open Graph tags; the feed's date wins over the page's.
	a = arts[host+"/story/air-defence"]
	if a.Outlet != "Kyiv Courier" || a.Author != "Dmytro Writer" || !a.Published.Equal(time.Date(2025, 10, 20, 9, 15, 0, 0, time.UTC)) ||
		!strings.Contains(a.Text, "frozen Russian assets") {
		t.Errorf("Open Graph page: %+v", a)
	}
	// Robots, timeouts and redirect loops fall back to the feed's text.
	if a := arts[host+"/private/briefing"]; !strings.Contains(a.Text, "ceasefire talks will resume") || a.Outlet != "Wire World News" {
		t.Errorf("robots-disallowed page: %+v", a)
	}
	if a := arts[host+"/story/slow"]; !strings.Contains(a.Text, "package of sanctions") || a.Author != "Cara Columnist" {
		t.Errorf("slow page: %+v", a)
	}
	checkReasons(t, "fallback", s.URL, res.Fallbacks, map[string]string{
		"/private/briefing": "disallowed by robots.txt",
		"/story/slow":       "timed out",
		"/story/loop":       "too many redirects",
	})
	checkReasons(t, "skipped", s.URL, res.Skipped, map[string]string{
		"/broken.xml":         "HTTP 500",
		"/story/huge":         "too large",
		"/metro/server-error": "HTTP 500",
	})
	if s.requests("/private/briefing") != 0 {
		t.Error("fetched a page robots.txt disallows")
	}
	if s.requests("/robots.txt") != 1 {
		t.Errorf("robots.txt fetched %d times, want once", s.requests("/robots.txt"))
	}
	if len(s.agents) != 1 || !s.agents[DefaultUserAgent] {
		t.Errorf("User-Agents %v", s.agents)
	}
	want := Stats{Fetched: 6, Failed: 6, Duplicates: 1}
	if res.Stats != want {
		t.Errorf("stats %+v, want %+v", res.Stats, want)
	}
}

func TestRedirectIntoDisallowedPath(t *testing.T) {
	s := newSite(t)
	res, err := New(testOptions(t)).Load(context.Background(), []string{s.URL + "/moved"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Articles) != 0 || !strings.Contains(reasons(res.Skipped)[s.URL+"/moved"], "disallowed by robots.txt") {
		t.Errorf("articles %v, skipped %v", res.Articles, res.Skipped)
	}
	if s.requests("/private/briefing") != 0 {
		t.Error("followed a redirect robots.txt disallows")
	}
}

func TestReloadUnchanged(t *testing.T) {
	s := newSite(t)
	l := New(testOptions(t))
	sources := []string{s.URL + "/rss.xml", s.URL + "/atom.xml", s.URL + "/feed.json", s.URL + "/story/air-defence"}
	first, err := l.Load(context.Background(), sources, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := s.total()
	again, err := l.Load(context.Background(), sources, first.Articles)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.total() - before; got != len(sources) {
		t.Errorf("an unchanged reload made %d requests, want %d (one 304 per source)", got, len(sources))
	}
	if again.Stats.NotModified != len(sources) || again.Stats.Fetched != 0 {
		t.Errorf("stats %+v", again.Stats)
	}
	if !sameArticles(first.Articles, again.Articles) {
		t.Errorf("articles changed:\n%v\n%v", first.Articles, again.Articles)
	}

	// A new entry: the feed is fetched again, only the new page with it.
	rss, _ := os.ReadFile(filepath.Join("testdata", "rss.xml"))
	s.set("/rss.xml", strings.Replace(string(rss), "<item>", `<item><title>New story</title><link>BASE/gen/new</link><guid>new</guid></item><item>`, 1))
	s.set("/gen/new", `<html><head><title>New story</title></head><body><p>Fresh news about the council vote came in this morning.</p></body></html>`)
	before = s.total()
	third, err := l.Load(context.Background(), sources, again.Articles)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.total() - before; got != len(sources)+1 || s.requests("/gen/new") != 1 {
		t.Errorf("after a new entry: %d requests, want %d", got, len(sources)+1)
	}
	if len(third.Articles) != len(again.Articles)+1 || third.Stats.Reused != 3 {
		t.Errorf("after a new entry: %d articles (had %d), stats %+v", len(third.Articles), len(again.Articles), third.Stats)
	}

	// Without the previous articles (the index was rebuilt), the
	// validators are not sent: everything is fetched again.
	before = s.total()
	fourth, err := l.Load(context.Background(), sources, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fourth.Stats.NotModified != 0 || len(fourth.Articles) != len(third.Articles) || s.total()-before < 8 {
		t.Errorf("without previous articles: %+v, %d articles, %d requests", fourth.Stats, len(fourth.Articles), s.total()-before)
	}
}

// sameArticles reports whether two article lists have the same IDs and hashes.
func sameArticles(a, b []corpus.Article) bool {
	return slices.EqualFunc(a, b, func(x, y corpus.Article) bool { return x.ID == y.ID && x.Hash == y.Hash })
}

func TestFailingSourceKeepsItsArticles(t *testing.T) {
	s := newSite(t)
	l := New(testOptions(t))
	feed := s.URL + "/rss.xml"
	first, err := l.Load(context.Background(), []string{feed}, nil)
	if err != nil || len(first.Articles) != 3 {
		t.Fatalf("%v, %d articles", err, len(first.Articles))
	}
	s.mu.Lock()
	delete(s.files, "/rss.xml") // now a 500
	s.mu.Unlock()
	res, err := l.Load(context.Background(), []string{feed}, first.Articles)
	if err != nil {
		t.Fatal(err)
	}
	if !sameArticles(first.Articles, res.Articles) || !strings.Contains(reasons(res.Skipped)[feed], "HTTP 500") || res.Stats.Failed != 1 {
		t.Errorf("a failing feed: %d articles, skipped %v, stats %+v", len(res.Articles), res.Skipped, res.Stats)
	}
}

func TestPerHostLimit(t *testing.T) {
	s := newSite(t)
	s.pageDelay = 20 * time.Millisecond
	feed := s.bigFeed(12)
	opts := testOptions(t)
	opts.Fetch.PerHost = 2
	opts.Concurrency = 8
	res, err := New(opts).Load(context.Background(), []string{feed}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Articles) != 12 {
		t.Errorf("%d articles, want 12 (skipped %v)", len(res.Articles), res.Skipped)
	}
	if s.maxInflight > 2 {
		t.Errorf("%d requests at once to one host, the limit is 2", s.maxInflight)
	}
}

func TestRetention(t *testing.T) {
	s := newSite(t)
	opts := testOptions(t)
	opts.Retention = 24 * time.Hour
	opts.Now = func() time.Time { return time.Date(2025, 10, 21, 12, 0, 0, 0, time.UTC) }
	res, err := New(opts).Load(context.Background(), []string{s.URL + "/rss.xml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Kept: the 21 October briefing. Dropped: the 20 October (09:15) and
	// 19 October stories, older than 24 hours at noon on the 21st.
	if len(res.Articles) != 1 || !strings.HasSuffix(res.Articles[0].ID, "/private/briefing") || res.Stats.Expired != 2 {
		t.Errorf("kept %v, stats %+v", res.Articles, res.Stats)
	}
}

func TestSourcesAndLists(t *testing.T) {
	s := newSite(t)
	dir := t.TempDir()
	articles := filepath.Join(dir, "articles")
	os.Mkdir(articles, 0o755)
	os.WriteFile(filepath.Join(articles, "local.md"), []byte("# Local story\n\nA story from a file on disk about the harbour."), 0o644)
	list := filepath.Join(dir, "sources.txt")
	os.WriteFile(list, []byte("# my sources\n\n"+s.URL+"/story/air-defence   # a page\narticles\n"), 0o644)
	res, err := New(testOptions(t)).Load(context.Background(), []string{list}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := byID(res.Articles)
	if _, ok := ids["local"]; !ok || len(ids) != 2 {
		t.Errorf("articles %v", res.Articles)
	}

	for _, tt := range []struct {
		sources []string
		want    string
	}{
		{[]string{"ftp://example.com/feed"}, "only http and https"},
		{[]string{"file:///etc/passwd"}, "only http and https"},
		{[]string{filepath.Join(dir, "missing")}, "no such file"},
		{[]string{writeFile(t, dir, "bad.txt", "not a url or directory\n")}, `bad.txt:1: "not a url or directory" is neither`},
	} {
		_, err := New(testOptions(t)).Load(context.Background(), tt.sources, nil)
		if !errors.Is(err, ErrBadSource) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want ErrBadSource and %q", tt.sources, err, tt.want)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCanonicalID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://Example.com/news/story/", "example.com/news/story"},
		{"http://example.com:80/news/story#comments", "example.com/news/story"},
		{"https://example.com/a//b/?utm_source=rss&id=7&fbclid=x", "example.com/a/b?id=7"},
		{"https://example.com:8443/", "example.com:8443"},
	}
	for _, tt := range tests {
		if got := canonicalID(tt.in); got != tt.want {
			t.Errorf("canonicalID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkRefreshUnchanged100 measures a load of a 100-entry feed that
// has not changed since the last load: one conditional request, a 304,
// and the previous articles given back.
func BenchmarkRefreshUnchanged100(b *testing.B) {
	s := newSite(b)
	feed := s.bigFeed(100)
	l := New(testOptions(b))
	first, err := l.Load(context.Background(), []string{feed}, nil)
	if err != nil || len(first.Articles) != 100 {
		b.Fatalf("%v, %d articles", err, len(first.Articles))
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := l.Load(context.Background(), []string{feed}, first.Articles)
		if err != nil || res.Stats.NotModified != 1 || len(res.Articles) != 100 {
			b.Fatalf("%v %+v", err, res.Stats)
		}
	}
}
