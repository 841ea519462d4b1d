package rag

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// cancelled or failed LLM call, a retrieval or an ingest must leave nothing
// behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if defaultDir != "" {
			os.RemoveAll(defaultDir)
		}
	}))
}
