package source

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// site is a local news site for the tests: feeds, article pages and
// robots.txt from testdata, plus pages that misbehave. It counts the
// requests it serves.
type site struct {
	*httptest.Server
	t testing.TB

	mu          sync.Mutex
	files       map[string]string // path → body, BASE replaced by the site's URL
	hits        map[string]int    // path → requests served
	agents      map[string]bool   // User-Agent headers seen
	inflight    int
	maxInflight int
	pageDelay   time.Duration // added to every /gen/ page
}

// fixtures maps the site's paths to testdata files.
var fixtures = map[string]string{
	"/robots.txt":         "robots.txt",
	"/rss.xml":            "rss.xml",
	"/atom.xml":           "atom.xml",
	"/feed.json":          "feed.json",
	"/story/saratov":      "jsonld.html",
	"/story/air-defence":  "og.html",
	"/metro/saratov-copy": "syndicated.html",
	"/private/briefing":   "og.html",
}

func newSite(t testing.TB) *site {
	s := &site{t: t, files: map[string]string{}, hits: map[string]int{}, agents: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	for path, name := range fixtures {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		s.files[path] = strings.ReplaceAll(string(data), "BASE", s.URL)
	}
	return s
}

// set replaces (or adds) the body served at path.
func (s *site) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = strings.ReplaceAll(body, "BASE", s.URL)
}

// requests returns how many requests path got.
func (s *site) requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// total returns how many requests the site got, robots.txt excluded.
func (s *site) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, h := range s.hits {
		if p != "/robots.txt" {
			n += h
		}
	}
	return n
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.agents[r.UserAgent()] = true
	body, ok := s.files[r.URL.Path]
	delay := s.pageDelay
	s.mu.Unlock()

	switch {
	case r.URL.Path == "/story/slow":
		select { // slower than the client's timeout
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
		return
	case r.URL.Path == "/story/huge":
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><p>"))
		w.(http.Flusher).Flush() // no Content-Length: the limit must hold while reading
		w.Write([]byte(strings.Repeat("word ", 400_000)))
		return
	case r.URL.Path == "/moved":
		http.Redirect(w, r, "/private/briefing", http.StatusMovedPermanently)
		return
	case r.URL.Path == "/story/loop":
		http.Redirect(w, r, "/story/loop-again", http.StatusFound)
		return
	case r.URL.Path == "/story/loop-again":
		http.Redirect(w, r, "/story/loop", http.StatusFound)
		return
	case strings.HasPrefix(r.URL.Path, "/gen/"):
		// In flight from now until just before the response is written:
		// the client cannot start its next request in between, so the
		// count is exact.
		s.mu.Lock()
		s.inflight++
		s.maxInflight = max(s.maxInflight, s.inflight)
		s.mu.Unlock()
		time.Sleep(delay)
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
	case !ok:
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256([]byte(body))
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sum[:8]))
	switch {
	case strings.HasSuffix(r.URL.Path, ".xml"):
		w.Header().Set("Content-Type", "application/xml")
	case strings.HasSuffix(r.URL.Path, ".json"):
		w.Header().Set("Content-Type", "application/feed+json")
	case strings.HasSuffix(r.URL.Path, ".txt"):
		w.Header().Set("Content-Type", "text/plain")
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(body)) // answers If-None-Match with 304
}

// words are the vocabulary of generated stories.
var words = strings.Fields(`council mayor vote budget river bridge school hospital strike talks minister
	harbour railway election court police farmers market energy prices winter drought flood storm
	museum festival league stadium airport tunnel factory union wages taxes housing rent tram port`)

// prose returns a paragraph of 40 words, different for every seed.
func prose(seed int) string {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	out := make([]string, 40)
	for i := range out {
		out[i] = words[rng.IntN(len(words))]
	}
	return strings.Join(out, " ") + "."
}

// bigFeed adds an RSS feed of n entries at /gen/feed.xml, each with its
// own page, and returns its URL.
func (s *site) bigFeed(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Generated</title><link>BASE/</link><description>d</description>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Story %d</title><link>BASE/gen/story-%d</link><pubDate>Mon, 20 Oct 2025 09:%02d:00 GMT</pubDate></item>`, i, i, i%60)
		s.set(fmt.Sprintf("/gen/story-%d", i), fmt.Sprintf(`<html><head><meta property="og:site_name" content="Generated"></head><body><article><p>%s</p><p>%s</p></article></body></html>`, prose(2*i), prose(2*i+1)))
	}
	b.WriteString(`</channel></rss>`)
	s.set("/gen/feed.xml", b.String())
	return s.URL + "/gen/feed.xml"
}
