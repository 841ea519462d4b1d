package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/newsrag/newsrag/rag"
)

// Routes of the OpenAI-compatible API.
const (
	routeChatCompletions = "/v1/chat/completions"
	routeModels          = "/v1/models"
	routeModel           = "/v1/models/:id"
)

// ModelID is the one model the OpenAI-compatible API offers: newsrag
// answering with whatever it is configured with (an LLM, or extraction).
const ModelID = "newsrag"

// chatRequest is the body of POST /v1/chat/completions. Only the fields
// newsrag uses are decoded; the others OpenAI defines (temperature,
// max_tokens, tools…) are accepted and ignored, as chat clients send them.
type chatRequest struct {
	Model         string        `json:"model"`
	Messages      []chatMessage `json:"messages"`
	Stream        bool          `json:"stream"`
	StreamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	N *int `json:"n"`
}

// chatMessage is one message of a conversation. Content is a string, null,
// or an array of content parts, of which only text parts are accepted.
type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// chatHeader is what a completion and each of its chunks begin with.
type chatHeader struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "chat.completion" or "chat.completion.chunk"
	Created int64  `json:"created"`
	Model   string `json:"model"`
}

// ChatCompletion is the response of a non-streaming chat completion.
type ChatCompletion struct {
	chatHeader
	Choices []ChatChoice `json:"choices"`
	Usage   Usage        `json:"usage"`
	// Newsrag holds the answer's structured citations.
	Newsrag ChatCitations `json:"newsrag"`
}

// ChatChoice is the one choice of a ChatCompletion.
type ChatChoice struct {
	Index        int         `json:"index"`
	Message      ChatContent `json:"message"`
	FinishReason string      `json:"finish_reason"`
}

// ChatContent is an assistant message, or in a chunk the part of it that
// is new.
type ChatContent struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content,omitempty"`
}

// ChatCompletionChunk is one Server-Sent Event of a streamed completion.
// The last chunk with a choice carries finish_reason and Newsrag; when the
// request set stream_options.include_usage, a chunk with no choices and
// Usage follows it. The stream ends with "data: [DONE]".
type ChatCompletionChunk struct {
	chatHeader
	Choices []ChunkChoice  `json:"choices"`
	Usage   *Usage         `json:"usage,omitempty"`
	Newsrag *ChatCitations `json:"newsrag,omitempty"`
}

// ChunkChoice is the one choice of a ChatCompletionChunk.
type ChunkChoice struct {
	Index        int         `json:"index"`
	Delta        ChatContent `json:"delta"`
	FinishReason *string     `json:"finish_reason"` // null until the last chunk
}

// ChatCitations is the extra "newsrag" field of a completion and of its
// last chunk: what the answer cites, in structured form.
type ChatCitations struct {
	Answerable bool `json:"answerable"`
	// Unsure: the passages may not answer the question (rag.Answer.Unsure).
	Unsure bool `json:"unsure,omitempty"`
	// Corrections: the question's misspelt words corrected before
	// searching (rag.Answer.Corrections).
	Corrections []rag.Correction `json:"corrections,omitempty"`
	Mode        rag.Mode         `json:"mode"`
	Citations   []rag.Citation   `json:"citations"`
	// InvalidCitations are markers an LLM wrote that named no passage; a
	// streamed answer may contain them, the final text does not.
	InvalidCitations []int `json:"invalid_citations,omitempty"`
}

// Usage counts tokens. newsrag has no tokenizer for whichever model
// answered, so the counts are an estimate: one token per four characters
// of text, rounded up. Prompt tokens count the messages' text, completion
// tokens the reply's.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// ModelList is the body of GET /v1/models.
type ModelList struct {
	Object string  `json:"object"` // "list"
	Data   []Model `json:"data"`
}

// Model describes the model of GET /v1/models and /v1/models/{id}.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "model"
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
	// Answerer is how answers are written: "extractive" or the LLM's name.
	Answerer string `json:"answerer"`
}

// OpenAIErrorBody is the error body of the /v1 routes, in OpenAI's shape,
// and the data of an error event in a completion stream.
type OpenAIErrorBody struct {
	Error OpenAIError `json:"error"`
}

// OpenAIError says what went wrong, as OpenAI's API does.
type OpenAIError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// paramError is an error caused by one field of an OpenAI request.
type paramError struct {
	param string
	err   *apiError
}

func (e *paramError) Error() string { return e.param + ": " + e.err.Error() }
func (e *paramError) Unwrap() error { return e.err }

// badParam returns a 400 error about param.
func badParam(param, format string, a ...any) error {
	return &paramError{param: param, err: badRequest(format, a...)}
}

// isOpenAI reports whether c is for the OpenAI-compatible API.
func isOpenAI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/v1/") }

