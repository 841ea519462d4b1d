package web

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/newsrag/newsrag/rag"
)

// TestPageNamesFaviconOnce: the page links its icon once; the header's logo
// is inline SVG, so browsers fetch the file once, not once as icon and
// again as image.
func TestPageNamesFaviconOnce(t *testing.T) {
	rec := do(t, newTestServer(t, newFake(), Config{}).Handler(), request{method: "GET", path: "/"})
	if n := strings.Count(rec.Body.String(), "favicon.svg"); n != 1 {
		t.Errorf("the page names favicon.svg %d times, want 1", n)
	}
}

// TestPageCitationPatternMatchesServer keeps the page's citation marker
// pattern equal to the server's, so "[ 2 ]" is a citation on both sides.
func TestPageCitationPatternMatchesServer(t *testing.T) {
	js, err := os.ReadFile("static/render.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("const MARKER = String.raw`([^`]*)`;").FindSubmatch(js)
	if m == nil {
		t.Fatal("render.js defines no MARKER pattern")
	}
	if got := string(m[1]); got != rag.CitationPattern {
		t.Errorf("render.js MARKER = %s, rag.CitationPattern = %s", got, rag.CitationPattern)
	}
	// Any other spelling of a marker (an escaped "[" before a digit class).
	if n := len(regexp.MustCompile(`\\\[\(?(\\s\*)?\\d`).FindAll(js, -1)); n != 1 {
		t.Errorf("render.js spells a citation pattern %d times; want once (MARKER)", n)
	}
}
