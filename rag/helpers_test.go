package rag

import (
	"context"
	"testing"

	"github.com/newsrag/newsrag/internal/testfake"
)

// newTestEngine opens an engine over a temp dir and ingests
// testfake.Articles.
func newTestEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Embedder == nil {
		cfg.Embedder = testfake.NewEmbedder()
	}
	e, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Ingest(context.Background(), testfake.Articles(), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	return e
}
