package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/rag"
)

func TestMain(m *testing.M) {
	// Every test must leave no goroutine behind: handlers, heartbeats,
	// pipelines and servers all end with their request or server.
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if defaultDir != "" {
			os.RemoveAll(defaultDir)
		}
	}))
}

func TestAsk(t *testing.T) {
	f := newFake()
	s := newTestServer(t, f, Config{})
	rec := do(t, s.Handler(), request{method: "POST", path: "/api/ask",
		body: `{"question":"What happened at the airport?","k":3,"filters":{"outlet":"BBC","from":"2021-08-01","to":"2021-08-31"},` +
			`"history":[{"role":"user","content":"Tell me about Kabul"},{"role":"assistant","content":"It fell [1]."}]}`})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var a rag.Answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if a.Answer != "Crowds gathered at the airport [1]." || len(a.Citations) != 1 || a.Mode != rag.ModeExtracted {
		t.Errorf("answer = %+v", a)
	}
	got := f.last
	if got.K != 3 || got.Filters.Outlet != "BBC" || got.Filters.From != time.Date(2021, 8, 1, 0, 0, 0, 0, time.UTC) ||
		!got.Filters.To.After(time.Date(2021, 8, 31, 23, 0, 0, 0, time.UTC)) || len(got.History) != 2 {
		t.Errorf("pipeline got %+v", got)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if rec.Header().Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

func TestAskStreamEventOrder(t *testing.T) {
	f := newFake()
	s := newTestServer(t, f, Config{})
	rec := do(t, s.Handler(), request{method: "POST", path: "/api/ask/stream", body: `{"question":"airport?"}`})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type %q", ct)
	}
	if !rec.Flushed {
		t.Error("stream was never flushed")
	}
	evs := parseEvents(t, rec.Body.Bytes())
	if got, want := names(evs), "sources,token,token,token,done"; got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
	var src sourcesEvent
	if err := json.Unmarshal([]byte(evs[0].data), &src); err != nil || len(src.Passages) != 1 || src.Passages[0].ArticleID != "world/kabul" {
		t.Errorf("sources %s (%v)", evs[0].data, err)
	}
	var text strings.Builder
	for _, e := range evs[1:4] {
		var tok tokenEvent
		if err := json.Unmarshal([]byte(e.data), &tok); err != nil {
			t.Fatal(err)
		}
		text.WriteString(tok.Text)
	}
	var done rag.Answer
	if err := json.Unmarshal([]byte(evs[4].data), &done); err != nil {
		t.Fatal(err)
	}
	if text.String() != done.Answer || len(done.Citations) != 1 {
		t.Errorf("tokens %q, done %+v", text.String(), done)
	}
}

func TestAskStreamFailures(t *testing.T) {
	llm := func(status int, timeout bool) error {
		return fmt.Errorf("generating: %w", &rag.LLMError{Provider: "openai", Status: status, Timeout: timeout, Err: errors.New("provider says no")})
	}
	tests := []struct {
		name       string
		setup      func(*fakePipeline)
		events     string // "" when the answer is a JSON error
		status     int
		code       string
		msgContain string
	}{
		{"mid-stream 500", func(f *fakePipeline) { f.failAfter, f.failErr = 2, llm(500, false) },
			"sources,token,token,error", 502, CodeLLMFailed, "provider says no"},
		{"mid-stream timeout", func(f *fakePipeline) { f.failAfter, f.failErr = 1, llm(0, true) },
			"sources,token,error", 504, CodeTimeout, "timed out"},
		{"429 before first token", func(f *fakePipeline) { f.failAfter, f.failErr = 0, llm(429, false) },
			"sources,error", 503, CodeLLMUnavailable, "status 429"},
		{"unreachable", func(f *fakePipeline) { f.failAfter, f.failErr = 0, llm(0, false) },
			"sources,error", 502, CodeLLMFailed, "provider says no"},
		{"not ready before sources", func(f *fakePipeline) { f.errBefore = fmt.Errorf("ask: %w", rag.ErrNotReady) },
			"", 503, CodeNotReady, "still being built"},
		{"bad request from pipeline", func(f *fakePipeline) { f.errBefore = fmt.Errorf("%w: bad filter", rag.ErrBadRequest) },
			"", 400, CodeBadRequest, "bad filter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			tt.setup(f)
			s := newTestServer(t, f, Config{})
			rec := do(t, s.Handler(), request{method: "POST", path: "/api/ask/stream", body: `{"question":"q"}`})
			var d ErrorDetail
			if tt.events == "" {
				if rec.Code != tt.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
				}
				d = errorOf(t, rec)
			} else {
				evs := parseEvents(t, rec.Body.Bytes())
				if got := names(evs); got != tt.events {
					t.Fatalf("events %s, want %s", got, tt.events)
				}
				var b ErrorBody
				if err := json.Unmarshal([]byte(evs[len(evs)-1].data), &b); err != nil {
					t.Fatal(err)
				}
				d = b.Error
				if d.Status != tt.status {
					t.Errorf("status %d, want %d", d.Status, tt.status)
				}
			}
			if d.Code != tt.code || !strings.Contains(d.Message, tt.msgContain) {
				t.Errorf("error %+v, want code %s with %q", d, tt.code, tt.msgContain)
			}
		})
	}
}

