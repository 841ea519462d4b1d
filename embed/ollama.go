package embed

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults for OllamaConfig.
const (
	DefaultOllamaBaseURL = "http://localhost:11434"
	DefaultOllamaModel   = "nomic-embed-text"
)

// OllamaConfig configures an embedder using Ollama's native /api/embed.
// (Ollama's OpenAI-compatible /v1 works with OpenAIConfig too.)
type OllamaConfig struct {
	// BaseURL is the server root. Default: http://localhost:11434.
	BaseURL string
	// Model is the embedding model. Default: nomic-embed-text.
	Model string
	// BatchSize is the number of texts per request. Default: 64.
	BatchSize int
	// Timeout bounds each request (the first may load the model). Default:
	// 60s.
	Timeout time.Duration
	// HTTPClient sends the requests. Default: http.DefaultClient.
	HTTPClient *http.Client
}

// Ollama is an Embedder backed by Ollama's /api/embed. Ollama truncates a
// text longer than the model's context on its side. Vectors are normalised
// to unit length. It is safe for concurrent use.
type Ollama struct {
	cfg OllamaConfig
	dim atomic.Int64
}

var _ Embedder = (*Ollama)(nil)

// NewOllama returns an embedder for an Ollama server. It does not contact
// the server.
func NewOllama(cfg OllamaConfig) *Ollama {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultOllamaBaseURL
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.Model == "" {
		cfg.Model = DefaultOllamaModel
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	return &Ollama{cfg: cfg}
}

// Fingerprint identifies the model. Dim is 0 until the first successful
// call reveals it.
func (o *Ollama) Fingerprint() Fingerprint {
	return Fingerprint{Provider: "ollama", Model: o.cfg.Model, Dim: int(o.dim.Load())}
}

// EmbedDocuments embeds texts in requests of BatchSize texts.
func (o *Ollama) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	vs, err := batchEmbed(ctx, nonEmpty(texts), o.cfg.BatchSize, &o.dim, o.call)
	if err != nil {
		return nil, fmt.Errorf("ollama embed (model %s): %w", o.cfg.Model, err)
	}
	return vs, nil
}

// EmbedQuery embeds one text.
func (o *Ollama) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	vs, err := o.EmbedDocuments(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// call sends one batch.
func (o *Ollama) call(ctx context.Context, texts []string) ([][]float32, error) {
	req := struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}{o.cfg.Model, texts}
	var resp struct {
		Embeddings [][]float32 `json:"embeddings"`
	}
	if err := postJSON(ctx, o.cfg.HTTPClient, o.cfg.Timeout, o.cfg.BaseURL+"/api/embed", "", req, &resp); err != nil {
		return nil, err
	}
	return resp.Embeddings, nil
}
