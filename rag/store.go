package rag

import (
	"context"
	"time"

	"github.com/newsrag/newsrag/corpus"
)

// Store keeps a corpus's chunks and runs the first stage of retrieval:
// BM25 and dense search, fused, with filters. The embedded Index is one;
// a database shared by several processes is another (see RemoteStore).
// Everything after the first stage (re-ranking, near-duplicate collapse,
// answerability, answering, citations) is the same code for every store.
type Store interface {
	// Search returns up to q.Limit chunks that match q, best first.
	Search(ctx context.Context, q SearchQuery) (*SearchResult, error)
}

// SearchQuery is the first stage of retrieval, as a store runs it.
type SearchQuery struct {
	// Terms are the question's analysed terms (see Analyzer). The store
	// reports their statistics and, when Lexical is set, searches them
	// with BM25.
	Terms   []string
	Lexical bool
	// Vector is the question's unit-length embedding, searched by cosine
	// similarity; nil means no dense search.
	Vector []float32
	// DenseWeight is the dense share of the fused score: 0 ranks by BM25
	// alone, 1 by cosine similarity alone.
	DenseWeight float64
	// Limit is the most hits to return.
	Limit int
	// Filters restrict the search to some articles.
	Filters Filters
}

// SearchResult is what a store's search found.
type SearchResult struct {
	// Hits are the chunks found, best first.
	Hits []Hit
	// Terms gives the corpus-wide statistics of the query's terms, in the
	// same term IDs as the hits' bags.
	Terms TermStats
}

// Hit is a chunk a store found for a question.
type Hit struct {
	Chunk Chunk
	// Article is the chunk's article, with its text. Shared: do not modify.
	Article *corpus.Article
	// Text is the chunk's text, Article.Text[Chunk.Start:Chunk.End].
	Text string
	// Bag holds the terms of the chunk and its article's title, sorted by
	// term ID, for near-duplicate collapse and coverage.
	Bag []TermFreq
	// Score is the fused first-stage score, in [0,1].
	Score float64
	// Lexical is the BM25 score divided by the best hit's, in [0,1].
	Lexical float64
	// Dense is the cosine similarity with the question (0 when unknown).
	Dense float64
}

// TermStats gives the statistics of terms over a whole corpus, as BM25
// sees them.
type TermStats interface {
	// Term returns a term's ID and its inverse document frequency; ok is
	// false for a term that no chunk holds.
	Term(t string) (id uint32, idf float64, ok bool)
	// Chunks returns the number of chunks in the corpus.
	Chunks() int
}

// IDF is BM25's inverse document frequency of a term found in df of n
// chunks, as every store computes it.
func IDF(n, df int) float64 { return logIDF(float64(n), float64(df)) }

// unknownIDF is the weight of a query term no chunk holds: the rarest
// possible term's.
func unknownIDF(ts TermStats) float64 { return logIDF(float64(ts.Chunks()), 0) }

// Catalog describes a store's corpus as a whole, for splitting questions
// into parts (see Decompose).
type Catalog struct {
	// Outlets are the distinct outlet names of the articles, sorted.
	Outlets []string
	// Latest is the newest publication date of the articles (zero when
	// none has a date).
	Latest time.Time
}

// Cataloger is a Store that describes its corpus. A Retriever splits
// questions into parts only over a Cataloger (the Index and every
// RemoteStore are).
type Cataloger interface {
	Catalog(ctx context.Context) (Catalog, error)
}
