package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsrag/newsrag/internal/testfake"
	"github.com/newsrag/newsrag/rag"
	"github.com/tmc/langchaingo/llms"
)

func TestOpenAIServerStreaming(t *testing.T) {
	srv, reqs := testfake.OpenAIServer(t, func(string) string { return "Refineries and depots [1]." }, http.StatusOK)
	g, err := New(context.Background(), Config{Provider: ProviderOpenAI, Model: "test-model", BaseURL: srv.URL + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	text, err := g.Stream(context.Background(), []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "hi")}, func(s string) { tokens = append(tokens, s) })
	if err != nil {
		t.Fatal(err)
	}
	if text != "Refineries and depots [1]." || strings.Join(tokens, "") != text || len(tokens) < 3 {
		t.Errorf("text %q from tokens %q", text, tokens)
	}
	if len(reqs.All()) != 1 || reqs.All()[0]["model"] != "test-model" {
		t.Errorf("requests: %v", reqs.All())
	}
}

func TestGeneratorErrors(t *testing.T) {
	tests := []struct {
		status    int
		wantCalls int
		timeout   bool
	}{
		{http.StatusUnauthorized, 1, false},
		{http.StatusTooManyRequests, 3, false},
		{http.StatusInternalServerError, 3, false},
		{http.StatusBadRequest, 1, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv, reqs := testfake.OpenAIServer(t, func(string) string { return "x" }, tt.status)
			g, err := New(context.Background(), Config{Provider: ProviderOpenAI, Model: "m", BaseURL: srv.URL + "/v1", Generate: rag.GenerateConfig{Retries: 2}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = g.Stream(context.Background(), []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "hi")}, nil)
			var le *rag.LLMError
			if !errors.As(err, &le) || !errors.Is(err, rag.ErrLLM) {
				t.Fatalf("err = %v, want *rag.LLMError", err)
			}
			if le.Status != tt.status || !strings.Contains(err.Error(), "provider says no") {
				t.Errorf("status %d, err %v", le.Status, err)
			}
			if len(reqs.All()) != tt.wantCalls {
				t.Errorf("%d calls, want %d", len(reqs.All()), tt.wantCalls)
			}
		})
	}
}

func TestGeneratorTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	g, _ := New(context.Background(), Config{Provider: ProviderOpenAI, Model: "m", BaseURL: srv.URL, Generate: rag.GenerateConfig{Timeout: 50e6, Retries: -1}})
	_, err := g.Stream(context.Background(), []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "hi")}, nil)
	var le *rag.LLMError
	if !errors.As(err, &le) || !le.Timeout {
		t.Fatalf("err = %v, want a timeout LLMError", err)
	}
}

func TestNewLLMConfigErrors(t *testing.T) {
	for _, c := range []Config{
		{Provider: "openai"},
		{Provider: "anthropic", Model: "claude"},
		{Provider: "google", Model: "gemini"},
		{Provider: "skynet", Model: "x"},
	} {
		if _, err := New(context.Background(), c); err == nil {
			t.Errorf("New(%+v) succeeded", c)
		}
	}
	if g, err := New(context.Background(), Config{}); g != nil || err != nil {
		t.Errorf("no provider: %v, %v; want nil, nil", g, err)
	}
}

// TestOllamaChatStreaming runs the ollama provider against an httptest
// server speaking Ollama's native /api/chat (newline-delimited JSON).
func TestOllamaChatStreaming(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/chat" {
			http.NotFound(w, r)
			return
		}
		json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/x-ndjson")
		for _, word := range []string{"Refineries ", "and ", "depots ", "[1]."} {
			fmt.Fprintf(w, `{"model":"llama3.2","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":%q},"done":false}`+"\n", word)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, `{"model":"llama3.2","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true}`+"\n")
	}))
	defer srv.Close()
	g, err := New(context.Background(), Config{Provider: ProviderOllama, Model: "llama3.2", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	text, err := g.Stream(context.Background(), []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "hi")}, func(s string) { tokens = append(tokens, s) })
	if err != nil {
		t.Fatal(err)
	}
	if text != "Refineries and depots [1]." || len(tokens) != 4 || g.Name != "ollama/llama3.2" {
		t.Errorf("text %q, tokens %q, name %q", text, tokens, g.Name)
	}
	if got["model"] != "llama3.2" {
		t.Errorf("request: %v", got)
	}
}

