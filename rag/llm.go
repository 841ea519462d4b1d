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
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/googleai"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"
)

// LLM providers.
const (
	ProviderNone      = ""          // no LLM: the extractive answerer
	ProviderOpenAI    = "openai"    // OpenAI and compatible servers (vLLM, llama.cpp, LM Studio, Ollama /v1)
	ProviderOllama    = "ollama"    // Ollama's native API
	ProviderAnthropic = "anthropic" // Anthropic's Messages API
	ProviderGoogle    = "google"    // Google AI (Gemini)
)

// LLMConfig chooses and configures the language model. Zero fields take
// the defaults.
type LLMConfig struct {
	// Provider is "" (none: answers are extracted), "openai", "ollama",
	// "anthropic" or "google".
	Provider string
	// Model is the provider's model name (e.g. "gpt-4o-mini", "llama3.2").
	Model string
	// BaseURL overrides the provider's endpoint (e.g.
	// "http://localhost:8000/v1" for vLLM, "http://localhost:11434" for
	// Ollama).
	BaseURL string
	// APIKey authenticates with the provider. OpenAI-compatible local
	// servers need none; a placeholder is sent.
	APIKey string
	// Temperature of sampling. Default 0.1.
	Temperature float64
	// MaxTokens bounds the answer's length. Default 600.
	MaxTokens int
	// Timeout bounds each call to the provider. Default 60s.
	Timeout time.Duration
	// Retries is how often a call that failed before its first token is
	// retried, with backoff. Default 2; negative means none.
	Retries int
	// HTTPClient is used where the provider's client accepts one.
	HTTPClient *http.Client
}

func (c LLMConfig) withDefaults() LLMConfig {
	if c.Temperature == 0 {
		c.Temperature = 0.1
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = 600
	}
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 2
	}
	if c.Retries < 0 {
		c.Retries = 0
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	return c
}

// Generator calls a language model with the settings of an LLMConfig.
type Generator struct {
	Model llms.Model
	// Name describes the model, e.g. "openai/gpt-4o-mini".
	Name string
	cfg  LLMConfig
}

// NewGenerator wraps an llms.Model (for instance a test fake) in a
// Generator with cfg's settings; cfg.Provider and the connection fields are
// used only for naming and error reports.
func NewGenerator(m llms.Model, name string, cfg LLMConfig) *Generator {
	return &Generator{Model: m, Name: name, cfg: cfg.withDefaults()}
}

// NewLLM builds the Generator cfg describes, or returns nil when no
// provider is configured.
func NewLLM(ctx context.Context, cfg LLMConfig) (*Generator, error) {
	cfg = cfg.withDefaults()
	var (
		m   llms.Model
		err error
	)
	switch strings.ToLower(cfg.Provider) {
	case ProviderNone, "none", "extractive":
		return nil, nil
	case ProviderOpenAI:
		if cfg.Model == "" {
			return nil, errors.New("llm openai: no model set (NEWSRAG_LLM_MODEL)")
		}
		key := cfg.APIKey
		if key == "" {
			key = "unused" // local servers ignore it; the client insists on one
		}
		opts := []openai.Option{openai.WithModel(cfg.Model), openai.WithToken(key), openai.WithHTTPClient(cfg.HTTPClient)}
		if cfg.BaseURL != "" {
			opts = append(opts, openai.WithBaseURL(cfg.BaseURL))
		}
		m, err = openai.New(opts...)
	case ProviderOllama:
		if cfg.Model == "" {
			return nil, errors.New("llm ollama: no model set (NEWSRAG_LLM_MODEL)")
		}
		opts := []ollama.Option{ollama.WithModel(cfg.Model), ollama.WithHTTPClient(cfg.HTTPClient)}
		if cfg.BaseURL != "" {
			opts = append(opts, ollama.WithServerURL(cfg.BaseURL))
		}
		m, err = ollama.New(opts...)
	case ProviderAnthropic:
		if cfg.APIKey == "" {
			return nil, errors.New("llm anthropic: no API key set (NEWSRAG_LLM_API_KEY)")
		}
		if cfg.Model == "" {
			return nil, errors.New("llm anthropic: no model set (NEWSRAG_LLM_MODEL)")
		}
		opts := []anthropic.Option{anthropic.WithModel(cfg.Model), anthropic.WithToken(cfg.APIKey), anthropic.WithHTTPClient(cfg.HTTPClient)}
		if cfg.BaseURL != "" {
			opts = append(opts, anthropic.WithBaseURL(cfg.BaseURL))
		}
		m, err = anthropic.New(opts...)
	case ProviderGoogle:
		if cfg.APIKey == "" {
			return nil, errors.New("llm google: no API key set (NEWSRAG_LLM_API_KEY)")
		}
		if cfg.Model == "" {
			return nil, errors.New("llm google: no model set (NEWSRAG_LLM_MODEL)")
		}
		m, err = googleai.New(ctx, googleai.WithAPIKey(cfg.APIKey), googleai.WithDefaultModel(cfg.Model))
	default:
		return nil, fmt.Errorf("llm provider %q: want openai, ollama, anthropic, google or none", cfg.Provider)
	}
	if err != nil {
		return nil, fmt.Errorf("llm %s: %w", cfg.Provider, err)
	}
	return &Generator{Model: m, Name: strings.ToLower(cfg.Provider) + "/" + cfg.Model, cfg: cfg}, nil
}

// Stream generates a reply to msgs, calling token with each piece of text
// as it arrives, and returns the whole reply. A call that fails before its
// first token is retried with backoff; one that fails after it is not (the
// caller has shown the tokens). Errors are *LLMError.
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
		lastErr = err
		if streamed || !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	return "", lastErr
}

// once makes one call. streamed reports whether any token was delivered.
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
	if err != nil {
		if cctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("%w (after %s)", context.DeadlineExceeded, g.cfg.Timeout)
		}
		return "", streamed, g.wrap(err)
	}
	text = b.String()
	if len(resp.Choices) > 0 && resp.Choices[0].Content != "" {
		full := resp.Choices[0].Content
		if !streamed && token != nil {
			token(full) // a model that ignores streaming: deliver it whole
		}
		text = full
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
