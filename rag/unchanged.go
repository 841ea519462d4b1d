package rag

import (
	"cmp"
	"slices"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// unchanged reports whether articles are exactly the articles of ix (same
// IDs, hashes and alternates), so that ingesting them would change nothing:
// a refresh that found no news costs no rebuild and no write.
func unchanged(ix *Index, articles []corpus.Article) bool {
	if ix == nil || len(ix.articles) != len(articles) {
		return false
	}
	arts := slices.Clone(articles)
	slices.SortFunc(arts, func(a, b corpus.Article) int { return cmp.Compare(a.ID, b.ID) })
	for i, a := range arts {
		b := ix.articles[i]
		if a.ID != b.ID || a.Hash != b.Hash || !slices.EqualFunc(a.Alternates, b.Alternates, sameAlternate) {
			return false
		}
	}
	return true
}

// chunkedAsConfigured reports whether ix's chunks are those e's chunker
// would make. An index of an older chunker is re-chunked at the next ingest
// even when no article changed.
func (e *Engine) chunkedAsConfigured(ix *Index) bool {
	counter, _ := e.cfg.Embedder.(embed.TokenCounter)
	return ix.chunkedBy(NewChunker(e.cfg.Chunking, counter))
}

// chunkedBy reports whether ix's chunks are those c makes: the same
// chunking settings and chunker version.
func (ix *Index) chunkedBy(c *Chunker) bool {
	return ix.chunker == chunkerVersion && ix.chunking == c.Config()
}

// sameAlternate compares alternates by value (dates as instants).
func sameAlternate(a, b corpus.Alternate) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Outlet == b.Outlet && a.URL == b.URL && a.Published.Equal(b.Published)
}