// openAIErrorBody renders ae, the classification of err, in OpenAI's shape.
func openAIErrorBody(ae *apiError, err error) OpenAIErrorBody {
	typ, code := "invalid_request_error", ae.code
	switch {
	case ae.status == http.StatusUnauthorized:
		code = "invalid_api_key"
	case ae.status == http.StatusTooManyRequests:
		typ, code = "rate_limit_error", "rate_limit_exceeded"
	case ae.status >= 500:
		typ = "server_error"
	}
	body := OpenAIErrorBody{Error: OpenAIError{Message: ae.message, Type: typ, Code: &code}}
	var pe *paramError
	if errors.As(err, &pe) {
		body.Error.Param = &pe.param
	}
	return body
}

// handleModels answers GET /v1/models.
func (s *Server) handleModels(c echo.Context) error {
	return c.JSON(http.StatusOK, ModelList{Object: "list", Data: []Model{s.model()}})
}

// handleModel answers GET /v1/models/{id}.
func (s *Server) handleModel(c echo.Context) error {
	if id := c.Param("id"); id != ModelID {
		return modelNotFound(id)
	}
	return c.JSON(http.StatusOK, s.model())
}

func (s *Server) model() Model {
	st := s.p.Stats()
	var created int64
	if !st.BuiltAt.IsZero() {
		created = st.BuiltAt.Unix()
	}
	return Model{ID: ModelID, Object: "model", Created: created, OwnedBy: "newsrag", Answerer: st.LLM}
}

func modelNotFound(id string) error {
	return &paramError{param: "model", err: &apiError{status: http.StatusNotFound, code: "model_not_found",
		message: fmt.Sprintf("the model %q does not exist; this server offers %q", id, ModelID)}}
}

// chatQuery is a decoded chat completion request.
type chatQuery struct {
	req          rag.Request
	stream       bool
	includeUsage bool
	promptTokens int
}

// decodeChat reads and validates a chat completion request. The last
// message, which must be the user's, is the question; earlier user and
// assistant messages are its history (the last rag.MaxHistory of them,
// each cut to the length rag accepts, and assistant messages without the
// sources newsrag appended). System and tool messages are ignored:
// newsrag has its own instructions.
func decodeChat(c echo.Context) (chatQuery, error) {
	data, err := readJSONBody(c, `{"model": "newsrag", "messages": [{"role": "user", "content": "…"}]}`)
	if err != nil {
		return chatQuery{}, err
	}
	var body chatRequest
	if err := json.Unmarshal(data, &body); err != nil {
		return chatQuery{}, jsonError(err)
	}
	switch {
	case body.Model == "":
		return chatQuery{}, badParam("model", "model is missing; use %q (GET /v1/models lists it)", ModelID)
	case body.Model != ModelID:
		return chatQuery{}, modelNotFound(body.Model)
	case body.N != nil && *body.N != 1:
		return chatQuery{}, badParam("n", "n must be 1: newsrag gives one answer, got %d", *body.N)
	case len(body.Messages) == 0:
		return chatQuery{}, badParam("messages", "messages is empty; send at least the user's question")
	}
	texts := make([]string, len(body.Messages))
	var all int
	for i, m := range body.Messages {
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool", "function":
		default:
			return chatQuery{}, badParam(fmt.Sprintf("messages[%d].role", i), "messages[%d].role %q is not a chat role", i, m.Role)
		}
		if texts[i], err = messageText(m.Content); err != nil {
			return chatQuery{}, badParam(fmt.Sprintf("messages[%d].content", i), "messages[%d].content: %v", i, err)
		}
		all += utf8.RuneCountInString(texts[i])
	}
	last := len(body.Messages) - 1
	if r := body.Messages[last].Role; r != "user" {
		return chatQuery{}, badParam("messages", "the last message must be the user's question, not a %q message", r)
	}
	q := chatQuery{stream: body.Stream, includeUsage: body.StreamOptions.IncludeUsage, promptTokens: tokenEstimate(all)}
	q.req = rag.Request{Question: texts[last]}
	for i, m := range body.Messages[:last] {
		if (m.Role != "user" && m.Role != "assistant") || strings.TrimSpace(texts[i]) == "" {
			continue
		}
		content, _, _ := strings.Cut(texts[i], sourcesHeading)
		content = strings.TrimSuffix(content, unsureNote)
		q.req.History = append(q.req.History, rag.Turn{Role: m.Role, Content: truncateRunes(content, 4*rag.MaxQuestionRunes)})
	}
	if n := len(q.req.History); n > rag.MaxHistory {
		q.req.History = q.req.History[n-rag.MaxHistory:]
	}
	if err := q.req.Validate(); err != nil {
		return chatQuery{}, badParam("messages", "the last user message is newsrag's question: %v", err)
	}
	return q, nil
}

