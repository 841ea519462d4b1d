package rag

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// Index is a hybrid index of articles. Its chunk documents (ID, text,
// article, vector) are held in a chromem-go collection, which the index
// file's vectors are written from. Each document's vector is a view into
// one contiguous slice, which the dense search scans (filtering before
// scoring), and a BM25 lexicon indexes the chunks' terms. Search reads its
// hits from the index's own arrays rather than the collection: chromem's
// GetByID copies the whole vector, too costly for every candidate of every
// query.
// An Index is immutable once built and safe for concurrent use;
// re-ingesting builds a new Index (see Build).
type Index struct {
	fingerprint embed.Fingerprint
	chunking    ChunkConfig
	chunker     string // chunkerVersion of the chunks
	builtAt     time.Time

	articles []corpus.Article // sorted by ID
	byID     map[string]int   // article ID → index in articles
	chunks   []Chunk
	chunkArt []uint32 // chunk → index in articles
	dim      int
	vectors  []float32 // chunk i is vectors[i*dim : (i+1)*dim], unit length
	vocab    []string
	bags     [][]TermFreq

	lex  *lexicon
	docs *chromem.Collection // the chunk documents, by Chunk.ID

	outlets map[string]bool // words of the articles' outlet names, lower-cased
	// properNames returns the articles' proper names (see names.go),
	// collected on first use.
	properNames func() *nameLexicon
}

// Fingerprint identifies the embedder the index was built with.
func (ix *Index) Fingerprint() embed.Fingerprint { return ix.fingerprint }

// Chunking returns the chunking configuration the index was built with.
func (ix *Index) Chunking() ChunkConfig { return ix.chunking }

// BuiltAt is when the index was built.
func (ix *Index) BuiltAt() time.Time { return ix.builtAt }

// Len returns the number of chunks.
func (ix *Index) Len() int { return len(ix.chunks) }

// Articles returns the indexed articles, sorted by ID. The slice is shared:
// do not modify it.
func (ix *Index) Articles() []corpus.Article { return ix.articles }

// Article returns the article with the given ID.
func (ix *Index) Article(id string) (corpus.Article, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return corpus.Article{}, false
	}
	return ix.articles[i], true
}

// Chunks returns the chunks in index order. Do not modify the slice.
func (ix *Index) Chunks() []Chunk { return ix.chunks }

// vector returns chunk i's embedding.
func (ix *Index) vector(i uint32) []float32 {
	return ix.vectors[int(i)*ix.dim : int(i+1)*ix.dim]
}

// chunkVector returns the embedding of chunk c, or nil when the index does
// not hold it. An article's chunks are contiguous, in article order.
func (ix *Index) chunkVector(c Chunk) []float32 {
	ai, ok := ix.byID[c.ArticleID]
	if !ok {
		return nil
	}
	first, _ := slices.BinarySearch(ix.chunkArt, uint32(ai))
	for i := first; i < len(ix.chunks) && ix.chunkArt[i] == uint32(ai); i++ {
		if ix.chunks[i].ID == c.ID {
			return ix.vector(uint32(i))
		}
	}
	return nil
}

// BuildStats summarises what Build did.
type BuildStats struct {
	Articles  int           `json:"articles"`
	Chunks    int           `json:"chunks"`
	Added     int           `json:"added"`     // articles new to the index
	Updated   int           `json:"updated"`   // articles whose content changed
	Removed   int           `json:"removed"`   // articles no longer present
	Unchanged int           `json:"unchanged"` // articles reused without re-embedding
	Embedded  int           `json:"embedded"`  // chunks embedded
	Embedding time.Duration `json:"embedding_ns"`
	Total     time.Duration `json:"total_ns"`
}

// BuildConfig says how to build an index.
type BuildConfig struct {
	Embedder embed.Embedder // required
	Chunking ChunkConfig
	// Previous, when set, is reused: chunks and vectors of articles whose
	// hash is unchanged are copied rather than re-embedded. It must have
	// been built with the same embedder and chunking, else it is ignored.
	Previous *Index
	// Progress, when set, is called as chunks are embedded.
	Progress func(done, total int)
	// BatchSize is the number of chunks per embedding call. Default 64.
	BatchSize int
}