// TestAnthropicStreaming runs the anthropic provider against an httptest
// server speaking the Messages API's event stream, and checks that a
// provider error keeps its status.
func TestAnthropicStreaming(t *testing.T) {
	fail := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/messages" || r.Header.Get("x-api-key") != "test-key" {
			http.Error(w, `{"type":"error","error":{"type":"authentication_error","message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		if fail {
			w.WriteHeader(529)
			fmt.Fprint(w, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		event := func(name, data string) {
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
			w.(http.Flusher).Flush()
		}
		event("message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-test","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}`)
		event("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
		for _, word := range []string{"Refineries ", "and ", "depots ", "[1]."} {
			event("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":%q}}`, word))
		}
		event("content_block_stop", `{"type":"content_block_stop","index":0}`)
		event("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}`)
		event("message_stop", `{"type":"message_stop"}`)
	}))
	defer srv.Close()
	g, err := New(context.Background(), Config{Provider: ProviderAnthropic, Model: "claude-test", APIKey: "test-key", BaseURL: srv.URL + "/v1", Generate: rag.GenerateConfig{Retries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeSystem, "rules"), llms.TextParts(llms.ChatMessageTypeHuman, "hi")}
	var tokens []string
	text, err := g.Stream(context.Background(), msgs, func(s string) { tokens = append(tokens, s) })
	if err != nil {
		t.Fatal(err)
	}
	if text != "Refineries and depots [1]." || len(tokens) != 4 {
		t.Errorf("text %q, tokens %q", text, tokens)
	}
	fail = true
	_, err = g.Stream(context.Background(), msgs, nil)
	var le *rag.LLMError
	if !errors.As(err, &le) || le.Status != 529 || le.Provider != "anthropic" {
		t.Errorf("overloaded provider: %v", err)
	}
}

// TestOpenAIStreamCompleteness runs the OpenAI provider against servers
// that answer badly: a reply is whole, or an error (with the text that
// reached the caller, if any).
func TestOpenAIStreamCompleteness(t *testing.T) {
	event := func(content, finish string) string {
		b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": content}, "finish_reason": finish}}})
		return "data: " + string(b) + "\n\n"
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		hang        bool // keep the stream open after the body
		wantText    string
		wantErr     error
	}{
		{"complete", "text/event-stream", event("Refineries ", "") + event("and depots [1].", "stop") + "data: [DONE]\n\n", false, "Refineries and depots [1].", nil},
		{"no terminator", "text/event-stream", event("Refineries ", "") + event("and", ""), false, "Refineries and", rag.ErrIncomplete},
		{"cut mid-line", "text/event-stream", event("Refineries ", "") + `data: {"choices":[{"delta":{"content":"and dep`, false, "Refineries ", rag.ErrIncomplete},
		{"timeout mid-stream", "text/event-stream", event("Refineries ", ""), true, "Refineries ", context.DeadlineExceeded},
		{"invalid body", "text/event-stream", "data: this is not json\n\n", false, "", rag.ErrEmptyReply},
		{"no events", "text/event-stream", "data: [DONE]\n\n", false, "", rag.ErrEmptyReply},
		{"html page", "text/html; charset=utf-8", "<html><body>502 Bad Gateway</body></html>", false, "", rag.ErrEmptyReply},
		{"whole completion", "application/json", `{"choices":[{"index":0,"message":{"role":"assistant","content":"Refineries and depots [1]."},"finish_reason":"stop"}]}`, false, "Refineries and depots [1].", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", tt.contentType)
				io.WriteString(w, tt.body)
				w.(http.Flusher).Flush()
				if tt.hang {
					select {
					case <-r.Context().Done():
					case <-done:
					}
				}
			}))
			defer srv.Close()
			defer close(done)
			g, err := New(context.Background(), Config{Provider: ProviderOpenAI, Model: "m", BaseURL: srv.URL + "/v1",
				Generate: rag.GenerateConfig{Retries: -1, Timeout: 300 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			var streamed string
			text, err := g.Stream(context.Background(), []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "hi")}, func(s string) { streamed += s })
			if text != tt.wantText || streamed != tt.wantText {
				t.Errorf("text %q, streamed %q, want %q", text, streamed, tt.wantText)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var le *rag.LLMError
			if !errors.Is(err, tt.wantErr) || !errors.As(err, &le) {
				t.Fatalf("err = %v, want an *rag.LLMError wrapping %v", err, tt.wantErr)
			}
		})
	}
}