// TestAskErrors checks how each pipeline error maps to a status and code.
func TestAskErrors(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("x: %w", rag.ErrBadRequest), 400, CodeBadRequest},
		{fmt.Errorf("x: %w", rag.ErrNotFound), 404, CodeNotFound},
		{fmt.Errorf("x: %w", rag.ErrNotReady), 503, CodeNotReady},
		{&rag.LLMError{Provider: "p", Timeout: true, Err: context.DeadlineExceeded}, 504, CodeTimeout},
		{&rag.LLMError{Provider: "p", Status: 429, Err: errors.New("slow down")}, 503, CodeLLMUnavailable},
		{&rag.LLMError{Provider: "p", Status: 503, Err: errors.New("overloaded")}, 503, CodeLLMUnavailable},
		{&rag.LLMError{Provider: "p", Status: 401, Err: errors.New("bad key")}, 502, CodeLLMFailed},
		{&rag.LLMError{Provider: "p", Status: 500, Err: errors.New("boom")}, 502, CodeLLMFailed},
		{&rag.LLMError{Provider: "p", Err: errors.New("connection refused")}, 502, CodeLLMFailed},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), 504, CodeTimeout},
		{errors.New("disk on fire"), 500, CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			f := newFake()
			f.errBefore = tt.err
			s := newTestServer(t, f, Config{})
			for _, path := range []string{"/api/ask", "/api/ask/stream"} {
				rec := do(t, s.Handler(), request{method: "POST", path: path, body: `{"question":"q"}`})
				if rec.Code != tt.status {
					t.Fatalf("%s: status %d, want %d: %s", path, rec.Code, tt.status, rec.Body)
				}
				d := errorOf(t, rec)
				if d.Code != tt.code {
					t.Errorf("%s: code %s, want %s", path, d.Code, tt.code)
				}
				if tt.status == 500 && (strings.Contains(d.Message, "disk") || !strings.Contains(d.Message, rec.Header().Get("X-Request-Id"))) {
					t.Errorf("internal error message %q leaks the cause or lacks the request ID", d.Message)
				}
				if tt.status == 503 && rec.Header().Get("Retry-After") == "" {
					t.Error("503 without Retry-After")
				}
			}
		})
	}
}