// Build indexes articles. Articles with duplicate IDs are an error.
func Build(ctx context.Context, articles []corpus.Article, cfg BuildConfig) (*Index, BuildStats, error) {
	start := time.Now()
	var st BuildStats
	if cfg.Embedder == nil {
		return nil, st, errors.New("build index: no embedder")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	counter, _ := cfg.Embedder.(embed.TokenCounter)
	chunker := NewChunker(cfg.Chunking, counter)
	fp := cfg.Embedder.Fingerprint()
	prev := cfg.Previous
	if prev != nil && (!sameModel(prev.fingerprint, fp) || !prev.chunkedBy(chunker)) {
		prev = nil
	}

	arts, err := sortedArticles(articles)
	if err != nil {
		return nil, st, fmt.Errorf("build index: %w", err)
	}

	ix := &Index{
		fingerprint: fp,
		chunking:    chunker.Config(),
		chunker:     chunkerVersion,
		builtAt:     time.Now().UTC(),
		articles:    arts,
		byID:        make(map[string]int, len(arts)),
		dim:         fp.Dim,
		outlets:     outletWords(arts),
	}
	analyzer := NewAnalyzer()
	vocab := map[string]uint32{}
	var (
		toEmbed []int // chunk indexes to embed
		reused  = map[int][]float32{}
	)
	for ai, a := range arts {
		ix.byID[a.ID] = ai
		if p, ok := prevArticle(prev, a.ID); ok && p.Hash == a.Hash {
			st.Unchanged++
			pi := prev.byID[a.ID]
			for ci := range prev.chunks {
				if prev.chunkArt[ci] != uint32(pi) {
					continue
				}
				c := prev.chunks[ci]
				n := len(ix.chunks)
				ix.chunks = append(ix.chunks, c)
				ix.chunkArt = append(ix.chunkArt, uint32(ai))
				ix.bags = append(ix.bags, remapBag(prev.bags[ci], prev.vocab, vocab))
				reused[n] = prev.vector(uint32(ci))
			}
			continue
		}
		if _, ok := prevArticle(prev, a.ID); ok {
			st.Updated++
		} else {
			st.Added++
		}
		chunks, err := chunker.Chunk(ctx, a)
		if err != nil {
			return nil, st, fmt.Errorf("build index: chunk %s: %w", a.ID, err)
		}
		for _, c := range chunks {
			n := len(ix.chunks)
			ix.chunks = append(ix.chunks, c)
			ix.chunkArt = append(ix.chunkArt, uint32(ai))
			ix.bags = append(ix.bags, bagOf(analyzer, vocab, a.Title, a.Text[c.Start:c.End]))
			toEmbed = append(toEmbed, n)
		}
	}
	if prev != nil {
		for _, a := range prev.articles {
			if _, ok := ix.byID[a.ID]; !ok {
				st.Removed++
			}
		}
	} else {
		st.Added = len(arts)
		st.Updated = 0
	}

	// Embed the new chunks in batches, straight into the contiguous slice
	// (holding every vector twice would double the peak memory of a
	// large build).
	if ix.dim == 0 && prev != nil {
		ix.dim = prev.dim
	}
	embStart := time.Now()
	for b := 0; b < len(toEmbed); b += cfg.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, st, fmt.Errorf("build index: %w", err)
		}
		e := min(b+cfg.BatchSize, len(toEmbed))
		texts := make([]string, e-b)
		for k, ci := range toEmbed[b:e] {
			texts[k] = chunker.EmbedText(arts[ix.chunkArt[ci]], ix.chunks[ci])
		}
		out, err := cfg.Embedder.EmbedDocuments(ctx, texts)
		if err != nil {
			return nil, st, fmt.Errorf("build index: embed chunks %d-%d: %w", b, e, err)
		}
		if len(out) != e-b {
			return nil, st, fmt.Errorf("build index: embedder returned %d vectors for %d texts", len(out), e-b)
		}
		if ix.vectors == nil {
			if ix.dim == 0 {
				ix.dim = len(out[0])
				ix.fingerprint.Dim = ix.dim
			}
			ix.vectors = make([]float32, len(ix.chunks)*ix.dim)
		}
		for k, v := range out {
			if len(v) != ix.dim {
				return nil, st, fmt.Errorf("build index: embedder returned a %d-d vector, want %d", len(v), ix.dim)
			}
			ci := toEmbed[b+k]
			dst := ix.vectors[ci*ix.dim : (ci+1)*ix.dim]
			copy(dst, v)
			embed.Normalize(dst)
		}
		if cfg.Progress != nil {
			cfg.Progress(e, len(toEmbed))
		}
	}
	st.Embedding = time.Since(embStart)
	st.Embedded = len(toEmbed)
	if ix.vectors == nil {
		ix.vectors = make([]float32, len(ix.chunks)*ix.dim)
	}
	for i, v := range reused {
		copy(ix.vectors[i*ix.dim:], v)
	}
	ix.vocab = make([]string, len(vocab))
	for t, id := range vocab {
		ix.vocab[id] = t
	}
	if err := ix.finish(ctx); err != nil {
		return nil, st, err
	}
	st.Articles, st.Chunks = len(ix.articles), len(ix.chunks)
	st.Total = time.Since(start)
	return ix, st, nil
}

