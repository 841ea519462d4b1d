package embed

import (
	"context"
	"fmt"
)

// Provider names for Config.Provider.
const (
	ProviderBuiltin = "builtin" // USE-lite in process (default)
	ProviderOpenAI  = "openai"  // OpenAI-compatible /embeddings
	ProviderOllama  = "ollama"  // Ollama's native /api/embed
)

// Config chooses and configures an embedder. Only the section of the chosen
// provider is used; the zero value is the built-in model with default cache
// and registry.
type Config struct {
	// Provider is "builtin" (default), "openai" or "ollama".
	Provider string
	Model    ModelConfig  // builtin
	OpenAI   OpenAIConfig // openai
	Ollama   OllamaConfig // ollama
}

// New returns the embedder cfg describes. For the built-in provider it
// loads the model, fetching it first if it is not cached (see Pull); remote
// providers are not contacted until the first call.
func New(ctx context.Context, cfg Config) (Embedder, error) {
	switch cfg.Provider {
	case "", ProviderBuiltin:
		m, err := LoadUSELite(ctx, cfg.Model)
		if err != nil {
			return nil, err
		}
		return m, nil
	case ProviderOpenAI:
		return NewOpenAI(cfg.OpenAI), nil
	case ProviderOllama:
		return NewOllama(cfg.Ollama), nil
	default:
		return nil, fmt.Errorf("unknown embedding provider %q (want %q, %q or %q)", cfg.Provider, ProviderBuiltin, ProviderOpenAI, ProviderOllama)
	}
}
