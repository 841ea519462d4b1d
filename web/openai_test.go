package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newsrag/newsrag/rag"
)

// chat posts body to /v1/chat/completions.
func chat(t *testing.T, s *Server, body string) *httptest.ResponseRecorder {
	t.Helper()
	return do(t, s.Handler(), request{method: "POST", path: "/v1/chat/completions", body: body})
}

func TestChatCompletion(t *testing.T) {
	f := newFake()
	s := newTestServer(t, f, Config{})
	rec := chat(t, s, `{"model":"newsrag","temperature":0.2,"messages":[
		{"role":"system","content":"You are helpful."},
		{"role":"user","content":"Tell me about Kabul"},
		{"role":"assistant","content":"It fell [1].\n\nSources:\n- [1] Taliban enter Kabul — BBC"},
		{"role":"user","content":[{"type":"text","text":"What happened at the airport?"}]}]}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var cc ChatCompletion
	if err := json.Unmarshal(rec.Body.Bytes(), &cc); err != nil {
		t.Fatal(err)
	}
	want := "Crowds gathered at the airport [1].\n\nSources:\n- [1] Taliban enter Kabul"
	if cc.Object != "chat.completion" || cc.Model != ModelID || !strings.HasPrefix(cc.ID, "chatcmpl-") || len(cc.Choices) != 1 {
		t.Fatalf("completion %+v", cc)
	}
	if got := cc.Choices[0]; got.Message.Role != "assistant" || got.Message.Content != want || got.FinishReason != "stop" {
		t.Errorf("choice %+v\nwant content %q", got, want)
	}
	if !cc.Newsrag.Answerable || len(cc.Newsrag.Citations) != 1 || cc.Newsrag.Citations[0].ArticleID != "world/kabul" {
		t.Errorf("newsrag field %+v", cc.Newsrag)
	}
	prompt := "You are helpful." + "Tell me about Kabul" + "It fell [1].\n\nSources:\n- [1] Taliban enter Kabul — BBC" + "What happened at the airport?"
	if u := cc.Usage; u.PromptTokens != tokenEstimate(utf8.RuneCountInString(prompt)) ||
		u.CompletionTokens != tokenEstimate(utf8.RuneCountInString(want)) || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage %+v", u)
	}
	got := f.last
	wantHistory := []rag.Turn{{Role: "user", Content: "Tell me about Kabul"}, {Role: "assistant", Content: "It fell [1]."}}
	if got.Question != "What happened at the airport?" || fmt.Sprint(got.History) != fmt.Sprint(wantHistory) {
		t.Errorf("pipeline got %+v", got)
	}
}

func TestChatCompletionKeepsRecentHistory(t *testing.T) {
	f := newFake()
	s := newTestServer(t, f, Config{})
	var msgs []string
	for i := range 30 {
		msgs = append(msgs, fmt.Sprintf(`{"role":"user","content":"q%d"}`, i), fmt.Sprintf(`{"role":"assistant","content":"a%d"}`, i))
	}
	msgs = append(msgs, `{"role":"user","content":"last"}`)
	if rec := chat(t, s, `{"model":"newsrag","messages":[`+strings.Join(msgs, ",")+`]}`); rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	h := f.last.History
	if len(h) != rag.MaxHistory || h[0].Content != "q20" || h[len(h)-1].Content != "a29" {
		t.Errorf("history kept %d turns, %v … %v", len(h), h[0], h[len(h)-1])
	}
}

func TestChatCompletionErrors(t *testing.T) {
	user := `"messages":[{"role":"user","content":"airport?"}]`
	tests := []struct {
		name     string
		body     string
		header   map[string]string
		cfg      Config
		pipeline func(*fakePipeline)
		status   int
		typ      string
		code     string
		param    string // "" for null
		message  string
	}{
		{name: "no model", body: `{` + user + `}`, status: 400, typ: "invalid_request_error", code: CodeBadRequest, param: "model", message: "model is missing"},
		{name: "unknown model", body: `{"model":"gpt-4o",` + user + `}`, status: 404, typ: "invalid_request_error", code: "model_not_found", param: "model", message: `"gpt-4o" does not exist`},
		{name: "no messages", body: `{"model":"newsrag","messages":[]}`, status: 400, typ: "invalid_request_error", code: CodeBadRequest, param: "messages", message: "messages is empty"},
		{name: "assistant last", body: `{"model":"newsrag","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`,
			status: 400, typ: "invalid_request_error", code: CodeBadRequest, param: "messages", message: `not a "assistant" message`},
		{name: "bad role", body: `{"model":"newsrag","messages":[{"role":"robot","content":"q"}]}`,
			status: 400, typ: "invalid_request_error", code: CodeBadRequest, param: "messages[0].role", message: `"robot" is not a chat role`},
		{name: "image", body: `{"model":"newsrag","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}`,
			status: 400, typ: "invalid_request_error", code: CodeBadRequest, param: "messages[0].content", message: "text parts only"},
		{name: "empty question", body: `{"model":"newsrag","messages":[{"role":"user","content":"  "}]}`,
			status: 400, typ: "invalid_request_error", code: CodeBadRequest, param: "messages", message: "question is empty"},
		{name: "n", body: `{"model":"newsrag","n":2,` + user + `}`, status: 400, typ: "invalid_request_error", code: CodeBadRequest, param: "n", message: "n must be 1"},
		{name: "malformed", body: `{"model":"newsrag",`, status: 400, typ: "invalid_request_error", code: CodeBadRequest, message: "malformed JSON"},
		{name: "messages not array", body: `{"model":"newsrag","messages":"hi"}`, status: 400, typ: "invalid_request_error", code: CodeBadRequest, message: `"messages" must be an array`},
		{name: "not JSON", body: `{"model":"newsrag",` + user + `}`, header: map[string]string{"Content-Type": "text/plain"},
			status: 415, typ: "invalid_request_error", code: CodeUnsupportedMedia, message: "Content-Type: application/json"},
		{name: "wrong key", body: `{"model":"newsrag",` + user + `}`, cfg: Config{APIKey: "sekrit"}, header: map[string]string{"Authorization": "Bearer nope"},
			status: 401, typ: "invalid_request_error", code: "invalid_api_key", message: "API key"},
		{name: "not ready", body: `{"model":"newsrag",` + user + `}`, pipeline: func(f *fakePipeline) { f.errBefore = fmt.Errorf("x: %w", rag.ErrNotReady) },
			status: 503, typ: "server_error", code: CodeNotReady, message: "still being built"},
		{name: "LLM down", body: `{"model":"newsrag",` + user + `}`, pipeline: func(f *fakePipeline) {
			f.errBefore = &rag.LLMError{Provider: "openai", Status: 500, Err: errors.New("boom")}
		}, status: 502, typ: "server_error", code: CodeLLMFailed, message: "language model failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			if tt.pipeline != nil {
				tt.pipeline(f)
			}
			s := newTestServer(t, f, tt.cfg)
			rec := do(t, s.Handler(), request{method: "POST", path: "/v1/chat/completions", body: tt.body, header: tt.header})
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			var b struct {
				Error struct {
					Message string  `json:"message"`
					Type    string  `json:"type"`
					Param   *string `json:"param"`
					Code    *string `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			e := b.Error
			param := ""
			if e.Param != nil {
				param = *e.Param
			}
			if e.Type != tt.typ || e.Code == nil || *e.Code != tt.code || param != tt.param || !strings.Contains(e.Message, tt.message) {
				t.Errorf("error %s\nwant type %q code %q param %q message containing %q", rec.Body, tt.typ, tt.code, tt.param, tt.message)
			}
			if !strings.Contains(rec.Body.String(), `"param":`) {
				t.Errorf("param is absent, not null: %s", rec.Body)
			}
		})
	}
}

// chunks parses a completion stream into its chunks; it fails the test
// unless the stream ends with [DONE].
func chunks(t *testing.T, body []byte) []ChatCompletionChunk {
	t.Helper()
	evs := parseEvents(t, body)
	if len(evs) == 0 || evs[len(evs)-1].data != "[DONE]" {
		t.Fatalf("stream does not end with [DONE]:\n%s", body)
	}
	var out []ChatCompletionChunk
	for _, e := range evs[:len(evs)-1] {
		if e.name != "" {
			t.Errorf("named event %q in an OpenAI stream", e.name)
		}
		var c ChatCompletionChunk
		if err := json.Unmarshal([]byte(e.data), &c); err != nil {
			t.Fatalf("chunk %s: %v", e.data, err)
		}
		out = append(out, c)
	}
	return out
}

func TestChatCompletionStream(t *testing.T) {
	s := newTestServer(t, newFake(), Config{})
	rec := chat(t, s, `{"model":"newsrag","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"airport?"}]}`)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	cs := chunks(t, rec.Body.Bytes())
	if len(cs) != 7 { // role, 3 tokens, sources, finish, usage
		t.Fatalf("%d chunks:\n%s", len(cs), rec.Body)
	}
	var content strings.Builder
	for i, c := range cs {
		if c.Object != "chat.completion.chunk" || c.ID != cs[0].ID || c.Model != ModelID {
			t.Errorf("chunk %d: %+v", i, c)
		}
		if i < 6 {
			if len(c.Choices) != 1 {
				t.Fatalf("chunk %d has %d choices", i, len(c.Choices))
			}
			content.WriteString(c.Choices[0].Delta.Content)
			if (c.Choices[0].FinishReason != nil) != (i == 5) || (c.Newsrag != nil) != (i == 5) {
				t.Errorf("chunk %d: finish_reason %v, newsrag %v", i, c.Choices[0].FinishReason, c.Newsrag)
			}
		}
	}
	if cs[0].Choices[0].Delta.Role != "assistant" {
		t.Errorf("first delta %+v", cs[0].Choices[0].Delta)
	}
	if want := "Crowds gathered at the airport [1].\n\nSources:\n- [1] Taliban enter Kabul"; content.String() != want {
		t.Errorf("content %q, want %q", content.String(), want)
	}
	if fin := cs[5]; *fin.Choices[0].FinishReason != "stop" || len(fin.Newsrag.Citations) != 1 {
		t.Errorf("last choice chunk %+v", fin)
	}
	if u := cs[6]; len(u.Choices) != 0 || u.Usage == nil || u.Usage.CompletionTokens != tokenEstimate(len([]rune(content.String()))) {
		t.Errorf("usage chunk %+v", u)
	}
}

func TestChatCompletionStreamFailsMidway(t *testing.T) {
	f := newFake()
	f.failAfter, f.failErr = 1, &rag.LLMError{Provider: "openai", Status: 500, Err: errors.New("boom")}
	s := newTestServer(t, f, Config{})
	rec := chat(t, s, `{"model":"newsrag","stream":true,"messages":[{"role":"user","content":"airport?"}]}`)
	evs := parseEvents(t, rec.Body.Bytes())
	last := evs[len(evs)-1].data
	var b OpenAIErrorBody
	if err := json.Unmarshal([]byte(last), &b); err != nil || b.Error.Type != "server_error" || *b.Error.Code != CodeLLMFailed {
		t.Errorf("last event %s (%v)", last, err)
	}
	if strings.Contains(rec.Body.String(), "[DONE]") {
		t.Error("a failed stream ends with [DONE]")
	}
}

func TestChatNotInCorpusIsAnAnswer(t *testing.T) {
	f := newFake()
	f.answer = &rag.Answer{Answer: "The corpus does not appear to contain an answer to this question.", Mode: rag.ModeExtracted}
	s := newTestServer(t, f, Config{})
	rec := chat(t, s, `{"model":"newsrag","messages":[{"role":"user","content":"Who won the 1966 World Cup?"}]}`)
	var cc ChatCompletion
	if err := json.Unmarshal(rec.Body.Bytes(), &cc); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if cc.Choices[0].Message.Content != f.answer.Answer || cc.Newsrag.Answerable || cc.Newsrag.Citations == nil {
		t.Errorf("completion %+v", cc)
	}
}

func TestModels(t *testing.T) {
	s := newTestServer(t, newFake(), Config{})
	rec := do(t, s.Handler(), request{method: "GET", path: "/v1/models"})
	var list ModelList
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != ModelID || list.Data[0].Object != "model" || list.Data[0].Answerer != "extractive" {
		t.Errorf("models %+v", list)
	}
	if rec := do(t, s.Handler(), request{method: "GET", path: "/v1/models/newsrag"}); rec.Code != http.StatusOK {
		t.Errorf("GET /v1/models/newsrag: %d", rec.Code)
	}
	if rec := do(t, s.Handler(), request{method: "GET", path: "/v1/models/gpt-4"}); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "model_not_found") {
		t.Errorf("GET /v1/models/gpt-4: %d %s", rec.Code, rec.Body)
	}
}

func TestSourcesText(t *testing.T) {
	kabul := rag.Citation{ArticleID: "k", Title: "Kabul", Outlet: "BBC", URL: "https://bbc.example/k"}
	tests := []struct {
		name  string
		cites []rag.Citation
		want  string
	}{
		{"none", nil, ""},
		{"grouped by article", []rag.Citation{withN(kabul, 1), {N: 2, ArticleID: "d", Title: "Drones"}, withN(kabul, 3)},
			"\n\nSources:\n- [1][3] Kabul — BBC — https://bbc.example/k\n- [2] Drones"},
	}
	for _, tt := range tests {
		if got := sourcesText(tt.cites); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func withN(c rag.Citation, n int) rag.Citation { c.N = n; return c }

func TestChatStreamEndsAtShutdown(t *testing.T) {
	f := newFake()
	f.block = true // after its tokens, the pipeline waits for its context
	s := newTestServer(t, f, Config{ShutdownTimeout: 5 * time.Second})
	base, stop := serveStoppable(t, s)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Post(base+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"newsrag","stream":true,"messages":[{"role":"user","content":"q"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	var data []string
	for len(data) < 4 { // the role and three tokens; then the pipeline blocks
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("reading stream: %v", err)
		}
		if d, ok := strings.CutPrefix(strings.TrimSpace(line), "data: "); ok {
			data = append(data, d)
		}
	}
	start := time.Now()
	stop() // shuts the server down; fails the test if Serve does
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("shutdown waited %s for the open stream", took)
	}
	rest, _ := io.ReadAll(rd)
	if !strings.Contains(string(rest), `"code":"shutting_down"`) || strings.Contains(string(rest), "[DONE]") {
		t.Errorf("stream after shutdown: %q", rest)
	}
}
