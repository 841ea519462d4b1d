package testfake

import (
	"context"
	"os"
	"testing"

	"github.com/newsrag/newsrag/embed"
)

// Builtin returns the real built-in embedding model, fetching it into its
// cache if needed. Without network or cache the test is skipped, unless
// NEWSRAG_REQUIRE_MODEL=1 (as in CI), when it fails.
func Builtin(tb testing.TB) embed.Embedder {
	tb.Helper()
	e, err := embed.New(context.Background(), embed.Config{})
	if err != nil {
		if os.Getenv("NEWSRAG_REQUIRE_MODEL") == "1" {
			tb.Fatalf("built-in model unavailable: %v", err)
		}
		tb.Skipf("built-in model unavailable: %v", err)
	}
	return e
}
