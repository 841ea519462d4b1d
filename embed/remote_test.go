package embed

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeVector is the deterministic, unnormalised vector a fake server
// returns for text.
func fakeVector(text string, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(len(text)+i+1) * 0.5
	}
	return v
}

// fakeServer speaks the OpenAI or Ollama embeddings API. It records the
// batches it receives and answers every request with handle when set.
type fakeServer struct {
	t       *testing.T
	dim     int
	mu      sync.Mutex
	batches [][]string
	auth    []string
	handle  func(w http.ResponseWriter, r *http.Request) bool // true: handled
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.handle != nil && f.handle(w, r) {
		return
	}
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model == "" {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.batches = append(f.batches, req.Input)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	switch r.URL.Path {
	case "/v1/embeddings":
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		// Answer in reverse order: clients must sort by index.
		for i := len(req.Input) - 1; i >= 0; i-- {
			data = append(data, item{"embedding", i, fakeVector(req.Input[i], f.dim)})
		}
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
	case "/api/embed":
		var embs [][]float32
		for _, s := range req.Input {
			embs = append(embs, fakeVector(s, f.dim))
		}
		json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": embs})
	default:
		http.NotFound(w, r)
	}
}

// remoteCase builds one remote embedder against a server URL.
type remoteCase struct {
	name     string
	provider string
	make     func(url string, timeout time.Duration) Embedder
}

var remoteCases = []remoteCase{
	{"openai", ProviderOpenAI, func(url string, timeout time.Duration) Embedder {
		return NewOpenAI(OpenAIConfig{BaseURL: url + "/v1/", Model: "m", BatchSize: 2, Timeout: timeout})
	}},
	{"ollama", ProviderOllama, func(url string, timeout time.Duration) Embedder {
		return NewOllama(OllamaConfig{BaseURL: url, Model: "m", BatchSize: 2, Timeout: timeout})
	}},
}

func TestRemoteEmbedders(t *testing.T) {
	for _, rc := range remoteCases {
		t.Run(rc.name, func(t *testing.T) {
			fs := &fakeServer{t: t, dim: 8}
			srv := httptest.NewServer(fs)
			defer srv.Close()
			e := rc.make(srv.URL, time.Second)

			if fp := e.Fingerprint(); fp.Dim != 0 || fp.Provider != rc.provider || fp.Model != "m" {
				t.Errorf("fingerprint before any call: %+v", fp)
			}
			texts := []string{"one", "", "three", "four", "five"}
			vs, err := e.EmbedDocuments(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != len(texts) {
				t.Fatalf("%d vectors for %d texts", len(vs), len(texts))
			}
			for i, v := range vs {
				want := fakeVector(nonEmpty(texts)[i], 8)
				Normalize(want)
				if cos, _ := compare(v, want); cos < 0.999999 {
					t.Errorf("text %d: wrong vector (order?) cosine %.6f", i, cos)
				}
				if n := vecNorm(v); math.Abs(n-1) > 1e-6 {
					t.Errorf("text %d: length %g", i, n)
				}
			}
			if got := len(fs.batches); got != 3 {
				t.Errorf("%d requests for 5 texts with batch size 2, want 3", got)
			}
			if fs.batches[0][1] != " " {
				t.Errorf("empty text sent as %q", fs.batches[0][1])
			}
			if texts[1] != "" {
				t.Error("caller's slice was modified")
			}
			if rc.provider == ProviderOpenAI && !strings.HasPrefix(fs.auth[0], "Bearer ") {
				t.Errorf("Authorization header %q, want a bearer token", fs.auth[0])
			}
			if fp := e.Fingerprint(); fp.Dim != 8 {
				t.Errorf("fingerprint after a call: %+v", fp)
			}
			q, err := e.EmbedQuery(context.Background(), "one")
			if err != nil {
				t.Fatal(err)
			}
			if cos, _ := compare(q, vs[0]); cos < 0.999999 {
				t.Error("EmbedQuery and EmbedDocuments differ")
			}
		})
	}
}

func TestRemoteErrors(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(w http.ResponseWriter, r *http.Request)
		timeout time.Duration
		want    []string // substrings of the error
		status  int      // expected StatusError code, 0 for none
	}{
		{
			name: "401 openai style",
			handle: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(401)
				w.Write([]byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`))
			},
			want: []string{"401", "Incorrect API key provided"}, status: 401,
		},
		{
			name: "404 ollama style",
			handle: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(404)
				w.Write([]byte(`{"error":"model \"m\" not found, try pulling it first"}`))
			},
			want: []string{"404", `model "m" not found`}, status: 404,
		},
		{
			name: "500 plain text",
			handle: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "internal meltdown", 500)
			},
			want: []string{"500", "internal meltdown"}, status: 500,
		},
		{
			name: "bad json",
			handle: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"data": [`))
			},
			want: []string{"decode response"},
		},
		{
			name: "wrong count",
			handle: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"data":[],"embeddings":[]}`))
			},
			want: []string{"0 embeddings for 2 texts"},
		},
		{
			name: "timeout",
			handle: func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
			timeout: 50 * time.Millisecond,
			want:    []string{"no answer within 50ms"},
		},
	}
	for _, rc := range remoteCases {
		for _, tt := range tests {
			t.Run(rc.name+"/"+tt.name, func(t *testing.T) {
				fs := &fakeServer{t: t, dim: 4, handle: func(w http.ResponseWriter, r *http.Request) bool {
					tt.handle(w, r)
					return true
				}}
				srv := httptest.NewServer(fs)
				defer srv.Close()
				timeout := tt.timeout
				if timeout == 0 {
					timeout = 5 * time.Second
				}
				e := rc.make(srv.URL, timeout)
				_, err := e.EmbedDocuments(context.Background(), []string{"a", "b"})
				if err == nil {
					t.Fatal("no error")
				}
				t.Logf("error: %v", err)
				for _, s := range tt.want {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				if !strings.Contains(err.Error(), rc.name) {
					t.Errorf("error %q does not name the provider", err)
				}
				var se *StatusError
				if got := errors.As(err, &se); got != (tt.status != 0) || (got && se.StatusCode != tt.status) {
					t.Errorf("StatusError = %v (%+v), want status %d", got, se, tt.status)
				}
				if e.Fingerprint().Dim != 0 {
					t.Error("Dim set after a failed call")
				}
			})
		}
	}
}

func TestRemoteCancelled(t *testing.T) {
	fs := &fakeServer{dim: 4}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, rc := range remoteCases {
		if _, err := rc.make(srv.URL, time.Second).EmbedDocuments(ctx, []string{"a"}); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: error %v, want context.Canceled", rc.name, err)
		}
	}
}

func TestNew(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		provider string
		want     string // Fingerprint().Provider, or "" for an error
	}{
		{ProviderOpenAI, "openai"},
		{ProviderOllama, "ollama"},
		{"word2vec", ""},
	} {
		e, err := New(ctx, Config{Provider: tt.provider})
		if tt.want == "" {
			if err == nil {
				t.Errorf("New(%q) succeeded", tt.provider)
			}
			continue
		}
		if err != nil {
			t.Fatalf("New(%q): %v", tt.provider, err)
		}
		if fp := e.Fingerprint(); fp.Provider != tt.want {
			t.Errorf("New(%q) fingerprint %+v", tt.provider, fp)
		}
	}
}

func TestServerMessage(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"error":{"message":"bad key"}}`, "bad key"},
		{`{"error":"no model"}`, "no model"},
		{`{"message":"oops"}`, "oops"},
		{"  plain text\n", "plain text"},
		{strings.Repeat("x", 2000), strings.Repeat("x", maxErrorBody) + "…"},
	}
	for _, tt := range tests {
		if got := serverMessage([]byte(tt.body)); got != tt.want {
			t.Errorf("serverMessage(%.30q) = %.40q, want %.40q", tt.body, got, tt.want)
		}
	}
}

func TestOpenAIHintsAtV1(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL}).EmbedQuery(context.Background(), "a")
	if err == nil || !strings.Contains(err.Error(), "/v1") {
		t.Errorf("error %v does not suggest /v1", err)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 404 {
		t.Errorf("error %v does not wrap the 404", err)
	}
}
