package web

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestHead(t *testing.T) {
	f := newFake()
	notReady := newFake()
	notReady.ready = false
	for _, tc := range []struct {
		name   string
		p      *fakePipeline
		path   string
		status int
		ctype  string
	}{
		{"page", f, "/", 200, "text/html"},
		{"static", f, "/static/app.js", 200, "text/javascript"},
		{"favicon", f, "/static/favicon.svg", 200, "image/svg+xml"},
		{"healthz", f, "/healthz", 200, "application/json"},
		{"readyz", f, "/readyz", 200, "application/json"},
		{"readyz not ready", notReady, "/readyz", 503, "application/json"},
		{"missing file", f, "/static/nope.js", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := serve(t, newTestServer(t, tc.p, Config{}))
			req, err := http.NewRequest(http.MethodHead, base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Encoding", "gzip") // as browsers send it
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) {
				t.Errorf("HEAD %s: %d %q, want %d %q", tc.path, res.StatusCode, res.Header.Get("Content-Type"), tc.status, tc.ctype)
			}
			if len(body) != 0 {
				t.Errorf("HEAD %s sent a body of %d bytes", tc.path, len(body))
			}
			if tc.status == 200 && strings.HasPrefix(tc.path, "/static/") && res.ContentLength <= 0 {
				t.Errorf("HEAD %s: Content-Length %d", tc.path, res.ContentLength)
			}
			get, err := http.Get(base + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			get.Body.Close()
			if get.StatusCode != res.StatusCode {
				t.Errorf("GET %s: %d, HEAD: %d", tc.path, get.StatusCode, res.StatusCode)
			}
		})
	}
}

func TestGzip(t *testing.T) {
	s := newTestServer(t, newFake(), Config{})
	h := s.Handler()
	gz := map[string]string{"Accept-Encoding": "gzip"}
	for _, tc := range []struct {
		name    string
		req     request
		gzipped bool
	}{
		{"page", request{method: "GET", path: "/", header: gz}, true},
		{"script", request{method: "GET", path: "/static/app.js", header: gz}, true},
		{"stylesheet", request{method: "GET", path: "/static/style.css", header: gz}, true},
		{"API JSON", request{method: "GET", path: "/api/openapi.json", header: gz}, true},
		{"answer stream", request{method: "POST", path: "/api/ask/stream", body: `{"question":"q"}`, header: gz}, true},
		{"client without gzip", request{method: "GET", path: "/static/app.js"}, false},
		{"tiny body", request{method: "GET", path: "/healthz", header: gz}, false},
		{"range request", request{method: "GET", path: "/static/app.js",
			header: map[string]string{"Accept-Encoding": "gzip", "Range": "bytes=0-9"}}, false},
		{"not modified", request{method: "GET", path: "/static/app.js",
			header: map[string]string{"Accept-Encoding": "gzip", "If-None-Match": staticETag(t, h, "/static/app.js")}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, tc.req)
			if rec.Code >= 400 {
				t.Fatalf("status %d", rec.Code)
			}
			enc := rec.Header().Get("Content-Encoding")
			if (enc == "gzip") != tc.gzipped {
				t.Fatalf("Content-Encoding %q, want gzipped=%v", enc, tc.gzipped)
			}
			if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") && tc.req.header["Range"] == "" {
				t.Errorf("Vary %q lacks Accept-Encoding", rec.Header().Get("Vary"))
			}
			if !tc.gzipped {
				return
			}
			plain := do(t, h, request{method: tc.req.method, path: tc.req.path, body: tc.req.body})
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("decompressing: %v", err)
			}
			if tc.req.path == "/api/ask/stream" { // two answers differ only in timings
				if names(parseEvents(t, got)) != names(parseEvents(t, plain.Body.Bytes())) {
					t.Errorf("events %s, uncompressed %s", names(parseEvents(t, got)), names(parseEvents(t, plain.Body.Bytes())))
				}
			} else if string(got) != plain.Body.String() {
				t.Errorf("decompressed body differs from the uncompressed response")
			}
			if rec.Body.Len() >= plain.Body.Len() && plain.Body.Len() > 2000 {
				t.Errorf("compressed %d bytes, uncompressed %d", rec.Body.Len(), plain.Body.Len())
			}
		})
	}
	// Prometheus compresses /metrics itself: it must not be compressed twice.
	rec := do(t, h, request{method: "GET", path: "/metrics", header: gz})
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	if got, _ := io.ReadAll(zr); !strings.Contains(string(got), "# HELP") {
		t.Errorf("/metrics decompressed once is not the metrics text: %.40q", got)
	}
}

func staticETag(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	return do(t, h, request{method: "GET", path: path}).Header().Get("ETag")
}

// TestGzipStreamFlushesEachEvent reads a compressed answer stream over a
// real connection while the answer is still being written: each event must
// arrive when it is sent, not when the response ends.
func TestGzipStreamFlushesEachEvent(t *testing.T) {
	f := newFake()
	f.block = true // after its tokens, the answer waits until the client leaves
	base := serve(t, newTestServer(t, f, Config{}))
	req, err := http.NewRequest("POST", base+"/api/ask/stream", strings.NewReader(`{"question":"q"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport then leaves the body compressed
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if enc := res.Header.Get("Content-Encoding"); enc != "gzip" {
		t.Fatalf("Content-Encoding %q", enc)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				got <- name
			}
		}
		close(got)
	}()
	for _, want := range []string{"sources", "token", "token", "token"} {
		select {
		case name := <-got:
			if name != want {
				t.Fatalf("event %q, want %q", name, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %q not received while the stream is open: not flushed", want)
		}
	}
}
