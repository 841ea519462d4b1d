package rag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tmc/langchaingo/llms"
)

// streamLLM is an llms.Model that streams a fixed reply word by word, or
// fails (before or after its first token).
type streamLLM struct {
	reply     string
	failAfter int   // fail after this many tokens; -1: never
	err       error // the failure
	mu        sync.Mutex
	calls     int
	lastMsgs  []llms.MessageContent
}

func (f *streamLLM) GenerateContent(ctx context.Context, msgs []llms.MessageContent, opts ...llms.CallOption) (*llms.ContentResponse, error) {
	f.mu.Lock()
	f.calls++
	f.lastMsgs = msgs
	f.mu.Unlock()
	var o llms.CallOptions
	for _, opt := range opts {
		opt(&o)
	}
	words := strings.SplitAfter(f.reply, " ")
	for i, w := range words {
		if f.failAfter >= 0 && i == f.failAfter {
			return nil, f.err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if o.StreamingFunc != nil {
			if err := o.StreamingFunc(ctx, []byte(w)); err != nil {
				return nil, err
			}
		}
	}
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: f.reply}}}, nil
}

func (f *streamLLM) Call(ctx context.Context, prompt string, opts ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, f, prompt, opts...)
}

// openAIServer is an httptest server speaking the OpenAI chat completions
// API with streaming: it streams reply word by word, ending with an empty
// chunk and [DONE], as OpenAI does. status != 200 makes it fail.
func openAIServer(t *testing.T, reply string, status int) (*httptest.Server, *[]map[string]any) {
	return openAIServerFunc(t, func(string) string { return reply }, status)
}

// openAIServerFunc is openAIServer with the reply computed from the last
// message of each request.
func openAIServerFunc(t *testing.T, replyTo func(prompt string) string, status int) (*httptest.Server, *[]map[string]any) {
	t.Helper()
	var mu sync.Mutex
	var reqs []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		reqs = append(reqs, body)
		mu.Unlock()
		var prompt string
		if msgs, _ := body["messages"].([]any); len(msgs) > 0 {
			last, _ := msgs[len(msgs)-1].(map[string]any)
			prompt = fmt.Sprint(last["content"])
		}
		reply := replyTo(prompt)
		if status != http.StatusOK {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"message":"provider says no (%d)","type":"test"}}`, status)
			return
		}
		if body["stream"] != true {
			json.NewEncoder(w).Encode(map[string]any{
				"id": "x", "object": "chat.completion", "model": body["model"],
				"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
					"message": map[string]any{"role": "assistant", "content": reply}}},
			})
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		chunk := func(delta map[string]any, finish any) {
			b, _ := json.Marshal(map[string]any{"id": "x", "object": "chat.completion.chunk", "model": body["model"],
				"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}})
			fmt.Fprintf(w, "data: %s\n\n", b)
			fl.Flush()
		}
		chunk(map[string]any{"role": "assistant", "content": ""}, nil)
		for _, word := range strings.SplitAfter(reply, " ") {
			chunk(map[string]any{"content": word}, nil)
		}
		chunk(map[string]any{}, "stop")
		fmt.Fprint(w, "data: [DONE]\n\n")
		fl.Flush()
	}))
	t.Cleanup(srv.Close)
	return srv, &reqs
}

func TestOpenAIServerStreaming(t *testing.T) {
	srv, reqs := openAIServer(t, "Refineries and depots [1].", http.StatusOK)
	g, err := NewLLM(context.Background(), LLMConfig{Provider: ProviderOpenAI, Model: "test-model", BaseURL: srv.URL + "/v1"})
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
	if len(*reqs) != 1 || (*reqs)[0]["model"] != "test-model" {
		t.Errorf("requests: %v", *reqs)
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
			srv, reqs := openAIServer(t, "x", tt.status)
			g, err := NewLLM(context.Background(), LLMConfig{Provider: ProviderOpenAI, Model: "m", BaseURL: srv.URL + "/v1", Retries: 2})
			if err != nil {
				t.Fatal(err)
			}
			_, err = g.Stream(context.Background(), []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "hi")}, nil)
			var le *LLMError
			if !errors.As(err, &le) || !errors.Is(err, ErrLLM) {
				t.Fatalf("err = %v, want *LLMError", err)
			}
			if le.Status != tt.status || !strings.Contains(err.Error(), "provider says no") {
				t.Errorf("status %d, err %v", le.Status, err)
			}
			if len(*reqs) != tt.wantCalls {
				t.Errorf("%d calls, want %d", len(*reqs), tt.wantCalls)
			}
		})
	}
}

func TestGeneratorNoRetryAfterFirstToken(t *testing.T) {
	f := &streamLLM{reply: "one two three four", failAfter: 2, err: errors.New("connection reset: status code: 502")}
	g := NewGenerator(f, "fake/x", LLMConfig{Retries: 3})
	var got string
	_, err := g.Stream(context.Background(), nil, func(s string) { got += s })
	if err == nil || f.calls != 1 || got != "one two " {
		t.Errorf("err %v, calls %d, streamed %q", err, f.calls, got)
	}
	f2 := &streamLLM{reply: "one two", failAfter: 0, err: errors.New("API returned unexpected status code: 503")}
	g2 := NewGenerator(f2, "fake/x", LLMConfig{Retries: 2})
	if _, err := g2.Stream(context.Background(), nil, nil); err == nil || f2.calls != 3 {
		t.Errorf("before first token: err %v, calls %d, want 3", err, f2.calls)
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
	g, _ := NewLLM(context.Background(), LLMConfig{Provider: ProviderOpenAI, Model: "m", BaseURL: srv.URL, Timeout: 50e6, Retries: -1})
	_, err := g.Stream(context.Background(), []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "hi")}, nil)
	var le *LLMError
	if !errors.As(err, &le) || !le.Timeout {
		t.Fatalf("err = %v, want a timeout LLMError", err)
	}
}

func TestNewLLMConfigErrors(t *testing.T) {
	for _, c := range []LLMConfig{
		{Provider: "openai"},
		{Provider: "anthropic", Model: "claude"},
		{Provider: "google", Model: "gemini"},
		{Provider: "skynet", Model: "x"},
	} {
		if _, err := NewLLM(context.Background(), c); err == nil {
			t.Errorf("NewLLM(%+v) succeeded", c)
		}
	}
	if g, err := NewLLM(context.Background(), LLMConfig{}); g != nil || err != nil {
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
	g, err := NewLLM(context.Background(), LLMConfig{Provider: ProviderOllama, Model: "llama3.2", BaseURL: srv.URL})
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
	g, err := NewLLM(context.Background(), LLMConfig{Provider: ProviderAnthropic, Model: "claude-test", APIKey: "test-key", BaseURL: srv.URL + "/v1", Retries: -1})
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
	var le *LLMError
	if !errors.As(err, &le) || le.Status != 529 || le.Provider != "anthropic" {
		t.Errorf("overloaded provider: %v", err)
	}
}