// TestBadInput covers each bad input of issue 6; none may reach the pipeline.
func TestBadInput(t *testing.T) {
	long := strings.Repeat("é", rag.MaxQuestionRunes+1)
	tests := []struct {
		name   string
		req    request
		status int
		want   string // in the message
	}{
		{"empty question", request{method: "POST", path: "/api/ask", body: `{"question":""}`}, 400, "empty"},
		{"white space question", request{method: "POST", path: "/api/ask", body: `{"question":"  \n\t "}`}, 400, "empty"},
		{"question too long", request{method: "POST", path: "/api/ask", body: `{"question":"` + long + `"}`}, 400, "2000"},
		{"k too big", request{method: "POST", path: "/api/ask", body: `{"question":"q","k":51}`}, 400, "k must be between 1 and 50"},
		{"k negative", request{method: "POST", path: "/api/ask", body: `{"question":"q","k":-1}`}, 400, "k must be"},
		{"k not an integer", request{method: "POST", path: "/api/ask", body: `{"question":"q","k":2.5}`}, 400, `"k" must be an integer`},
		{"k a string", request{method: "POST", path: "/api/ask", body: `{"question":"q","k":"3"}`}, 400, `"k" must be an integer`},
		{"question a number", request{method: "POST", path: "/api/ask", body: `{"question":5}`}, 400, `"question" must be a string`},
		{"body an array", request{method: "POST", path: "/api/ask", body: `["q"]`}, 400, "must be a JSON object"},
		{"malformed JSON", request{method: "POST", path: "/api/ask", body: `{"question":"q"`}, 400, "malformed JSON"},
		{"malformed JSON syntax", request{method: "POST", path: "/api/ask", body: `{"question" "q"}`}, 400, "malformed JSON at byte"},
		{"trailing data", request{method: "POST", path: "/api/ask", body: `{"question":"q"} {}`}, 400, "after the JSON object"},
		{"unknown field", request{method: "POST", path: "/api/ask", body: `{"question":"q","filter":{}}`}, 400, `unknown field "filter"`},
		{"empty body", request{method: "POST", path: "/api/ask", header: map[string]string{"Content-Type": "application/json"}}, 400, "empty"},
		{"invalid UTF-8", request{method: "POST", path: "/api/ask", body: "{\"question\":\"caf\xe9\"}"}, 400, "UTF-8"},
		{"bad date", request{method: "POST", path: "/api/ask", body: `{"question":"q","filters":{"from":"yesterday"}}`}, 400, "not a date"},
		{"bad date format", request{method: "POST", path: "/api/ask", body: `{"question":"q","filters":{"to":"2025-13-45"}}`}, 400, "not a date"},
		{"to before from", request{method: "POST", path: "/api/ask", body: `{"question":"q","filters":{"from":"2025-02-01","to":"2025-01-01"}}`}, 400, "before"},
		{"bad history role", request{method: "POST", path: "/api/ask", body: `{"question":"q","history":[{"role":"system","content":"x"}]}`}, 400, "role"},
		{"too much history", request{method: "POST", path: "/api/ask", body: `{"question":"q","history":[` +
			strings.Repeat(`{"role":"user","content":"x"},`, rag.MaxHistory) + `{"role":"user","content":"x"}]}`}, 400, "history"},
		{"body over limit", request{method: "POST", path: "/api/ask", body: `{"question":"` + strings.Repeat("a", 300<<10) + `"}`}, 413, "too large"},
		{"form content type", request{method: "POST", path: "/api/ask", body: `{"question":"q"}`, header: map[string]string{"Content-Type": "text/plain"}}, 415, "application/json"},
		{"no content type", request{method: "POST", path: "/api/ask", body: `{"question":"q"}`, header: map[string]string{"Content-Type": ""}}, 415, "Content-Type"},
		{"stream: empty question", request{method: "POST", path: "/api/ask/stream", body: `{"question":" "}`}, 400, "empty"},
		{"stream: malformed", request{method: "POST", path: "/api/ask/stream", body: `{`}, 400, "malformed"},
		{"search: no q", request{method: "GET", path: "/api/search"}, 400, "empty"},
		{"search: k=0", request{method: "GET", path: "/api/search?q=x&k=0"}, 400, "k must be between"},
		{"search: k=abc", request{method: "GET", path: "/api/search?q=x&k=abc"}, 400, "integer"},
		{"search: k=51", request{method: "GET", path: "/api/search?q=x&k=51"}, 400, "k must be between"},
		{"search: bad from", request{method: "GET", path: "/api/search?q=x&from=tomorrow"}, 400, "not a date"},
		{"search: invalid UTF-8", request{method: "GET", path: "/api/search?q=caf%E9"}, 400, "UTF-8"},
		{"search: too long", request{method: "GET", path: "/api/search?q=" + strings.Repeat("a", 2001)}, 400, "2000"},
		{"unknown article", request{method: "GET", path: "/api/articles/nope"}, 404, "nope"},
		{"path-like article", request{method: "GET", path: "/api/articles/../etc/passwd"}, 404, "no article"},
		{"encoded path-like article", request{method: "GET", path: "/api/articles/%2e%2e/%2e%2e/etc/passwd"}, 404, "no article"},
		{"encoded slash dotdot", request{method: "GET", path: "/api/articles/world%2F..%2F..%2Fetc%2Fpasswd"}, 404, "no article"},
		{"absolute article", request{method: "GET", path: "/api/articles//etc/passwd"}, 404, "no article"},
		{"backslash article", request{method: "GET", path: `/api/articles/..%5c..%5cwin.ini`}, 404, "no article"},
		{"unknown route", request{method: "GET", path: "/api/nope"}, 404, "no such"},
		{"wrong method", request{method: "GET", path: "/api/ask"}, 405, "Method Not Allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			s := newTestServer(t, f, Config{})
			rec := do(t, s.Handler(), tt.req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			d := errorOf(t, rec)
			if !strings.Contains(d.Message, tt.want) {
				t.Errorf("message %q lacks %q", d.Message, tt.want)
			}
			if f.asks.Load() != 0 || f.searches.Load() != 0 {
				t.Error("the bad request reached the pipeline")
			}
		})
	}
}

