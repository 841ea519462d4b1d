package rag

import (
	"context"
	"slices"
	"sync"

	"github.com/newsrag/newsrag/embed"
)

// sentenceCacheSize bounds the sentence vectors kept (512-d: 2 KiB each).
const sentenceCacheSize = 8192

// sentenceCache keeps unit-length embeddings of sentences the extractive
// answerer has scored, evicting the oldest first. It is safe for concurrent
// use.
type sentenceCache struct {
	mu    sync.Mutex
	vecs  map[string][]float32
	order []string // insertion order, for eviction
}

// embed returns unit vectors for texts, embedding only those not cached.
func (c *sentenceCache) embed(ctx context.Context, e embed.Embedder, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var missing []string
	var at []int
	c.mu.Lock()
	for i, t := range texts {
		if v, ok := c.vecs[t]; ok {
			out[i] = v
		} else {
			missing = append(missing, t)
			at = append(at, i)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	vs, err := e.EmbedDocuments(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vecs == nil {
		c.vecs = make(map[string][]float32)
	}
	for k, v := range vs {
		v = slices.Clone(v)
		embed.Normalize(v)
		out[at[k]] = v
		if _, ok := c.vecs[missing[k]]; ok {
			continue
		}
		if len(c.order) >= sentenceCacheSize {
			delete(c.vecs, c.order[0])
			c.order = c.order[1:]
		}
		c.vecs[missing[k]] = v
		c.order = append(c.order, missing[k])
	}
	return out, nil
}
