package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/googleai"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"

	"github.com/newsrag/newsrag/rag"
)

// Providers.
const (
	ProviderNone      = ""          // no LLM: the extractive answerer
	ProviderOpenAI    = "openai"    // OpenAI and compatible servers (vLLM, llama.cpp, LM Studio, Ollama /v1)
	ProviderOllama    = "ollama"    // Ollama's native API
	ProviderAnthropic = "anthropic" // Anthropic's Messages API
	ProviderGoogle    = "google"    // Google AI (Gemini)
)

// ErrConfig is returned, wrapped, when the configuration names no usable
// model: a missing model name or key, or an unknown provider.
var ErrConfig = errors.New("llm configuration")

// Config chooses and configures the language model.
type Config struct {
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
	// Generate says how the model is called (temperature, length, timeout,
	// retries).
	Generate rag.GenerateConfig
	// HTTPClient is used where the provider's client accepts one; nil
	// means a new http.Client.
	HTTPClient *http.Client
}

// New builds the Generator cfg describes, or returns nil when no provider
// is configured.
func New(ctx context.Context, cfg Config) (*rag.Generator, error) {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	provider := strings.ToLower(cfg.Provider)
	if provider == ProviderNone || provider == "none" || provider == "extractive" {
		return nil, nil
	}
	m, err := model(ctx, provider, cfg)
	if err != nil {
		return nil, err
	}
	return rag.NewGenerator(m, provider+"/"+cfg.Model, cfg.Generate), nil
}

// model builds the provider's client.
func model(ctx context.Context, provider string, cfg Config) (llms.Model, error) {
	need := func(what, setting string) error {
		return fmt.Errorf("%w: llm %s: no %s set (%s)", ErrConfig, provider, what, setting)
	}
	switch provider {
	case ProviderOpenAI, ProviderOllama, ProviderAnthropic, ProviderGoogle:
	default:
		return nil, fmt.Errorf("%w: llm provider %q: want openai, ollama, anthropic, google or none", ErrConfig, cfg.Provider)
	}
	if cfg.Model == "" {
		return nil, need("model", "NEWSRAG_LLM_MODEL")
	}
	var (
		m   llms.Model
		err error
	)
	switch provider {
	case ProviderOpenAI:
		key := cfg.APIKey
		if key == "" {
			key = "unused" // local servers ignore it; the client insists on one
		}
		hc := *cfg.HTTPClient
		hc.Transport = streamGuard{base: hc.Transport}
		opts := []openai.Option{openai.WithModel(cfg.Model), openai.WithToken(key), openai.WithHTTPClient(&hc)}
		if cfg.BaseURL != "" {
			opts = append(opts, openai.WithBaseURL(cfg.BaseURL))
		}
		m, err = openai.New(opts...)
	case ProviderOllama:
		opts := []ollama.Option{ollama.WithModel(cfg.Model), ollama.WithHTTPClient(cfg.HTTPClient)}
		if cfg.BaseURL != "" {
			opts = append(opts, ollama.WithServerURL(cfg.BaseURL))
		}
		m, err = ollama.New(opts...)
	case ProviderAnthropic:
		if cfg.APIKey == "" {
			return nil, need("API key", "NEWSRAG_LLM_API_KEY")
		}
		opts := []anthropic.Option{anthropic.WithModel(cfg.Model), anthropic.WithToken(cfg.APIKey), anthropic.WithHTTPClient(cfg.HTTPClient)}
		if cfg.BaseURL != "" {
			opts = append(opts, anthropic.WithBaseURL(cfg.BaseURL))
		}
		m, err = anthropic.New(opts...)
	case ProviderGoogle:
		if cfg.APIKey == "" {
			return nil, need("API key", "NEWSRAG_LLM_API_KEY")
		}
		m, err = googleai.New(ctx, googleai.WithAPIKey(cfg.APIKey), googleai.WithDefaultModel(cfg.Model))
	}
	if err != nil {
		return nil, fmt.Errorf("llm %s: %w", provider, err)
	}
	return m, nil
}
