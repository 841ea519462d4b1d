package rag

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// RemoteStore is a Store outside the process: a database that several
// newsrag processes share (rag/weaviate is one). An ingest writes its
// changes to it article by article, and every process sees them at once;
// there is no index file to reload.
type RemoteStore interface {
	Store
	// Catalog describes the stored articles: their outlets and newest
	// date.
	Cataloger
	// Location names the store for messages, e.g. its URL and collection.
	Location() string
	// Setup returns how the stored chunks were made, or nil when the store
	// holds nothing yet.
	Setup(ctx context.Context) (*Setup, error)
	// Reset removes every article and records setup: the start of a full
	// build.
	Reset(ctx context.Context, setup Setup) error
	// Hashes returns the Key each stored article was Put with, by article
	// ID.
	Hashes(ctx context.Context) (map[string]string, error)
	// Put writes articles with their chunks, replacing what the store held
	// for each. Writing the same documents again changes nothing.
	Put(ctx context.Context, docs []Document) error
	// Delete removes articles and their chunks.
	Delete(ctx context.Context, articleIDs []string) error
	// Article returns a stored article, or an error wrapping ErrNotFound.
	Article(ctx context.Context, id string) (corpus.Article, error)
	// Articles returns every stored article, sorted by ID.
	Articles(ctx context.Context) ([]corpus.Article, error)
	// Count returns the number of stored articles and chunks.
	Count(ctx context.Context) (articles, chunks int, err error)
}

// Setup is how a store's chunks were made. Chunks, vectors and term
// statistics are only comparable within one setup.
type Setup struct {
	Fingerprint embed.Fingerprint `json:"fingerprint"`
	Chunking    ChunkConfig       `json:"chunking"`
	// Content is the ContentVersion of the text analysis and chunking.
	Content string `json:"content"`
}

// Document is an article with its chunks, as an ingest writes it to a
// RemoteStore.
type Document struct {
	Article corpus.Article
	// Key identifies this version of the article, as Hashes reports it:
	// its content hash, and its alternates (which the hash leaves out).
	Key    string
	Chunks []Chunk
	// Vectors are the chunks' unit-length embeddings, one per chunk.
	Vectors [][]float32
	// Terms are each chunk's analysed terms, its article's title's first,
	// for BM25 (see Analyzer).
	Terms [][]string
}

// remoteBatchChunks is how many chunks an ingest embeds before writing
// them to a remote store.
const remoteBatchChunks = 256

// ingestRemote brings the remote store up to date with articles: new and
// changed articles are chunked, embedded and written, missing ones
// deleted, unchanged ones left alone. A change of chunking or text
// analysis rebuilds everything; a different embedder is refused unless
// opts.Rebuild.
func (e *Engine) ingestRemote(ctx context.Context, articles []corpus.Article, opts IngestOptions) (BuildStats, error) {
	start := time.Now()
	var st BuildStats
	s := e.cfg.Store
	counter, _ := e.cfg.Embedder.(embed.TokenCounter)
	chunker := NewChunker(e.cfg.Chunking, counter)
	setup := Setup{Fingerprint: e.cfg.Embedder.Fingerprint(), Chunking: chunker.Config(), Content: ContentVersion}
	arts, err := sortedArticles(articles)
	if err != nil {
		return st, fmt.Errorf("ingest: %w", err)
	}
	have, err := s.Setup(ctx)
	if err != nil {
		return st, fmt.Errorf("ingest: %w", err)
	}
	if have != nil && !opts.Rebuild && !sameModel(have.Fingerprint, setup.Fingerprint) {
		return st, fmt.Errorf("%w: %s holds chunks embedded with %s, but the configured embedder is %s",
			ErrEmbedderMismatch, s.Location(), have.Fingerprint, setup.Fingerprint)
	}
	prev, err := s.Hashes(ctx)
	if err != nil {
		return st, fmt.Errorf("ingest: %w", err)
	}
	if have == nil || opts.Rebuild || have.Chunking != setup.Chunking || have.Content != setup.Content {
		for id := range prev {
			if !slices.ContainsFunc(arts, func(a corpus.Article) bool { return a.ID == id }) {
				st.Removed++
			}
		}
		prev = nil
		if err := s.Reset(ctx, setup); err != nil {
			return st, fmt.Errorf("ingest: %w", err)
		}
	}

	var changed []corpus.Article
	keep := make(map[string]bool, len(arts))
	for _, a := range arts {
		keep[a.ID] = true
		h, ok := prev[a.ID]
		switch {
		case ok && h == documentKey(a):
			st.Unchanged++
			continue
		case ok:
			st.Updated++
		default:
			st.Added++
		}
		changed = append(changed, a)
	}
	var removed []string
	for id := range prev {
		if !keep[id] {
			removed = append(removed, id)
		}
	}
	slices.Sort(removed)
	st.Removed += len(removed)

	docs := make([]Document, 0, len(changed))
	total := 0
	for _, a := range changed {
		chunks, err := chunker.Chunk(ctx, a)
		if err != nil {
			return st, fmt.Errorf("ingest: chunk %s: %w", a.ID, err)
		}
		docs = append(docs, Document{Article: a, Key: documentKey(a), Chunks: chunks})
		total += len(chunks)
	}
	embStart := time.Now()
	done := 0
	for lo := 0; lo < len(docs); {
		hi, n := lo, 0
		for hi < len(docs) && (n == 0 || n+len(docs[hi].Chunks) <= remoteBatchChunks) {
			n += len(docs[hi].Chunks)
			hi++
		}
		batch := docs[lo:hi]
		if err := e.embedDocuments(ctx, chunker, batch); err != nil {
			return st, fmt.Errorf("ingest: %w", err)
		}
		done += n
		if opts.Progress != nil {
			opts.Progress(done, total)
		}
		if err := s.Put(ctx, batch); err != nil {
			return st, fmt.Errorf("ingest: %w", err)
		}
		lo = hi
	}
	st.Embedding = time.Since(embStart)
	st.Embedded = total
	if len(removed) > 0 {
		if err := s.Delete(ctx, removed); err != nil {
			return st, fmt.Errorf("ingest: %w", err)
		}
	}
	e.remoteReady.Store(true)
	st.Articles = len(arts)
	if _, st.Chunks, err = s.Count(ctx); err != nil {
		return st, fmt.Errorf("ingest: %w", err)
	}
	st.Total = time.Since(start)
	e.cfg.Logger.Info("store updated", "store", s.Location(), "articles", st.Articles, "chunks", st.Chunks,
		"added", st.Added, "updated", st.Updated, "removed", st.Removed, "embedded", st.Embedded, "took", st.Total)
	return st, nil
}

