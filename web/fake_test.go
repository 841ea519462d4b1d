package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/rag"
)

// fakePipeline is a scriptable Pipeline: it streams its tokens, can be
// slow, can fail before the sources or after a number of tokens, and can
// block until its context ends.
type fakePipeline struct {
	ready      bool
	articles   []corpus.Article
	passages   []rag.Passage
	tokens     []string
	answer     *rag.Answer   // returned as is when set
	tokenDelay time.Duration // before each token
	errBefore  error         // returned before any callback
	failAfter  int           // with failErr: fail after this many tokens
	failErr    error
	block      bool // after the tokens, wait for ctx to end
	panicMsg   string
	filterMiss string // what FilterMiss says of any non-empty filters

	asks     atomic.Int32
	searches atomic.Int32
	mu       sync.Mutex
	last     rag.Request
}

func newFake() *fakePipeline {
	text := "Kabul fell to the Taliban on 15 August 2021. Crowds gathered at the airport.\n\n" +
		"Officials in Brussels said the coalition would meet again — “soon”."
	start := strings.Index(text, "Crowds")
	return &fakePipeline{
		ready: true,
		articles: []corpus.Article{
			{ID: "world/kabul", Path: "world/kabul.md", Title: "Taliban enter Kabul", Outlet: "BBC",
				Published: time.Date(2021, 8, 15, 0, 0, 0, 0, time.UTC), Text: text},
			{ID: "ukraine-drones", Path: "ukraine-drones.md", Title: "Drones", Text: "Drones fly."},
		},
		passages: []rag.Passage{
			{N: 1, ChunkID: "world/kabul#0", ArticleID: "world/kabul", Title: "Taliban enter Kabul", Outlet: "BBC",
				Text: "Crowds gathered at the airport.", Start: start, End: start + len("Crowds gathered at the airport."), Score: 0.9},
		},
		tokens:    []string{"Crowds ", "gathered ", "at the airport [1]."},
		failAfter: -1,
	}
}

func (f *fakePipeline) Ask(ctx context.Context, req rag.Request, s rag.Stream) (*rag.Answer, error) {
	f.asks.Add(1)
	f.mu.Lock()
	f.last = req
	f.mu.Unlock()
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	if f.errBefore != nil {
		return nil, f.errBefore
	}
	if s.Sources != nil {
		s.Sources(f.passages)
	}
	var text strings.Builder
	for i, t := range f.tokens {
		if i == f.failAfter {
			return nil, f.failErr
		}
		if f.tokenDelay > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(f.tokenDelay):
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.Token != nil {
			s.Token(t)
		}
		text.WriteString(t)
	}
	if f.block {
		<-ctx.Done()
		return nil, fmt.Errorf("generating: %w", ctx.Err())
	}
	if f.answer != nil {
		return f.answer, nil
	}
	return &rag.Answer{
		Question: req.Question, Answer: text.String(), Answerable: true, Mode: rag.ModeExtracted,
		Citations: []rag.Citation{{N: 1, ArticleID: "world/kabul", Title: "Taliban enter Kabul", Quote: f.passages[0].Text,
			Start: f.passages[0].Start, End: f.passages[0].End}},
		Passages: f.passages, Model: "extractive",
		Timings: rag.Timings{Retrieve: time.Millisecond, Generate: 2 * time.Millisecond, Total: 3 * time.Millisecond},
	}, nil
}

func (f *fakePipeline) Search(ctx context.Context, req rag.Request) (rag.Found, error) {
	f.searches.Add(1)
	if f.errBefore != nil {
		return rag.Found{}, f.errBefore
	}
	if f.block {
		<-ctx.Done()
		return rag.Found{}, ctx.Err()
	}
	found := rag.Found{Passages: f.passages}
	if f.answer != nil {
		found.Corrections = f.answer.Corrections
	}
	return found, nil
}

// FilterMiss returns the scripted filterMiss for non-empty filters.
func (f *fakePipeline) FilterMiss(fl rag.Filters) string {
	if fl.IsZero() {
		return ""
	}
	return f.filterMiss
}

func (f *fakePipeline) Articles() []corpus.Article { return f.articles }

func (f *fakePipeline) Article(id string) (corpus.Article, error) {
	for _, a := range f.articles {
		if a.ID == id {
			return a, nil
		}
	}
	return corpus.Article{}, fmt.Errorf("article %q: %w", id, rag.ErrNotFound)
}

func (f *fakePipeline) Ready() bool { return f.ready }

func (f *fakePipeline) Stats() rag.Stats {
	return rag.Stats{Articles: len(f.articles), Chunks: 3, Embedder: "test", LLM: "extractive", IndexBytes: 1234}
}

// newTestServer returns a Server over p with a silent logger and, unless
// cfg says otherwise, no rate limit.
func newTestServer(t *testing.T, p Pipeline, cfg Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1
	}
	s, err := New(p, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// request is one test request.
type request struct {
	method, path, body string
	header             map[string]string
	remote             string
}

// do serves r through h and returns the recorded response.
func do(t *testing.T, h http.Handler, r request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	if r.remote != "" {
		req.RemoteAddr = r.remote
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// errorOf decodes a JSON error body.
func errorOf(t *testing.T, rec *httptest.ResponseRecorder) ErrorDetail {
	t.Helper()
	var b ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body %q: %v", rec.Body.String(), err)
	}
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("error body %q lacks code or message", rec.Body.String())
	}
	return b.Error
}

// event is one parsed Server-Sent Event.
type event struct {
	name string
	data string
}

// parseEvents splits an SSE body into events, skipping comments.
func parseEvents(t *testing.T, body []byte) []event {
	t.Helper()
	var evs []event
	var cur event
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.name != "" || cur.data != "" {
				evs = append(evs, cur)
			}
			cur = event{}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data += strings.TrimPrefix(line, "data: ")
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	return evs
}

func names(evs []event) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.name)
	}
	return strings.Join(out, ",")
}