// messageText returns the text of a message's content.
func messageText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("content must be a string or an array of content parts")
	}
	texts := make([]string, 0, len(parts))
	for i, p := range parts {
		if p.Type != "text" {
			return "", fmt.Errorf("part %d has type %q; newsrag reads text parts only", i, p.Type)
		}
		texts = append(texts, p.Text)
	}
	return strings.Join(texts, "\n"), nil
}

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// tokenEstimate is Usage's estimate for a text of the given length in
// characters.
func tokenEstimate(runes int) int { return (runes + 3) / 4 }

// handleChatCompletions answers POST /v1/chat/completions: the user's last
// message is asked as newsrag's question, and the answer comes back as the
// assistant's message, with its sources appended and its citations in the
// "newsrag" field. With "stream": true the answer is sent as
// chat.completion.chunk events as it is written.
func (s *Server) handleChatCompletions(c echo.Context) error {
	q, err := decodeChat(c)
	if err != nil {
		return err
	}
	if err := s.charge(c, q.req.Question); err != nil {
		return err
	}
	id, created := "chatcmpl-"+randomID(), time.Now().Unix()
	if q.stream {
		return s.streamChat(c, q, id, created)
	}
	ctx := c.Request().Context()
	if s.cfg.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.RequestTimeout)
		defer cancel()
	}
	ans, err := s.askWhole(ctx, q.req)
	if err != nil {
		return err
	}
	s.metrics.observeAnswer(ans)
	content := ans.Answer + answerTail(ans)
	return c.JSON(http.StatusOK, ChatCompletion{
		chatHeader: chatHeader{ID: id, Object: "chat.completion", Created: created, Model: ModelID},
		Choices:    []ChatChoice{{Message: ChatContent{Role: "assistant", Content: content}, FinishReason: "stop"}},
		Usage:      q.usage(content),
		Newsrag:    chatCitations(ans),
	})
}

// streamChat sends the answer to q as chat.completion.chunk events: the
// assistant role once passages are retrieved, the answer text as it is
// written, the sources, a last chunk with finish_reason and citations,
// the usage if asked for, then [DONE]. An error after the first event is
// sent as an event with an OpenAI error body, and ends the stream.
func (s *Server) streamChat(c echo.Context, q chatQuery, id string, created int64) error {
	run, err := s.startStream(c)
	if err != nil {
		return err
	}
	defer run.end()
	w := run.w
	head := chatHeader{ID: id, Object: "chat.completion.chunk", Created: created, Model: ModelID}
	chunk := func(delta ChatContent) ChatCompletionChunk {
		return ChatCompletionChunk{chatHeader: head, Choices: []ChunkChoice{{Delta: delta}}}
	}
	send := func(v any) {
		if sendData(w, v) != nil {
			run.cancel(context.Canceled)
		}
	}
	var content strings.Builder
	ans, err := s.p.Ask(run.ctx, q.req, rag.Stream{
		Sources: func([]rag.Passage) { send(chunk(ChatContent{Role: "assistant"})) },
		Token: func(t string) {
			if !run.budget.spend(len(t)) {
				return
			}
			content.WriteString(t)
			send(chunk(ChatContent{Content: t}))
			s.metrics.tokens.Inc()
		},
	})
	if err = run.result(err); err != nil {
		if c.Request().Context().Err() != nil || !w.hasStarted() {
			return err // the client is gone, or nothing was sent: a plain error
		}
		return sendData(w, openAIErrorBody(s.streamFailed(c, err), err))
	}
	s.metrics.observeAnswer(ans)
	if src := answerTail(ans); src != "" {
		content.WriteString(src)
		send(chunk(ChatContent{Content: src}))
	}
	stop := "stop"
	last := chunk(ChatContent{})
	last.Choices[0].FinishReason = &stop
	cites := chatCitations(ans)
	last.Newsrag = &cites
	send(last)
	if q.includeUsage {
		u := q.usage(content.String())
		send(ChatCompletionChunk{chatHeader: head, Choices: []ChunkChoice{}, Usage: &u})
	}
	return w.write("data: [DONE]\n\n")
}

// sendData writes v as the data of an unnamed Server-Sent Event, as
// OpenAI's streams do.
func sendData(w *sseWriter, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding chunk: %w", err)
	}
	return w.write("data: " + string(data) + "\n\n")
}

// usage estimates the token usage of q answered with content.
func (q chatQuery) usage(content string) Usage {
	completion := tokenEstimate(utf8.RuneCountInString(content))
	return Usage{PromptTokens: q.promptTokens, CompletionTokens: completion, TotalTokens: q.promptTokens + completion}
}

func chatCitations(ans *rag.Answer) ChatCitations {
	cites := ans.Citations
	if cites == nil {
		cites = []rag.Citation{}
	}
	return ChatCitations{Answerable: ans.Answerable, Unsure: ans.Unsure, Corrections: ans.Corrections, Mode: ans.Mode, Citations: cites,
		InvalidCitations: ans.InvalidCitations}
}