// embedDocuments fills the vectors and terms of docs' chunks.
func (e *Engine) embedDocuments(ctx context.Context, chunker *Chunker, docs []Document) error {
	var texts []string
	for i := range docs {
		d := &docs[i]
		for _, c := range d.Chunks {
			texts = append(texts, chunker.EmbedText(d.Article, c))
			d.Terms = append(d.Terms, e.analyzer.Terms(e.analyzer.Terms(nil, d.Article.Title), d.Article.Text[c.Start:c.End]))
		}
	}
	var vecs [][]float32
	for b := 0; b < len(texts); b += 64 {
		out, err := e.cfg.Embedder.EmbedDocuments(ctx, texts[b:min(b+64, len(texts))])
		if err != nil {
			return fmt.Errorf("embed chunks: %w", err)
		}
		vecs = append(vecs, out...)
	}
	if len(vecs) != len(texts) {
		return fmt.Errorf("embedder returned %d vectors for %d texts", len(vecs), len(texts))
	}
	for i := range docs {
		d := &docs[i]
		d.Vectors, vecs = vecs[:len(d.Chunks)], vecs[len(d.Chunks):]
		for _, v := range d.Vectors {
			embed.Normalize(v)
		}
	}
	return nil
}

// documentKey is an article's Document.Key: its hash, followed by a
// digest of its alternates when it has any, so that new alternates are
// written too (at the cost of re-embedding that article).
func documentKey(a corpus.Article) string {
	if len(a.Alternates) == 0 {
		return a.Hash
	}
	b, _ := json.Marshal(a.Alternates)
	sum := sha256.Sum256(b)
	return a.Hash + "+" + hex.EncodeToString(sum[:8])
}

// sortedArticles returns articles sorted by ID; duplicate IDs are an error.
func sortedArticles(articles []corpus.Article) ([]corpus.Article, error) {
	arts := slices.Clone(articles)
	slices.SortFunc(arts, func(a, b corpus.Article) int { return strings.Compare(a.ID, b.ID) })
	for i := 1; i < len(arts); i++ {
		if arts[i].ID == arts[i-1].ID {
			return nil, fmt.Errorf("two articles have the ID %q", arts[i].ID)
		}
	}
	return arts, nil
}

// refreshRemote checks the remote store's setup: an engine becomes ready
// once the store holds chunks made with its embedder (an ingest by another
// process counts).
func (e *Engine) refreshRemote(ctx context.Context) error {
	setup, err := e.cfg.Store.Setup(ctx)
	if err != nil {
		return err
	}
	if setup == nil {
		e.remoteReady.Store(false)
		return nil
	}
	if !sameModel(setup.Fingerprint, e.cfg.Embedder.Fingerprint()) {
		e.remoteReady.Store(false)
		return fmt.Errorf("%w: %s holds chunks embedded with %s, but the configured embedder is %s",
			ErrEmbedderMismatch, e.cfg.Store.Location(), setup.Fingerprint, e.cfg.Embedder.Fingerprint())
	}
	e.remoteSetup.Store(setup)
	e.remoteReady.Store(true)
	return nil
}
