package testfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tmc/langchaingo/llms"
)

// LLM is an llms.Model that streams a fixed reply word by word through the
// call's streaming function (langchaingo's own fake ignores streaming), or
// fails before or after its first token.
type LLM struct {
	Reply     string
	FailAfter int   // fail after this many tokens; -1: never
	Err       error // the failure

	mu       sync.Mutex
	calls    int
	lastMsgs []llms.MessageContent
}

// NewLLM returns an LLM that streams reply and never fails.
func NewLLM(reply string) *LLM { return &LLM{Reply: reply, FailAfter: -1} }

// Calls is how many times GenerateContent was called.
func (f *LLM) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// LastMessages are the messages of the last call.
func (f *LLM) LastMessages() []llms.MessageContent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastMsgs
}

// GenerateContent streams the reply word by word.
func (f *LLM) GenerateContent(ctx context.Context, msgs []llms.MessageContent, opts ...llms.CallOption) (*llms.ContentResponse, error) {
	f.mu.Lock()
	f.calls++
	f.lastMsgs = msgs
	reply, failAfter, failErr := f.Reply, f.FailAfter, f.Err
	f.mu.Unlock()
	var o llms.CallOptions
	for _, opt := range opts {
		opt(&o)
	}
	for i, w := range strings.SplitAfter(reply, " ") {
		if failAfter >= 0 && i == failAfter {
			return nil, failErr
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
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: reply}}}, nil
}

// Call answers a single prompt.
func (f *LLM) Call(ctx context.Context, prompt string, opts ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, f, prompt, opts...)
}

// Requests records the JSON bodies an OpenAIServer received.
type Requests struct {
	mu     sync.Mutex
	bodies []map[string]any
}

// All returns the bodies received so far.
func (r *Requests) All() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.bodies...)
}

// OpenAIServer is an httptest server speaking the OpenAI chat completions
// API at /v1/chat/completions. replyTo computes the reply from the last
// message's content; with "stream": true it is streamed word by word as
// chat.completion.chunk events ending with an empty chunk and [DONE], as
// OpenAI does, else returned whole. A status other than 200 makes every
// request fail with OpenAI's error body.
func OpenAIServer(t testing.TB, replyTo func(prompt string) string, status int) (*httptest.Server, *Requests) {
	t.Helper()
	reqs := &Requests{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		reqs.mu.Lock()
		reqs.bodies = append(reqs.bodies, body)
		reqs.mu.Unlock()
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
	return srv, reqs
}
