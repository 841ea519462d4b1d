package web

import (
	"strings"
	"testing"
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