// sameModel reports whether two fingerprints name the same vector space. A
// zero Dim (a remote embedder not yet called) matches any dimension.
func sameModel(a, b embed.Fingerprint) bool {
	return a.Provider == b.Provider && a.Model == b.Model && a.Version == b.Version &&
		(a.Dim == 0 || b.Dim == 0 || a.Dim == b.Dim)
}

func prevArticle(prev *Index, id string) (corpus.Article, bool) {
	if prev == nil {
		return corpus.Article{}, false
	}
	return prev.Article(id)
}

// bagOf analyses a chunk (with its article's title) into a bag of terms,
// adding new terms to vocab.
func bagOf(a *Analyzer, vocab map[string]uint32, title, text string) []TermFreq {
	terms := a.Terms(a.Terms(nil, title), text)
	counts := map[uint32]uint32{}
	for _, t := range terms {
		id, ok := vocab[t]
		if !ok {
			id = uint32(len(vocab))
			vocab[t] = id
		}
		counts[id]++
	}
	bag := make([]TermFreq, 0, len(counts))
	for id, n := range counts {
		bag = append(bag, TermFreq{id, n})
	}
	slices.SortFunc(bag, func(x, y TermFreq) int { return int(x.Term) - int(y.Term) })
	return bag
}

// remapBag translates a bag from another index's vocabulary into vocab.
func remapBag(bag []TermFreq, from []string, vocab map[string]uint32) []TermFreq {
	out := make([]TermFreq, len(bag))
	for i, tf := range bag {
		t := from[tf.Term]
		id, ok := vocab[t]
		if !ok {
			id = uint32(len(vocab))
			vocab[t] = id
		}
		out[i] = TermFreq{id, tf.TF}
	}
	slices.SortFunc(out, func(x, y TermFreq) int { return int(x.Term) - int(y.Term) })
	return out
}

// metaArticle is the chunk documents' metadata key for their article's ID.
const metaArticle = "article_id"

// finish builds the chunk documents' collection and the lexicon. Documents
// are added one by one: chromem's AddDocuments starts a goroutine per
// document, which costs more than the adding.
func (ix *Index) finish(ctx context.Context) error {
	ix.lex = newLexicon(ix.vocab, ix.bags)
	ix.properNames = sync.OnceValue(func() *nameLexicon { return newNameLexicon(ix.articles) })
	coll, err := chromem.NewDB().CreateCollection("chunks", nil, noEmbedding)
	if err != nil {
		return fmt.Errorf("create chunk collection: %w", err)
	}
	for i, c := range ix.chunks {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("index chunks: %w", err)
			}
		}
		a := ix.articles[ix.chunkArt[i]]
		doc := chromem.Document{
			ID:        c.ID,
			Content:   a.Text[c.Start:c.End],
			Metadata:  map[string]string{metaArticle: a.ID},
			Embedding: ix.vector(uint32(i)), // shared with the contiguous slice
		}
		if err := coll.AddDocument(ctx, doc); err != nil {
			return fmt.Errorf("add chunk %s: %w", c.ID, err)
		}
	}
	ix.docs = coll
	return nil
}

// document returns chunk i's document from the collection.
func (ix *Index) document(i uint32) (chromem.Document, error) {
	doc, err := ix.docs.GetByID(context.Background(), ix.chunks[i].ID)
	if err != nil {
		return doc, fmt.Errorf("%w: chunk %s: %v", ErrIndexCorrupt, ix.chunks[i].ID, err)
	}
	return doc, nil
}

// noEmbedding is the collection's embedding function: the index always
// passes precomputed vectors, so a call means a bug.
func noEmbedding(context.Context, string) ([]float32, error) {
	return nil, errors.New("newsrag index: the vector collection embeds nothing itself")
}
