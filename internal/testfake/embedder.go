package testfake

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync/atomic"

	"github.com/newsrag/newsrag/embed"
)

// Embedder is a deterministic stand-in for a real model: a hashed bag of
// lower-cased words, unit length, so texts sharing words are similar. It
// counts tokens as whitespace-separated words.
type Embedder struct {
	Dim    int    // vector length; 64 from NewEmbedder
	MaxTok int    // MaxTokens; 80 from NewEmbedder
	Model  string // the fingerprint's model name

	// Calls counts the texts EmbedDocuments has embedded.
	Calls atomic.Int64
	// FailNext makes the next EmbedDocuments call fail.
	FailNext atomic.Bool
}

// NewEmbedder returns a 64-dimensional Embedder named "hash".
func NewEmbedder() *Embedder { return &Embedder{Dim: 64, MaxTok: 80, Model: "hash"} }

// Vec is the embedding of text.
func (h *Embedder) Vec(text string) []float32 {
	v := make([]float32, h.Dim)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		w = strings.Trim(w, ".,;:!?\"'()")
		f := fnv.New32a()
		f.Write([]byte(w))
		v[f.Sum32()%uint32(h.Dim)]++
	}
	v[0] += 0.01 // never the zero vector
	embed.Normalize(v)
	return v
}

// EmbedDocuments embeds each text.
func (h *Embedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	if h.FailNext.Swap(false) {
		return nil, context.DeadlineExceeded
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = h.Vec(t)
	}
	h.Calls.Add(int64(len(texts)))
	return out, nil
}

// EmbedQuery embeds one text.
func (h *Embedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	return h.Vec(text), nil
}

// Fingerprint names the embedder's vector space.
func (h *Embedder) Fingerprint() embed.Fingerprint {
	return embed.Fingerprint{Provider: "test", Model: h.Model, Dim: h.Dim}
}

// CountTokens counts whitespace-separated words.
func (h *Embedder) CountTokens(text string) int { return len(strings.Fields(text)) }

// MaxTokens is the window the chunker fills.
func (h *Embedder) MaxTokens() int { return h.MaxTok }

// RandomEmbedder returns a pseudo-random unit vector per text, seeded by the
// text's hash: deterministic and free to compute, for benchmarks at scale
// where similarity need not mean anything.
type RandomEmbedder struct{ Dim int }

// Vec is the embedding of text.
func (r RandomEmbedder) Vec(text string) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	rng := rand.New(rand.NewPCG(h.Sum64(), 1))
	v := make([]float32, r.Dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	embed.Normalize(v)
	return v
}

// EmbedDocuments embeds each text.
func (r RandomEmbedder) EmbedDocuments(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = r.Vec(t)
	}
	return out, nil
}

// EmbedQuery embeds one text.
func (r RandomEmbedder) EmbedQuery(_ context.Context, text string) ([]float32, error) {
	return r.Vec(text), nil
}

// Fingerprint names the embedder's vector space.
func (r RandomEmbedder) Fingerprint() embed.Fingerprint {
	return embed.Fingerprint{Provider: "test", Model: "random", Dim: r.Dim}
}