func TestSearch(t *testing.T) {
	s := newTestServer(t, newFake(), Config{})
	rec := do(t, s.Handler(), request{method: "GET", path: "/api/search?q=airport&k=5&outlet=BBC&from=2021-01-01"})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var res SearchResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Query != "airport" || len(res.Passages) != 1 || res.Passages[0].Score != 0.9 || res.Note != "" {
		t.Errorf("search = %+v", res)
	}
}

func TestSearchNoArticlePassesTheFilters(t *testing.T) {
	f := newFake()
	f.passages, f.filterMiss = nil, `No article in the corpus matches the filters (outlet "Nobody"). Its outlets: "BBC".`
	s := newTestServer(t, f, Config{})
	for _, tt := range []struct{ path, note string }{
		{"/api/search?q=airport&outlet=Nobody", f.filterMiss},
		{"/api/search?q=airport", ""}, // nothing found, no filters: no note
	} {
		rec := do(t, s.Handler(), request{method: "GET", path: tt.path})
		var res SearchResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &res); rec.Code != http.StatusOK || err != nil {
			t.Fatalf("%s: status %d, %v: %s", tt.path, rec.Code, err, rec.Body)
		}
		if res.Passages == nil || len(res.Passages) != 0 || res.Note != tt.note {
			t.Errorf("%s: passages %v, note %q; want [] and %q", tt.path, res.Passages, res.Note, tt.note)
		}
		if tt.note == "" && strings.Contains(rec.Body.String(), `"note"`) {
			t.Errorf("%s: an empty note is in the body: %s", tt.path, rec.Body)
		}
	}
}

