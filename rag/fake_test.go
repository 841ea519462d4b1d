package rag

import (
	"context"
	"hash/fnv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// hashEmbedder is a deterministic stand-in for a real model: a hashed bag
// of lower-cased words, unit length. Texts sharing words are similar.
type hashEmbedder struct {
	dim      int
	maxTok   int
	model    string
	calls    atomic.Int64 // texts embedded
	failNext atomic.Bool
}

func newHashEmbedder() *hashEmbedder { return &hashEmbedder{dim: 64, maxTok: 80, model: "hash"} }

func (h *hashEmbedder) vec(text string) []float32 {
	v := make([]float32, h.dim)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		w = strings.Trim(w, ".,;:!?\"'()")
		f := fnv.New32a()
		f.Write([]byte(w))
		v[f.Sum32()%uint32(h.dim)] += 1
	}
	v[0] += 0.01 // never the zero vector
	embed.Normalize(v)
	return v
}

func (h *hashEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	if h.failNext.Swap(false) {
		return nil, context.DeadlineExceeded
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = h.vec(t)
	}
	h.calls.Add(int64(len(texts)))
	return out, nil
}

func (h *hashEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	return h.vec(text), nil
}

func (h *hashEmbedder) Fingerprint() embed.Fingerprint {
	return embed.Fingerprint{Provider: "test", Model: h.model, Dim: h.dim}
}

func (h *hashEmbedder) CountTokens(text string) int { return len(strings.Fields(text)) }
func (h *hashEmbedder) MaxTokens() int              { return h.maxTok }

// testArticles is a tiny corpus with known contents.
func testArticles() []corpus.Article {
	arts := []corpus.Article{
		{ID: "drones", Title: "Ukraine expands long-range drone strikes", Outlet: "Sky News",
			Published: time.Date(2025, 7, 7, 0, 0, 0, 0, time.UTC),
			Text: "Ukraine plans to produce thousands of long-range drones a month. " +
				"The drones target oil refineries and ammunition depots deep inside Russia.\n\n" +
				"Officials say the strikes aim to cut fuel supplies to the Russian army. " +
				"Moscow calls the attacks terrorism."},
		{ID: "kabul", Title: "How Kabul fell", Outlet: "Sky News",
			Published: time.Date(2021, 8, 22, 0, 0, 0, 0, time.UTC),
			Text: "The Taliban entered Kabul after a rapid advance through the provinces. " +
				"Western leaders had insisted it would not happen.\n\n" +
				"Thousands gathered at the airport hoping to leave the country."},
		{ID: "coalition", Title: "Coalition of the Willing", Outlet: "Global Affairs",
			Published: time.Date(2025, 7, 8, 0, 0, 0, 0, time.UTC),
			Text: "President Zelenskyy announced a coalition of the willing after a call with Keir Starmer. " +
				"The coalition aims to bolster air defence and pressure Russia with sanctions."},
	}
	for i := range arts {
		arts[i].Hash = hashOf(arts[i])
	}
	return arts
}

func hashOf(a corpus.Article) string {
	f := fnv.New64a()
	f.Write([]byte(a.Title + "\x00" + a.Outlet + "\x00" + a.Text))
	return string(f.Sum(nil))
}

// newTestEngine opens an engine over a temp dir and ingests testArticles.
func newTestEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Embedder == nil {
		cfg.Embedder = newHashEmbedder()
	}
	e, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Ingest(context.Background(), testArticles(), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	return e
}
