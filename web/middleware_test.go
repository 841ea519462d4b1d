package web

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAPIKey(t *testing.T) {
	const key = "s3cret-key-0123456789"
	var logs bytes.Buffer
	s := newTestServer(t, newFake(), Config{APIKey: key, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ask := `{"question":"q"}`
	tests := []struct {
		name   string
		req    request
		status int
	}{
		{"no key", request{method: "POST", path: "/api/ask", body: ask}, 401},
		{"wrong key", request{method: "POST", path: "/api/ask", body: ask, header: map[string]string{"Authorization": "Bearer nope"}}, 401},
		{"key prefix", request{method: "POST", path: "/api/ask", body: ask, header: map[string]string{"Authorization": "Bearer " + key[:10]}}, 401},
		{"wrong scheme", request{method: "POST", path: "/api/ask", body: ask, header: map[string]string{"Authorization": "Basic " + key}}, 401},
		{"right key", request{method: "POST", path: "/api/ask", body: ask, header: map[string]string{"Authorization": "Bearer " + key}}, 200},
		{"stream without key", request{method: "POST", path: "/api/ask/stream", body: ask}, 401},
		{"stream with key", request{method: "POST", path: "/api/ask/stream", body: ask, header: map[string]string{"Authorization": "Bearer " + key}}, 200},
		{"search without key", request{method: "GET", path: "/api/search?q=x"}, 401},
		{"article without key", request{method: "GET", path: "/api/articles/world/kabul"}, 401},
		{"openapi without key", request{method: "GET", path: "/api/openapi.json"}, 401},
		{"metrics without key", request{method: "GET", path: "/metrics"}, 401},
		{"metrics with key", request{method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer " + key}}, 200},
		{"healthz open", request{method: "GET", path: "/healthz"}, 200},
		{"readyz open", request{method: "GET", path: "/readyz"}, 200},
		{"page open", request{method: "GET", path: "/"}, 200},
		{"page script open", request{method: "GET", path: "/static/app.js"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s.Handler(), tt.req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 401 {
				if d := errorOf(t, rec); d.Code != CodeUnauthorized {
					t.Errorf("code %s", d.Code)
				}
				if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Error("no WWW-Authenticate: Bearer")
				}
			}
		})
	}
	// readyz names no models when a key protects the API.
	if rec := do(t, s.Handler(), request{method: "GET", path: "/readyz"}); strings.Contains(rec.Body.String(), "stats") {
		t.Errorf("readyz leaks stats: %s", rec.Body)
	}
	if strings.Contains(logs.String(), key[:10]) || strings.Contains(strings.ToLower(logs.String()), "authorization") {
		t.Errorf("logs mention the key or the Authorization header:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), `"status":401`) {
		t.Errorf("requests were not logged:\n%s", logs.String())
	}
}

func TestRateLimit(t *testing.T) {
	get := func(s *Server, remote, xff string) int {
		h := map[string]string{}
		if xff != "" {
			h["X-Forwarded-For"] = xff
		}
		return do(t, s.Handler(), request{method: "GET", path: "/api/search?q=x", remote: remote, header: h}).Code
	}
	t.Run("limit and Retry-After", func(t *testing.T) {
		s := newTestServer(t, newFake(), Config{RateLimit: 0.5, RateBurst: 2})
		if a, b := get(s, "192.0.2.1:1000", ""), get(s, "192.0.2.1:1001", ""); a != 200 || b != 200 {
			t.Fatalf("burst: %d %d", a, b)
		}
		rec := do(t, s.Handler(), request{method: "GET", path: "/api/search?q=x", remote: "192.0.2.1:1002"})
		if rec.Code != 429 || errorOf(t, rec).Code != CodeRateLimited || rec.Header().Get("Retry-After") != "2" {
			t.Fatalf("over the limit: %d %s %v", rec.Code, rec.Body, rec.Header())
		}
		if get(s, "192.0.2.2:1000", "") != 200 {
			t.Error("another client was limited")
		}
		if rec := do(t, s.Handler(), request{method: "GET", path: "/healthz", remote: "192.0.2.1:1003"}); rec.Code != 200 {
			t.Error("healthz is rate-limited")
		}
	})
	t.Run("long questions cost more", func(t *testing.T) {
		s := newTestServer(t, newFake(), Config{RateLimit: 0.01, RateBurst: 10})
		long := strings.Repeat("why ", 250) // 1,000 characters: ten requests' worth
		search := func(remote, q string) int {
			return do(t, s.Handler(), request{method: "GET", path: "/api/search?q=" + url.QueryEscape(q), remote: remote}).Code
		}
		ask := func(remote, q string) int {
			return do(t, s.Handler(), request{method: "POST", path: "/api/ask", body: `{"question":"` + q + `"}`, remote: remote}).Code
		}
		for i := range 10 {
			if code := search("192.0.2.10:1", "short question"); code != 200 {
				t.Fatalf("short question %d: %d", i+1, code)
			}
		}
		chat := func(remote, q string) int {
			return do(t, s.Handler(), request{method: "POST", path: "/v1/chat/completions", body: `{"model":"newsrag","messages":[{"role":"user","content":"` + q + `"}]}`, remote: remote}).Code
		}
		// An MCP tool call answers 200 whatever the tool says; a rate-limited
		// call is a tool error saying so, counted here as 429.
		mcpTool := func(remote, q string) int {
			body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_news","arguments":{"question":"` + q + `"}}}`
			rec := do(t, s.Handler(), request{method: "POST", path: "/mcp", body: body, remote: remote,
				header: map[string]string{"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-06-18"}})
			if rec.Code == 200 && strings.Contains(rec.Body.String(), "too many requests") {
				return 429
			}
			if rec.Code == 200 && !strings.Contains(rec.Body.String(), `"passages"`) {
				t.Errorf("MCP search_news: %s", rec.Body)
			}
			return rec.Code
		}
		for i, send := range []func(string, string) int{search, ask, chat, mcpTool} {
			remote := fmt.Sprintf("192.0.2.%d:1", 20+i)
			if first, second := send(remote, long), send(remote, long); first != 200 || second != 429 {
				t.Errorf("endpoint %d: two 1,000-character questions at a burst of 10: %d, %d; want 200, 429", i, first, second)
			}
		}
	})
	t.Run("forged X-Forwarded-For does not bypass", func(t *testing.T) {
		s := newTestServer(t, newFake(), Config{RateLimit: 0.1, RateBurst: 2})
		codes := []int{}
		for i, xff := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3, 127.0.0.1", "10.0.0.1", "127.0.0.1"} {
			_ = i
			codes = append(codes, get(s, "127.0.0.1:5000", xff))
		}
		if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 || codes[3] != 429 || codes[4] != 429 {
			t.Errorf("codes %v: X-Forwarded-For from an untrusted peer was believed", codes)
		}
	})
	t.Run("trusted proxy", func(t *testing.T) {
		s := newTestServer(t, newFake(), Config{RateLimit: 0.1, RateBurst: 1, TrustedProxies: []string{"10.0.0.0/8", "192.0.2.7"}})
		if get(s, "10.1.2.3:4000", "198.51.100.1") != 200 || get(s, "10.1.2.3:4000", "198.51.100.2") != 200 {
			t.Error("clients behind a trusted proxy share a bucket")
		}
		if get(s, "10.1.2.3:4000", "198.51.100.1") != 429 {
			t.Error("a client behind a trusted proxy was not limited")
		}
		// The client cannot forge its way past the proxy: the proxy appends
		// the address it saw, and that is the one used.
		if get(s, "192.0.2.7:4000", "203.0.113.9, 198.51.100.2") != 429 {
			t.Error("a forged leftmost X-Forwarded-For entry was believed")
		}
		// An untrusted peer's header is ignored.
		if get(s, "192.0.2.8:4000", "198.51.100.3") != 200 || get(s, "192.0.2.8:4000", "198.51.100.4") != 429 {
			t.Error("an untrusted peer's X-Forwarded-For was believed")
		}
	})
}

func TestCORS(t *testing.T) {
	preflight := func(s *Server, origin string) http.Header {
		return do(t, s.Handler(), request{method: "OPTIONS", path: "/api/ask", header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}}).Header()
	}
	off := newTestServer(t, newFake(), Config{})
	if h := preflight(off, "https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS is on by default: %v", h)
	}
	rec := do(t, off.Handler(), request{method: "GET", path: "/api/articles", header: map[string]string{"Origin": "https://evil.example"}})
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS header without configuration")
	}

	on := newTestServer(t, newFake(), Config{CORSOrigins: []string{"https://app.example"}, APIKey: "k"})
	if h := preflight(on, "https://app.example"); h.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Mcp-Protocol-Version") {
		t.Errorf("allowed origin's preflight: %v", h)
	}
	if h := preflight(on, "https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin allowed: %v", h)
	}
	rec = do(t, on.Handler(), request{method: "GET", path: "/api/articles", header: map[string]string{
		"Origin": "https://app.example", "Authorization": "Bearer k"}})
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("CORS GET: %d %v", rec.Code, rec.Header())
	}
}