func TestArticles(t *testing.T) {
	s := newTestServer(t, newFake(), Config{})
	rec := do(t, s.Handler(), request{method: "GET", path: "/api/articles"})
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "Crowds") || strings.Contains(rec.Body.String(), `"text"`) {
		t.Errorf("article list includes text: %s", rec.Body)
	}
	var list ArticlesResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Articles) != 2 || list.Articles[0].Length == 0 {
		t.Fatalf("list = %+v (%v)", list, err)
	}
	for _, id := range []string{"world/kabul", "ukraine-drones", "world%2Fkabul"} {
		rec := do(t, s.Handler(), request{method: "GET", path: "/api/articles/" + id})
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", id, rec.Code, rec.Body)
		}
		var a struct{ ID, Text string }
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.Text == "" {
			t.Errorf("%s: %s", id, rec.Body)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	f := newFake()
	f.ready = false
	s := newTestServer(t, f, Config{})
	if rec := do(t, s.Handler(), request{method: "GET", path: "/healthz"}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Errorf("healthz %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, s.Handler(), request{method: "GET", path: "/readyz"}); rec.Code != 503 || !strings.Contains(rec.Body.String(), "not_ready") {
		t.Errorf("readyz before ready: %d %s", rec.Code, rec.Body)
	}
	f.ready = true
	if rec := do(t, s.Handler(), request{method: "GET", path: "/readyz"}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"articles":2`) {
		t.Errorf("readyz when ready: %d %s", rec.Code, rec.Body)
	}
}

func TestMetrics(t *testing.T) {
	s := newTestServer(t, newFake(), Config{})
	h := s.Handler()
	do(t, h, request{method: "POST", path: "/api/ask/stream", body: `{"question":"q"}`})
	do(t, h, request{method: "POST", path: "/api/ask", body: `{"question":""}`})
	do(t, h, request{method: "GET", path: "/api/search?q=x"})
	do(t, h, request{method: "GET", path: "/no/such/thing/12345"})
	rec := do(t, h, request{method: "GET", path: "/metrics"})
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`newsrag_http_requests_total{code="200",method="POST",route="/api/ask/stream"} 1`,
		`newsrag_http_requests_total{code="400",method="POST",route="/api/ask"} 1`,
		`newsrag_http_requests_total{code="404",method="GET",route="other"} 1`,
		`newsrag_http_request_duration_seconds_bucket{code="200",method="GET",route="/api/search"`,
		`newsrag_retrieval_duration_seconds_count 2`,
		`newsrag_generation_duration_seconds_count{mode="extracted"} 1`,
		`newsrag_tokens_streamed_total 3`,
		`newsrag_index_articles 2`,
		`newsrag_index_chunks 3`,
		`newsrag_index_bytes 1234`,
		`newsrag_ready 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "12345") {
		t.Error("an unmatched path became a label value")
	}
}

func TestPanicRecovers(t *testing.T) {
	f := newFake()
	f.panicMsg = "kaboom"
	s := newTestServer(t, f, Config{})
	rec := do(t, s.Handler(), request{method: "POST", path: "/api/ask", body: `{"question":"q"}`})
	if rec.Code != 500 || errorOf(t, rec).Code != CodeInternal || strings.Contains(rec.Body.String(), "kaboom") {
		t.Errorf("panic: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, s.Handler(), request{method: "GET", path: "/healthz"}); rec.Code != 200 {
		t.Error("server unusable after a panic")
	}
}

func TestRequestTimeout(t *testing.T) {
	f := newFake()
	f.tokenDelay = 40 * time.Millisecond // 3 tokens: 120 ms, beyond the timeout
	s := newTestServer(t, f, Config{RequestTimeout: 60 * time.Millisecond})
	rec := do(t, s.Handler(), request{method: "POST", path: "/api/ask", body: `{"question":"q"}`})
	if rec.Code != http.StatusGatewayTimeout || errorOf(t, rec).Code != CodeTimeout {
		t.Errorf("ask: %d %s", rec.Code, rec.Body)
	}
	// Streams are not cut by RequestTimeout.
	rec = do(t, s.Handler(), request{method: "POST", path: "/api/ask/stream", body: `{"question":"q"}`})
	if got := names(parseEvents(t, rec.Body.Bytes())); got != "sources,token,token,token,done" {
		t.Errorf("stream events %s", got)
	}
	// But by StreamTimeout: one token at once, then nothing until the
	// deadline (no race with the clock on a loaded machine).
	f = newFake()
	f.tokens, f.block = f.tokens[:1], true
	s = newTestServer(t, f, Config{StreamTimeout: 60 * time.Millisecond})
	rec = do(t, s.Handler(), request{method: "POST", path: "/api/ask/stream", body: `{"question":"q"}`})
	evs := parseEvents(t, rec.Body.Bytes())
	if got := names(evs); got != "sources,token,error" || !strings.Contains(evs[2].data, CodeTimeout) {
		t.Errorf("stream events %s: %v", got, evs)
	}
}

func TestAnswerSizeLimit(t *testing.T) {
	f := newFake()
	s := newTestServer(t, f, Config{MaxAnswerBytes: 12})
	rec := do(t, s.Handler(), request{method: "POST", path: "/api/ask", body: `{"question":"q"}`})
	if rec.Code != http.StatusBadGateway || errorOf(t, rec).Code != CodeAnswerTooLarge {
		t.Errorf("ask: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, s.Handler(), request{method: "POST", path: "/api/ask/stream", body: `{"question":"q"}`})
	evs := parseEvents(t, rec.Body.Bytes())
	if got := names(evs); got != "sources,token,error" || !strings.Contains(evs[2].data, CodeAnswerTooLarge) {
		t.Errorf("stream events %s: %v", got, evs)
	}
}

func TestHeartbeat(t *testing.T) {
	f := newFake()
	f.tokenDelay = 30 * time.Millisecond
	s := newTestServer(t, f, Config{HeartbeatInterval: 10 * time.Millisecond})
	rec := do(t, s.Handler(), request{method: "POST", path: "/api/ask/stream", body: `{"question":"q"}`})
	if !strings.Contains(rec.Body.String(), "\n: keep-alive\n\n") {
		t.Errorf("no heartbeat in %q", rec.Body)
	}
	if got := names(parseEvents(t, rec.Body.Bytes())); got != "sources,token,token,token,done" {
		t.Errorf("events %s", got)
	}
}

func TestStaticAndPage(t *testing.T) {
	s := newTestServer(t, newFake(), Config{})
	h := s.Handler()
	rec := do(t, h, request{method: "GET", path: "/"})
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", rec.Code, rec.Header())
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if strings.Contains(strings.ToLower(rec.Body.String()), "<script>") {
		t.Error("the page has an inline script")
	}
	rec = do(t, h, request{method: "GET", path: "/static/app.js"})
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("app.js: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	etag := rec.Header().Get("ETag")
	if rec := do(t, h, request{method: "GET", path: "/static/app.js", header: map[string]string{"If-None-Match": etag}}); rec.Code != 304 {
		t.Errorf("revalidation: %d", rec.Code)
	}
	for _, p := range []string{"/static/", "/static/../server.go", "/static/nope.js", "/static//app.js"} {
		if rec := do(t, h, request{method: "GET", path: p}); rec.Code != 404 {
			t.Errorf("%s: %d", p, rec.Code)
		}
	}
}

// TestArticleURLIDs: articles from the web have their canonical URL,
// without the scheme, as ID; they are found by it (a query string
// escaped), and listed with their alternates.
func TestArticleURLIDs(t *testing.T) {
	f := newFake()
	f.articles = append(f.articles, corpus.Article{
		ID: "news.example:8443/2025/story?id=7", Title: "Story", Outlet: "Wire", URL: "https://news.example:8443/2025/story?id=7",
		Text: "Text.", Alternates: []corpus.Alternate{{ID: "paper.example/copy", Outlet: "Paper", URL: "https://paper.example/copy"}},
	})
	s := newTestServer(t, f, Config{})
	rec := do(t, s.Handler(), request{method: "GET", path: "/api/articles/news.example:8443/2025/story%3Fid=7"})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"alternates":[{"id":"paper.example/copy"`) {
		t.Errorf("status %d: %s", rec.Code, rec.Body)
	}
	rec = do(t, s.Handler(), request{method: "GET", path: "/api/articles"})
	if !strings.Contains(rec.Body.String(), `"outlet":"Paper","url":"https://paper.example/copy"`) {
		t.Errorf("list lacks the alternate: %s", rec.Body)
	}
}
