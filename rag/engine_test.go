package rag

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsrag/newsrag/internal/testfake"
)

// slowEmbedder is a remote embedder whose server takes its time: queries
// containing "slow" wait until release is closed.
type slowEmbedder struct {
	*testfake.Embedder
	entered chan struct{}
	release chan struct{}
}

func (s *slowEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	if strings.Contains(text, "slow") {
		s.entered <- struct{}{}
		select {
		case <-s.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Embedder.EmbedQuery(ctx, text)
}

// TestSlowEmbedderHoldsNoCPUSlot: requests waiting for a remote embedder
// do not take the CPU slots, so others are served meanwhile.
func TestSlowEmbedderHoldsNoCPUSlot(t *testing.T) {
	emb := &slowEmbedder{Embedder: testfake.NewEmbedder(), entered: make(chan struct{}), release: make(chan struct{})}
	e := newTestEngine(t, Config{Embedder: emb})
	slots := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for range slots {
		wg.Go(func() {
			if _, err := e.Ask(context.Background(), Request{Question: "slow drones"}, Stream{}); err != nil {
				t.Error(err)
			}
		})
	}
	for range slots {
		<-emb.entered
	}
	for _, q := range []string{"What do the drones target?", "Who entered Kabul?"} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if _, err := e.Search(ctx, Request{Question: q}); err != nil {
			t.Errorf("search %q while %d questions wait for the embedder: %v", q, slots, err)
		}
		if _, err := e.Ask(ctx, Request{Question: q}, Stream{}); err != nil {
			t.Errorf("ask %q while %d questions wait for the embedder: %v", q, slots, err)
		}
		cancel()
	}
	close(emb.release)
	wg.Wait()
}
