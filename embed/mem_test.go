package embed

import (
	"context"
	"runtime"
	"testing"
)

// TestModelMemory checks that a loaded model (weights, vocabulary and one
// workspace) keeps at most 80 MB of heap once loading garbage is collected,
// and at most 110 MB once every row of layer 0's per-token tables (filled
// as tokens are first seen) is computed.
func TestModelMemory(t *testing.T) {
	testModel(t) // make sure it is cached
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := LoadUSELite(context.Background(), ModelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.EmbedQuery(context.Background(), words(200)); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	mb := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	t.Logf("model heap: %.1f MB (heap memory obtained from the OS so far: %.1f MB)", mb, float64(after.HeapSys)/(1<<20))
	if mb > 80 {
		t.Errorf("model holds %.1f MB, want ≤ 80 MB", mb)
	}

	// Fill every per-token table row.
	m.enc.ensureTables()
	ws := newWorkspace()
	ids := make([]int, 0, useMaxTokens)
	for id := range m.enc.vocab {
		m.enc.tokenRows(id)
		if ids = append(ids, id); len(ids) == useMaxTokens || id == m.enc.vocab-1 {
			m.enc.ffnTokenRows(ws, ids)
			ids = ids[:0]
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	full := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	t.Logf("model heap with every table row: %.1f MB", full)
	if full > 110 {
		t.Errorf("model with every table row holds %.1f MB, want ≤ 110 MB", full)
	}
	runtime.KeepAlive(m)
}