func TestRequestID(t *testing.T) {
	s := newTestServer(t, newFake(), Config{})
	rec := do(t, s.Handler(), request{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": "abc-123"}})
	if got := rec.Header().Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("caller's request ID %q not kept", got)
	}
	rec = do(t, s.Handler(), request{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": strings.Repeat("x", 100)}})
	if got := rec.Header().Get("X-Request-Id"); len(got) != 32 {
		t.Errorf("overlong request ID kept: %q", got)
	}
}

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		cfg Config
		ok  bool
	}{
		{Config{}, true},
		{Config{Addr: "localhost:0"}, true},
		{Config{Addr: "[::1]:8080"}, true},
		{Config{Addr: "127.0.0.2:8080"}, true},
		{Config{Addr: ":8080"}, false},
		{Config{Addr: "0.0.0.0:8080"}, false},
		{Config{Addr: "192.168.1.5:8080"}, false},
		{Config{Addr: "example.com:8080"}, false},
		{Config{Addr: "0.0.0.0:8080", APIKey: "k"}, true},
		{Config{Addr: "0.0.0.0:8080", AllowPublic: true}, true},
		{Config{Addr: "nonsense"}, false},
		{Config{TrustedProxies: []string{"10.0.0.0/8", "192.0.2.1", "::1"}}, true},
		{Config{TrustedProxies: []string{"proxy.local"}}, false},
		{Config{CORSOrigins: []string{"app.example"}}, false},
		{Config{APIKey: " k"}, false},
		{Config{RequestTimeout: -1}, false},
	}
	for _, tt := range tests {
		tt.cfg.Logger = slog.New(slog.DiscardHandler)
		_, err := New(newFake(), tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("New(%+v) error = %v, want ok=%v", tt.cfg, err, tt.ok)
		}
	}
	_, err := New(newFake(), Config{Addr: "0.0.0.0:8080", Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "NEWSRAG_API_KEY") {
		t.Errorf("refusal does not say what to do: %v", err)
	}
}
