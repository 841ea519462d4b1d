package rag

import (
	"context"
	"testing"
)

// TestConfiguredK: a request that names no k gets RetrievalConfig.K
// passages (NEWSRAG_TOP_K), whether it comes from the CLI or the server.
func TestConfiguredK(t *testing.T) {
	tests := []struct {
		cfgK, reqK, want int
	}{
		{cfgK: 2, reqK: 0, want: 2},
		{cfgK: 1, reqK: 0, want: 1},
		{cfgK: 1, reqK: 3, want: 3},
	}
	for _, tt := range tests {
		e := newTestEngine(t, Config{Retrieval: RetrievalConfig{K: tt.cfgK}})
		found, err := e.Search(context.Background(), Request{Question: "drones Kabul coalition Russia", K: tt.reqK})
		if err != nil {
			t.Fatal(err)
		}
		ps := found.Passages
		if len(ps) != tt.want {
			t.Errorf("config k %d, request k %d: %d passages, want %d", tt.cfgK, tt.reqK, len(ps), tt.want)
		}
	}
	if err := (RetrievalConfig{K: MaxK + 1}).Validate(); err == nil {
		t.Errorf("k %d accepted", MaxK+1)
	}
}
