package rag

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tmc/langchaingo/llms"
)

// GenerateConfig says how a Generator calls its model.
type GenerateConfig struct {
	// Temperature of sampling, taken as given (0 is greedy decoding).
	Temperature float64
	// MaxTokens bounds the answer's length; zero or less means
	// DefaultGenerateConfig.MaxTokens.
	MaxTokens int
	// Timeout bounds each call to the model; zero or less means
	// DefaultGenerateConfig.Timeout.
	Timeout time.Duration
	// Retries is how often a call that failed before its first token is
	// retried, with backoff; zero or less means none.
	Retries int
}

// DefaultGenerateConfig is how newsrag calls an LLM unless told otherwise.
var DefaultGenerateConfig = GenerateConfig{Temperature: 0.1, MaxTokens: 600, Timeout: 60 * time.Second, Retries: 2}

func (c GenerateConfig) withDefaults() GenerateConfig {
	if c.MaxTokens <= 0 {
		c.MaxTokens = DefaultGenerateConfig.MaxTokens
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultGenerateConfig.Timeout
	}
	c.Retries = max(c.Retries, 0)
	return c
}

// Generator calls a language model: it streams the reply, retries a call
// that failed before its first token, and reports failures as *LLMError.
// Package rag/llm builds one for each supported provider.
type Generator struct {
	Model llms.Model
	// Name describes the model as "provider/model", e.g.
	// "openai/gpt-4o-mini"; the provider part names it in errors.
	Name string
	cfg  GenerateConfig
}

// NewGenerator wraps an llms.Model (a provider's client, or a test fake) in
// a Generator named name that calls it with cfg.
func NewGenerator(m llms.Model, name string, cfg GenerateConfig) *Generator {
	return &Generator{Model: m, Name: name, cfg: cfg.withDefaults()}
}

// Stream generates a reply to msgs, calling token with each piece of text
// as it arrives, and returns the whole reply. A call that fails before its
// first token is retried with backoff; one that fails after it is not (the
// caller has shown the tokens): it returns the text delivered so far with
// the error, so the caller can show it as incomplete. A reply that ends
// without text, or is cut by the timeout, is an error. Errors are
// *LLMError.
func (g *Generator) Stream(ctx context.Context, msgs []llms.MessageContent, token func(string)) (string, error) {
	var lastErr error
	for attempt := 0; attempt <= g.cfg.Retries; attempt++ {
		if attempt > 0 {
			wait := time.Duration(250<<(attempt-1)) * time.Millisecond
			select {
			case <-ctx.Done():
				return "", g.wrap(ctx.Err())
			case <-time.After(wait):
			}
		}
		text, streamed, err := g.once(ctx, msgs, token)
		if err == nil {
			return text, nil
		}
		if streamed {
			return text, err
		}
		lastErr = err
		if !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	return "", lastErr
}

// once makes one call. streamed reports whether any token was delivered;
// on an error after it, text is what was delivered.
func (g *Generator) once(ctx context.Context, msgs []llms.MessageContent, token func(string)) (text string, streamed bool, err error) {
	cctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	var b strings.Builder
	opts := []llms.CallOption{
		llms.WithTemperature(g.cfg.Temperature),
		llms.WithMaxTokens(g.cfg.MaxTokens),
		llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
			if len(chunk) == 0 { // OpenAI's final empty chunk
				return nil
			}
			streamed = true
			b.Write(chunk)
			if token != nil {
				token(string(chunk))
			}
			return nil
		}),
	}
	resp, err := g.Model.GenerateContent(cctx, msgs, opts...)
	// Some clients end a stream quietly when its context ends: a reply cut
	// by the timeout is an error however the client reports it.
	if cctx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("%w (after %s)", context.DeadlineExceeded, g.cfg.Timeout)
	} else if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		return b.String(), streamed, g.wrap(err)
	}
	text = b.String()
	if len(resp.Choices) > 0 && resp.Choices[0].Content != "" {
		full := resp.Choices[0].Content
		if !streamed && token != nil {
			token(full) // a model that ignores streaming: deliver it whole
		}
		text = full
	}
	if strings.TrimSpace(text) == "" {
		return "", streamed, g.wrap(ErrEmptyReply)
	}
	return text, streamed, nil
}

// statusRE finds an HTTP status in a provider client's error message.
var statusRE = regexp.MustCompile(`status code:? (\d{3})`)

// wrap turns a provider error into an *LLMError.
func (g *Generator) wrap(err error) error {
	if err == nil {
		return nil
	}
	var le *LLMError
	if errors.As(err, &le) {
		return err
	}
	provider, _, _ := strings.Cut(g.Name, "/")
	e := &LLMError{Provider: provider, Err: err}
	if errors.Is(err, context.DeadlineExceeded) {
		e.Timeout = true
	}
	if m := statusRE.FindStringSubmatch(err.Error()); m != nil {
		e.Status, _ = strconv.Atoi(m[1])
	}
	var lerr *llms.Error
	if errors.As(err, &lerr) && e.Status == 0 {
		switch lerr.Code {
		case llms.ErrCodeRateLimit, llms.ErrCodeQuotaExceeded:
			e.Status = http.StatusTooManyRequests
		case llms.ErrCodeAuthentication:
			e.Status = http.StatusUnauthorized
		case llms.ErrCodeProviderUnavailable:
			e.Status = http.StatusServiceUnavailable
		case llms.ErrCodeTimeout:
			e.Timeout = true
		}
	}
	return e
}

// retryable reports whether a failed call may succeed if repeated.
func retryable(err error) bool {
	var le *LLMError
	if !errors.As(err, &le) {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if le.Timeout || le.Status == http.StatusTooManyRequests || le.Status >= 500 {
		return true
	}
	var ne net.Error
	var oe *net.OpError
	return le.Status == 0 && (errors.As(err, &ne) || errors.As(err, &oe) || strings.Contains(err.Error(), "connection refused"))
}
