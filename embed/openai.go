package embed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults for OpenAIConfig.
const (
	DefaultOpenAIBaseURL = "https://api.openai.com/v1"
	DefaultOpenAIModel   = "text-embedding-3-small"
	placeholderAPIKey    = "newsrag" // local servers ignore the key, but some require the header
)

// OpenAIConfig configures an embedder for any server speaking OpenAI's
// embeddings API: OpenAI itself, vLLM, llama.cpp's server, LM Studio,
// Ollama's /v1.
type OpenAIConfig struct {
	// BaseURL is the API root; requests go to BaseURL + "/embeddings".
	// Default: https://api.openai.com/v1.
	BaseURL string
	// APIKey is sent as a bearer token. When empty a placeholder is sent,
	// which local servers accept.
	APIKey string
	// Model is the embedding model. Default: text-embedding-3-small.
	Model string
	// BatchSize is the number of texts per request. Default: 64.
	BatchSize int
	// Timeout bounds each request. Default: 60s.
	Timeout time.Duration
	// HTTPClient sends the requests. Default: http.DefaultClient.
	HTTPClient *http.Client
}

// OpenAI is an Embedder backed by an OpenAI-compatible embeddings API.
// Vectors are normalised to unit length. It is safe for concurrent use.
type OpenAI struct {
	cfg OpenAIConfig
	dim atomic.Int64
}

var _ Embedder = (*OpenAI)(nil)

// NewOpenAI returns an embedder for an OpenAI-compatible server. It does not
// contact the server.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultOpenAIBaseURL
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.APIKey == "" {
		cfg.APIKey = placeholderAPIKey
	}
	if cfg.Model == "" {
		cfg.Model = DefaultOpenAIModel
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
	return &OpenAI{cfg: cfg}
}

// Fingerprint identifies the model. Dim is 0 until the first successful
// call reveals it.
func (o *OpenAI) Fingerprint() Fingerprint {
	return Fingerprint{Provider: "openai", Model: o.cfg.Model, Dim: int(o.dim.Load())}
}

// EmbedDocuments embeds texts in requests of BatchSize texts. Empty texts
// are sent as a single space.
func (o *OpenAI) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	vs, err := batchEmbed(ctx, nonEmpty(texts), o.cfg.BatchSize, &o.dim, o.call)
	if err != nil {
		return nil, fmt.Errorf("openai embeddings (model %s): %w", o.cfg.Model, err)
	}
	return vs, nil
}

// EmbedQuery embeds one text.
func (o *OpenAI) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	vs, err := o.EmbedDocuments(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// call sends one batch.
func (o *OpenAI) call(ctx context.Context, texts []string) ([][]float32, error) {
	req := struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}{o.cfg.Model, texts}
	var resp struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
	if err := postJSON(ctx, o.cfg.HTTPClient, o.cfg.Timeout, o.cfg.BaseURL+"/embeddings", o.cfg.APIKey, req, &resp); err != nil {
		var se *StatusError
		if errors.As(err, &se) && se.StatusCode == http.StatusNotFound && !strings.HasSuffix(o.cfg.BaseURL, "/v1") {
			return nil, fmt.Errorf("%w (OpenAI-compatible base URLs usually end in /v1)", err)
		}
		return nil, err
	}
	sort.SliceStable(resp.Data, func(i, j int) bool { return resp.Data[i].Index < resp.Data[j].Index })
	out := make([][]float32, len(resp.Data))
	for i, d := range resp.Data {
		if d.Index != i {
			return nil, fmt.Errorf("response data indexes are not 0..%d", len(resp.Data)-1)
		}
		out[i] = d.Embedding
	}
	return out, nil
}
