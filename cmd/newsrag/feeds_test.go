package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// newsSite is a local news site: an RSS feed of stories, each with its
// own page, answering conditional requests. Stories can be added while it
// runs; it counts the requests it serves.
type newsSite struct {
	*httptest.Server
	mu      sync.Mutex
	stories []string // headlines; story i is at /news/i
	hits    map[string]int
}

func newNewsSite(t testing.TB, headlines ...string) *newsSite {
	s := &newsSite{stories: headlines, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *newsSite) add(headline string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stories = append(s.stories, headline)
}

func (s *newsSite) requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// vocabulary is what generated stories are written with.
var vocabulary = strings.Fields(`council mayor vote budget river bridge school hospital strike talks minister
	harbour railway election court police farmers market energy prices winter drought flood storm
	museum festival league stadium airport tunnel factory union wages taxes housing rent tram port
	ferry ballots repairs berth district officials reporters sector million opened closed agreed`)

// storyText is the text of story i: random words after the headline, so
// that no two stories are near-duplicates.
func storyText(i int, headline string) string {
	rng := rand.New(rand.NewPCG(uint64(i), 42))
	var paras []string
	for range 2 {
		words := make([]string, 40)
		for k := range words {
			words[k] = vocabulary[rng.IntN(len(vocabulary))]
		}
		paras = append(paras, "<p>"+strings.Join(words, " ")+".</p>")
	}
	return "<p>" + headline + ".</p>" + strings.Join(paras, "")
}

func (s *newsSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	stories := append([]string(nil), s.stories...)
	s.mu.Unlock()
	var body, ctype string
	switch {
	case r.URL.Path == "/feed.xml":
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette</title><link>` + s.URL + `/</link><description>d</description>`)
		for i := len(stories) - 1; i >= 0; i-- {
			fmt.Fprintf(&b, `<item><title>%s</title><link>%s/news/%d</link><pubDate>%s</pubDate></item>`,
				stories[i], s.URL, i, time.Date(2025, 10, 1+i, 9, 0, 0, 0, time.UTC).Format(time.RFC1123Z))
		}
		b.WriteString(`</channel></rss>`)
		body, ctype = b.String(), "application/rss+xml"
	case r.URL.Path == "/syndicated.xml": // another outlet's copy of story 0
		body = `<?xml version="1.0"?><rss version="2.0"><channel><title>Metro Times</title><link>` + s.URL + `/</link><description>d</description>` +
			`<item><title>` + stories[0] + `</title><link>` + s.URL + `/copy/0</link><pubDate>` + time.Date(2025, 10, 1, 15, 0, 0, 0, time.UTC).Format(time.RFC1123Z) + `</pubDate></item></channel></rss>`
		ctype = "application/rss+xml"
	case r.URL.Path == "/copy/0":
		body = `<html><head><meta property="og:site_name" content="Metro Times"></head><body><article>` + storyText(0, stories[0]) + `<p>Read more in the Metro Times.</p></article></body></html>`
		ctype = "text/html; charset=utf-8"
	case strings.HasPrefix(r.URL.Path, "/news/"):
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/news/%d", &i); err != nil || i >= len(stories) {
			http.NotFound(w, r)
			return
		}
		body = fmt.Sprintf(`<html><head><title>%s</title><meta property="og:site_name" content="Harbour Gazette"></head><body><article>%s</article></body></html>`, stories[i], storyText(i, stories[i]))
		ctype = "text/html; charset=utf-8"
	default:
		http.NotFound(w, r) // robots.txt too: everything allowed
		return
	}
	sum := sha256.Sum256([]byte(body))
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sum[:8]))
	w.Header().Set("Content-Type", ctype)
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(body)) // answers If-None-Match with 304
}

func TestIngestFeed(t *testing.T) {
	needModel(t)
	site := newNewsSite(t, "Port reopens after storm", "Ferry strike ends", "Council approves new bridge")
	feed := site.URL + "/feed.xml"
	dir := t.TempDir()
	code, stdout, stderr := newsrag(t, dir, "ingest", feed)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "3 articles") || !strings.Contains(stdout, "Fetched 4, not modified 0, failed 0") {
		t.Errorf("first ingest: %s", stdout)
	}

	// Nothing changed: one 304, nothing embedded.
	code, stdout, stderr = newsrag(t, dir, "ingest", feed)
	if code != 0 || !strings.Contains(stdout, "3 unchanged; 0 chunks embedded") || !strings.Contains(stdout, "Fetched 0, not modified 1") {
		t.Errorf("unchanged re-ingest: exit %d: %s%s", code, stdout, stderr)
	}
	if site.requests("/news/0") != 1 {
		t.Errorf("story pages fetched %d times, want once", site.requests("/news/0"))
	}

	// A new story: the feed and its page are fetched, only it is embedded.
	site.add("Museum opens harbour wing")
	code, stdout, _ = newsrag(t, dir, "ingest", feed)
	if code != 0 || !strings.Contains(stdout, "1 added, 0 updated, 0 removed, 3 unchanged") {
		t.Errorf("ingest with a new story: %s", stdout)
	}

	code, stdout, _ = newsrag(t, dir, "search", "--json", "museum harbour wing")
	if code != 0 || !strings.Contains(stdout, `"outlet": "Harbour Gazette"`) || !strings.Contains(stdout, site.URL+"/news/3") {
		t.Errorf("search: %s", stdout)
	}

	// Another outlet's copy of a story is kept as an alternate, and the
	// answer says where else the story was published.
	code, stdout, stderr = newsrag(t, dir, "ingest", feed, site.URL+"/syndicated.xml")
	if code != 0 || !strings.Contains(stdout, "4 articles") || !strings.Contains(stdout, "1 duplicates kept as alternates") {
		t.Errorf("ingest with a syndicated copy: exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, _ = newsrag(t, dir, "ask", "Did the port reopen after the storm?")
	if code != 0 || !strings.Contains(stdout, "also published by Metro Times") {
		t.Errorf("ask: %s", stdout)
	}
}

func TestServeRefreshesFeed(t *testing.T) {
	needModel(t)
	site := newNewsSite(t, "Port reopens after storm", "Ferry strike ends")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("NEWSRAG_SOURCES", site.URL+"/feed.xml")
	t.Setenv("NEWSRAG_REFRESH", "200ms")
	t.Setenv("NEWSRAG_DATA_DIR", t.TempDir())
	t.Setenv("NEWSRAG_RATE_LIMIT", "-1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", addr}, io.Discard, io.Discard) }()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	}()

	articles := func() []string {
		resp, err := http.Get("http://" + addr + "/api/articles")
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		var out struct {
			Articles []struct{ Title, Outlet, URL string }
		}
		json.NewDecoder(resp.Body).Decode(&out)
		var titles []string
		for _, a := range out.Articles {
			titles = append(titles, a.Title)
		}
		return titles
	}
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for len(articles()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("after 30 s the server has %d articles, want %d", len(articles()), n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor(2) // the first index, built at start
	site.add("Council approves new bridge")
	waitFor(3) // picked up by a refresh, swapped in while serving

	// The API shows each article's outlet, date and original URL; the ID
	// (the URL without its scheme) names it.
	id := strings.TrimPrefix(site.URL, "http://") + "/news/2"
	resp, err := http.Get("http://" + addr + "/api/articles/" + id)
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Title, Outlet, URL string
		Published          time.Time
	}
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || a.Title != "Council approves new bridge" || a.Outlet != "Harbour Gazette" ||
		a.URL != site.URL+"/news/2" || !a.Published.Equal(time.Date(2025, 10, 3, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("GET /api/articles/%s: %d %+v", id, resp.StatusCode, a)
	}

	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The first refresh may run while the first index is still being
	// built, so counts vary; each must be there, and nothing failed.
	for _, want := range []string{
		`newsrag_refresh_articles_total\{outcome="added"\} [1-9]`,
		`newsrag_refresh_runs_total\{result="ok"\} [1-9]`,
		`newsrag_refresh_fetches_total\{outcome="fetched"\} [1-9]`,
		`newsrag_refresh_fetches_total\{outcome="failed"\} 0\n`,
		`newsrag_refresh_runs_total\{result="error"\} 0\n`,
	} {
		if !regexp.MustCompile(want).Match(metrics) {
			t.Errorf("/metrics lacks %s\n%s", want, grepLines(string(metrics), "newsrag_refresh"))
		}
	}
}

// grepLines returns the lines of s that contain substr.
func grepLines(s, substr string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// BenchmarkRefreshUnchangedFeed100 measures serve's refresh of a
// 100-entry feed that has not changed: one conditional request (a 304),
// the articles given back from the index, and an ingest that finds
// nothing to do.
func BenchmarkRefreshUnchangedFeed100(b *testing.B) {
	needModel(b)
	var headlines []string
	for i := range 100 {
		headlines = append(headlines, fmt.Sprintf("Story %d from the harbour", i))
	}
	site := newNewsSite(b, headlines...)
	b.Setenv("NEWSRAG_DATA_DIR", b.TempDir())
	b.Setenv("NEWSRAG_SOURCES", site.URL+"/feed.xml")
	s, err := loadSettings()
	if err != nil {
		b.Fatal(err)
	}
	log := s.logger(io.Discard)
	e, err := s.engine(context.Background(), io.Discard, log, false)
	if err != nil {
		b.Fatal(err)
	}
	refresh := refresher(s, e, s.loader(log, nil))
	if st, err := refresh(context.Background()); err != nil || st.Added != 100 {
		b.Fatalf("first refresh: %+v %v", st, err)
	}
	feedRequests := site.requests("/feed.xml")
	b.ResetTimer()
	for b.Loop() {
		st, err := refresh(context.Background())
		if err != nil || st.NotModified != 1 || st.Unchanged != 100 || st.Fetched != 0 {
			b.Fatalf("%+v %v", st, err)
		}
	}
	b.StopTimer()
	if got := site.requests("/feed.xml") - feedRequests; got != b.N {
		b.Errorf("%d feed requests for %d refreshes", got, b.N)
	}
}
