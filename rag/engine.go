package rag

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// Config configures an Engine. Zero fields take the defaults.
type Config struct {
	// DataDir holds the index file. Required unless Store is set.
	DataDir string
	// Store, when set, keeps the chunks in a database shared by several
	// processes instead of the index file in DataDir (see RemoteStore).
	Store RemoteStore
	// Embedder embeds chunks and questions. Required.
	Embedder embed.Embedder
	// Chunking is how articles are split at ingest.
	Chunking ChunkConfig
	// Retrieval is how passages are found.
	Retrieval RetrievalConfig
	// Relevance decides when the corpus has no answer.
	Relevance RelevanceConfig
	// Extractive configures the offline answerer, used when LLM is nil.
	Extractive ExtractiveConfig
	// LLM generates answers; nil means answers are extracted.
	LLM *Generator
	// Logger receives progress and warnings. Default: discard.
	Logger *slog.Logger
	// Now is the clock that time words in questions ("this week",
	// "latest") are resolved against; pin it for tests and evaluation.
	// Default: time.Now.
	Now func() time.Time
	// Fresh skips loading the index on disk: the next Ingest replaces it.
	// This is how a damaged index, or one built with another embedder, is
	// rebuilt.
	Fresh bool
}

// RelevanceConfig decides whether retrieval found something that answers
// the question: the answerability model (see Features) estimates the
// probability that it did, and the question is answered when that reaches
// Threshold. The same decision runs before any LLM call.
type RelevanceConfig struct {
	// Model is the answerability model. Default: DefaultGate.
	Model *GateModel `json:"-"`
	// Threshold is the least probability answered. Default: the model's.
	Threshold float64 `json:"threshold"`
	// Sure is the least probability answered without reservation: an
	// answer whose probability lies between Threshold and Sure is marked
	// Unsure, and every door (CLI, page, APIs) says so. Default DefaultSure.
	Sure float64 `json:"sure"`
}

// DefaultSure is RelevanceConfig.Sure's default, chosen on the eval
// figures the README gives.
const DefaultSure = 0.8

func (c RelevanceConfig) withDefaults() RelevanceConfig {
	if c.Model == nil {
		m := DefaultGate
		c.Model = &m
	}
	if c.Threshold == 0 {
		c.Threshold = c.Model.Threshold
	}
	if c.Sure == 0 {
		c.Sure = DefaultSure
	}
	return c
}

// Engine is newsrag's pipeline: it owns the current index, retrieves and
// answers. It is safe for concurrent use; Ingest builds a new index while
// queries keep using the old one, then swaps them atomically.
type Engine struct {
	cfg       Config
	retriever *Retriever
	analyzer  *Analyzer
	index     atomic.Pointer[Index]
	// remoteReady and remoteSetup describe cfg.Store, when set.
	remoteReady atomic.Bool
	remoteSetup atomic.Pointer[Setup]
	indexSize   atomic.Int64
	ingestMu    sync.Mutex // one ingest at a time
	sentences   sentenceCache
	// cpu admits CPU-bound work (retrieval, extraction) first come, first
	// served, one request per core: under overload requests wait in line
	// instead of all slowing down, which keeps tail latency bounded.
	cpu *semaphore.Weighted
}

// Open returns an Engine over cfg.DataDir, loading the index there if one
// exists, or over cfg.Store. A missing index is not an error (Ready reports
// false until Ingest); a corrupt one, or one built with another embedder,
// is.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.DataDir == "" && cfg.Store == nil {
		return nil, errors.New("open engine: no data directory")
	}
	if cfg.Embedder == nil {
		return nil, errors.New("open engine: no embedder")
	}
	if err := cfg.Retrieval.Validate(); err != nil {
		return nil, fmt.Errorf("open engine: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Relevance = cfg.Relevance.withDefaults()
	e := &Engine{cfg: cfg, retriever: NewRetriever(cfg.Retrieval, cfg.Embedder), analyzer: NewAnalyzer(),
		cpu: semaphore.NewWeighted(int64(runtime.GOMAXPROCS(0)))}
	if cfg.Fresh {
		return e, nil
	}
	if cfg.Store != nil {
		if err := e.refreshRemote(ctx); err != nil {
			return nil, fmt.Errorf("open engine: %w", err)
		}
		return e, nil
	}
	path := e.IndexPath()
	ix, err := Load(ctx, path)
	switch {
	case IsNotExist(err):
		return e, nil
	case err != nil:
		return nil, err
	}
	if err := e.checkEmbedder(ix); err != nil {
		return nil, err
	}
	e.swap(ix)
	return e, nil
}

// IndexPath is the index file's path.
func (e *Engine) IndexPath() string { return filepath.Join(e.cfg.DataDir, IndexFileName) }

func (e *Engine) checkEmbedder(ix *Index) error {
	have, want := ix.Fingerprint(), e.cfg.Embedder.Fingerprint()
	if !sameModel(have, want) {
		return fmt.Errorf("%w: the index at %s was built with %s, but the configured embedder is %s",
			ErrEmbedderMismatch, e.IndexPath(), have, want)
	}
	return nil
}

func (e *Engine) swap(ix *Index) {
	e.index.Store(ix)
	if fi, err := os.Stat(e.IndexPath()); err == nil {
		e.indexSize.Store(fi.Size())
	}
}

// Location says where the engine keeps its chunks: the index file's path,
// or the remote store.
func (e *Engine) Location() string {
	if e.cfg.Store != nil {
		return e.cfg.Store.Location()
	}
	return e.IndexPath()
}

// Index returns the current index, or nil before the first ingest and on a
// remote store.
func (e *Engine) Index() *Index { return e.index.Load() }

// Ready reports whether an index is loaded, or the remote store holds an
// ingest.
func (e *Engine) Ready() bool {
	if e.cfg.Store != nil {
		return e.remoteReady.Load()
	}
	return e.index.Load() != nil
}

// IngestOptions modify Ingest.
type IngestOptions struct {
	// Rebuild discards the current index instead of reusing it, which is
	// also what allows switching to another embedder.
	Rebuild bool
	// Progress is called as chunks are embedded.
	Progress func(done, total int)
}

// Ingest indexes articles, replacing the current index: unchanged articles
// keep their vectors, changed ones are re-embedded, missing ones removed.
// When nothing changed at all, the index is left as it is, unwritten.
// The new index is saved atomically before it replaces the old one, so a
// failure at any point leaves the previous index in place, on disk and in
// memory.
func (e *Engine) Ingest(ctx context.Context, articles []corpus.Article, opts IngestOptions) (BuildStats, error) {
	e.ingestMu.Lock()
	defer e.ingestMu.Unlock()
	if e.cfg.Store != nil {
		return e.ingestRemote(ctx, articles, opts)
	}
	prev := e.index.Load()
	if prev != nil && !opts.Rebuild {
		if err := e.checkEmbedder(prev); err != nil {
			return BuildStats{}, err
		}
	}
	if opts.Rebuild {
		prev = nil
	}
	if unchanged(prev, articles) && e.chunkedAsConfigured(prev) { // nothing to build or write
		return BuildStats{Articles: len(articles), Chunks: prev.Len(), Unchanged: len(articles)}, nil
	}
	ix, st, err := Build(ctx, articles, BuildConfig{
		Embedder: e.cfg.Embedder,
		Chunking: e.cfg.Chunking,
		Previous: prev,
		Progress: opts.Progress,
	})
	if err != nil {
		return st, err
	}
	if prev == nil && e.index.Load() != nil {
		st.Removed = 0
		for _, a := range e.index.Load().Articles() {
			if _, ok := ix.Article(a.ID); !ok {
				st.Removed++
			}
		}
	}
	if err := ix.Save(e.IndexPath()); err != nil {
		return st, err
	}
	e.swap(ix)
	e.cfg.Logger.Info("index updated", "articles", st.Articles, "chunks", st.Chunks,
		"added", st.Added, "updated", st.Updated, "removed", st.Removed, "embedded", st.Embedded, "took", st.Total)
	return st, nil
}

// current returns the store to search, or ErrNotReady.
func (e *Engine) current() (Store, error) {
	if e.cfg.Store != nil {
		if !e.remoteReady.Load() {
			return nil, fmt.Errorf("%w: %s holds no ingest yet", ErrNotReady, e.cfg.Store.Location())
		}
		return e.cfg.Store, nil
	}
	ix := e.index.Load()
	if ix == nil {
		return nil, fmt.Errorf("%w: no index yet", ErrNotReady)
	}
	return ix, nil
}

// Search retrieves passages for req.Question, its misspellings corrected
// first.
func (e *Engine) Search(ctx context.Context, req Request) (Found, error) {
	st, err := e.current()
	if err != nil {
		return Found{}, err
	}
	var f Found
	req.Question, f.Corrections = e.spellCorrected(ctx, st, req.Question)
	r, err := e.retrieve(ctx, st, req)
	if err != nil {
		return Found{}, err
	}
	f.Passages = r.Passages
	return f, nil
}

// retrieveOnce retrieves passages for req, holding one of the engine's CPU
// slots for the CPU-bound work only: the question is embedded before the
// slot is taken when the embedder is a remote server, and within it when
// the embedder is the built-in model, whose embedding is CPU work too; a
// remote store is searched outside it.
func (e *Engine) retrieveOnce(ctx context.Context, s Store, req Request) (*Retrieval, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	local := e.cfg.Embedder.Fingerprint().Provider == embed.ProviderBuiltin
	var qvec []float32
	var pvecs map[string][]float32 // a question in parts: each part's text (see Decompose)
	var err error
	if !local {
		if qvec, err = e.retriever.embedQuestion(ctx, req.Question); err != nil {
			return nil, err
		}
		if pvecs, err = e.retriever.embedParts(ctx, s, req.Question); err != nil {
			return nil, err
		}
	}
	if err := e.cpu.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	if local {
		if qvec, err = e.retriever.embedQuestion(ctx, req.Question); err != nil {
			e.cpu.Release(1)
			return nil, err
		}
	}
	if e.cfg.Store == nil {
		defer e.cpu.Release(1)
		return e.retriever.retrieve(ctx, s, req, qvec, pvecs)
	}
	if local {
		// The built-in model embeds the parts as CPU work, in the slot.
		if pvecs, err = e.retriever.embedParts(ctx, s, req.Question); err != nil {
			e.cpu.Release(1)
			return nil, err
		}
	}
	// A remote store's searches wait on the network: they run without the
	// slot, and the ranking after them takes one again.
	e.cpu.Release(1)
	ss, err := e.retriever.search(ctx, s, req, qvec, pvecs)
	if err != nil {
		return nil, err
	}
	if err := e.cpu.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	defer e.cpu.Release(1)
	return e.retriever.rank(req, ss), nil
}

// Ask answers req: it condenses a follow-up into a standalone query,
// retrieves passages, decides whether they can answer it, and then either
// streams an LLM's answer or extracts one. Citations are checked before the
// answer is returned. s may be the zero Stream.
//
// When generation fails, the returned Answer still holds the retrieved
// passages, alongside the error.
func (e *Engine) Ask(ctx context.Context, req Request, s Stream) (*Answer, error) {
	start := time.Now()
	if err := req.Validate(); err != nil {
		return nil, err
	}
	st, err := e.current()
	if err != nil {
		return nil, err
	}
	ans := &Answer{Question: req.Question, Citations: []Citation{}, Passages: []Passage{}, Model: "extractive", Mode: ModeExtracted,
		Complete: true, Grounded: true}
	if e.cfg.LLM != nil {
		ans.Model = e.cfg.LLM.Name
	}
	query := req
	query.Question = e.standalone(ctx, req)
	query.Question, ans.Corrections = e.spellCorrected(ctx, st, query.Question)
	p, err := e.prepare(ctx, st, query)
	if err != nil {
		return nil, err
	}
	ans.Timings.Retrieve = p.retrieved
	ans.Answerability = p.probability
	if p.r.Passages != nil {
		ans.Passages = p.r.Passages
	}
	if s.Sources != nil {
		s.Sources(ans.Passages)
	}
	token := s.Token
	if token == nil {
		token = func(string) {}
	}
	if !p.answerable {
		ans.Answerable = false
		ans.Answer = notInCorpus(p.r.Passages)
		if p.declined != "" {
			ans.Answer = p.declined
		}
		// Within filters, say when they leave no article, or how many
		// undated ones a date bound leaves out. (Listing a remote store's
		// articles is a request of its own: made only when nothing was
		// found.)
		if !req.Filters.IsZero() && (len(p.r.Passages) == 0 || e.cfg.Store == nil) {
			arts := e.Articles()
			if msg := noMatch(req.Filters, arts); msg != "" {
				ans.Answer = msg
			} else {
				ans.Answer += undatedNote(req.Filters, arts)
			}
		}
		token(ans.Answer)
		ans.Timings.Total = time.Since(start)
		return ans, nil
	}
	ans.Answerable = true
	ans.Unsure = p.probability < e.cfg.Relevance.Sure
	genStart := time.Now()
	if e.cfg.LLM == nil {
		ans.Answer, ans.Citations = p.text, p.cites
		if p.cites == nil {
			ans.Citations = []Citation{}
		}
		for _, sentence := range strings.SplitAfter(p.text, "] ") {
			token(sentence)
		}
		ans.Timings.Generate = p.extracted
	} else {
		ans.Mode = ModeGenerated
		msgs := BuildPrompt(query.Question, ans.Passages, req.History)
		text, err := e.cfg.LLM.Stream(ctx, msgs, token)
		ans.Timings.Generate = time.Since(genStart)
		if err != nil && text == "" {
			ans.Timings.Total = time.Since(start)
			return ans, fmt.Errorf("generate answer: %w", err)
		}
		if err != nil {
			// Text already reached the user: keep it, marked incomplete.
			ans.Complete = false
			ans.Problem = err.Error()
			e.cfg.Logger.Warn("the model's reply is incomplete", "err", err)
		}
		clean, cited, invalid := CheckCitations(text, len(ans.Passages))
		ans.Answer = clean
		ans.InvalidCitations = invalid
		ans.Citations = citationsFor(cited, ans.Passages)
		switch {
		case len(cited) == 0 && isRefusal(clean):
			ans.Answerable, ans.Unsure = false, false // the model found no answer in the sources
		case len(cited) == 0:
			ans.Grounded = false // an answer citing nothing is not checked against the sources
		}
		if len(invalid) > 0 {
			e.cfg.Logger.Warn("removed invalid citations", "markers", invalid)
		}
	}
	if ans.Timings.Generate == 0 {
		ans.Timings.Generate = time.Since(genStart)
	}
	ans.Timings.Total = time.Since(start)
	return ans, nil
}

// refusalRE matches a model saying the sources hold no answer, as the
// system prompt asks it to.
var refusalRE = regexp.MustCompile(`(?i)\b(?:articles?|sources?|corpus|passages?)\b[^.]{0,40}\b(?:do(?:es)? not|don't|doesn't|never)\s+(?:say|mention|contain|state|address|provide|cover|include)|\bno (?:information|mention|answer)\b`)

// isRefusal reports whether a generated answer declines to answer.
func isRefusal(text string) bool { return refusalRE.MatchString(text) }

// prepared is the CPU-bound part of answering a question.
type prepared struct {
	r          *Retrieval
	answerable bool
	// probability is the answerability model's estimate that the
	// passages answer the question.
	probability float64
	text        string // the extracted answer, without an LLM
	cites       []Citation
	declined    string        // why the question is not answered, when not the usual "not in the corpus"
	retrieved   time.Duration // since Ask began
	extracted   time.Duration
}

// prepare retrieves passages for query, decides whether they can answer
// it and, without an LLM, extracts the answer. Retrieval and extraction
// each hold one of the engine's CPU slots, so concurrent requests queue
// fairly rather than slow each other down.
func (e *Engine) prepare(ctx context.Context, st Store, query Request) (*prepared, error) {
	start := time.Now()
	if acronym := askedAcronym(query.Question); acronym != "" {
		p, ok, err := e.answerAcronym(ctx, st, query, acronym)
		if ok {
			p.retrieved = time.Since(start)
		}
		if err != nil || ok {
			return p, err
		}
	}
	r, err := e.retrieve(ctx, st, query)
	if err != nil {
		return nil, err
	}
	p := &prepared{r: r, retrieved: time.Since(start)}
	rel := e.cfg.Relevance
	var cands []*sentenceCandidate // scored by the gate, for the extractive answer
	if len(r.Passages) > 0 {
		f, cs, err := e.features(ctx, st, query.Question, r)
		if err != nil {
			return nil, err
		}
		p.probability, cands = rel.Model.Probability(f), cs
	}
	p.answerable = len(r.Passages) > 0 && p.probability >= rel.Threshold
	if p.answerable && e.cfg.LLM == nil {
		if err := e.cpu.Acquire(ctx, 1); err != nil {
			return nil, err
		}
		defer e.cpu.Release(1)
		t := time.Now()
		p.text, p.cites = e.compareExtract(ctx, st, r.terms, query.Question, r.Passages)
		if p.text == "" {
			if cands == nil { // the gate stopped before scoring them
				cands = e.scoreCandidates(ctx, r.terms, r.article, query.Question, r.QueryVector, r.Passages)
			}
			p.text, p.cites = e.answerFrom(query.Question, cands, r.Passages, r.article)
		}
		p.extracted = time.Since(t)
		p.answerable = p.text != ""
	}
	return p, nil
}

// FilterMiss says, when no indexed article passes the filters f, that
// none does, with what the corpus has instead (its outlets, its undated
// articles), for a question or search that found nothing; "" when f is
// empty or some article passes it.
func (e *Engine) FilterMiss(f Filters) string {
	if f.IsZero() {
		return ""
	}
	return noMatch(f, e.Articles())
}

// notInCorpus is the answer when retrieval finds nothing relevant enough.
func notInCorpus(nearest []Passage) string {
	var b strings.Builder
	b.WriteString("The corpus does not appear to contain an answer to this question.")
	seen := map[string]bool{}
	var titles []string
	for _, p := range nearest {
		if !seen[p.ArticleID] && len(titles) < 3 {
			seen[p.ArticleID] = true
			titles = append(titles, strconv.Quote(p.Title))
		}
	}
	if len(titles) > 0 {
		b.WriteString(" The nearest articles are ")
		b.WriteString(strings.Join(titles, ", "))
		b.WriteString(".")
	}
	return b.String()
}

// Articles returns the indexed articles (nil before the first ingest). A
// remote store that fails to answer is logged and gives nil.
func (e *Engine) Articles() []corpus.Article {
	if e.cfg.Store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), remoteTimeout)
		defer cancel()
		arts, err := e.cfg.Store.Articles(ctx)
		if err != nil {
			e.cfg.Logger.Error("listing the articles failed", "store", e.cfg.Store.Location(), "err", err)
		}
		return arts
	}
	if ix := e.index.Load(); ix != nil {
		return ix.Articles()
	}
	return nil
}

// Article returns one indexed article, or an error wrapping ErrNotFound.
func (e *Engine) Article(id string) (corpus.Article, error) {
	if _, err := e.current(); err != nil {
		return corpus.Article{}, err
	}
	if e.cfg.Store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), remoteTimeout)
		defer cancel()
		return e.cfg.Store.Article(ctx, id)
	}
	a, ok := e.index.Load().Article(id)
	if !ok {
		return corpus.Article{}, fmt.Errorf("article %q: %w", id, ErrNotFound)
	}
	return a, nil
}

// Stats describes the current index and answering setup.
func (e *Engine) Stats() Stats {
	st := Stats{Embedder: e.cfg.Embedder.Fingerprint().String(), LLM: "extractive"}
	if e.cfg.LLM != nil {
		st.LLM = e.cfg.LLM.Name
	}
	if e.cfg.Store != nil && e.remoteReady.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), remoteTimeout)
		defer cancel()
		var err error
		if st.Articles, st.Chunks, err = e.cfg.Store.Count(ctx); err != nil {
			e.cfg.Logger.Error("counting the stored chunks failed", "store", e.cfg.Store.Location(), "err", err)
		}
		if s := e.remoteSetup.Load(); s != nil {
			st.Embedder = s.Fingerprint.String()
		}
	}
	if ix := e.index.Load(); ix != nil {
		st.Articles, st.Chunks, st.BuiltAt = len(ix.Articles()), ix.Len(), ix.BuiltAt()
		st.Embedder = ix.Fingerprint().String()
		st.IndexBytes = e.indexSize.Load()
	}
	return st
}

// Reload loads the index file again if another process (say, "newsrag
// ingest" while "newsrag serve" runs) has replaced it since it was loaded.
// Queries keep using the old index until the new one is fully loaded. It
// reports whether the index changed. A damaged or mismatched file is
// reported and the current index kept.
func (e *Engine) Reload(ctx context.Context) (bool, error) {
	e.ingestMu.Lock()
	defer e.ingestMu.Unlock()
	if e.cfg.Store != nil {
		was := e.remoteReady.Load()
		err := e.refreshRemote(ctx)
		return was != e.remoteReady.Load(), err
	}
	ix, err := Load(ctx, e.IndexPath())
	if err != nil {
		return false, err
	}
	cur := e.index.Load()
	if cur != nil && ix.BuiltAt().Equal(cur.BuiltAt()) {
		return false, nil
	}
	if err := e.checkEmbedder(ix); err != nil {
		return false, err
	}
	e.swap(ix)
	e.cfg.Logger.Info("index reloaded", "articles", len(ix.Articles()), "chunks", ix.Len())
	return true, nil
}

// Watch reloads the index whenever its file changes on disk, checking every
// interval, until ctx is done; on a remote store it re-checks the store's
// setup, so the engine becomes ready when another process ingests. Errors
// are logged, never fatal.
func (e *Engine) Watch(ctx context.Context, interval time.Duration) {
	var last os.FileInfo
	if fi, err := os.Stat(e.IndexPath()); err == nil {
		last = fi
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if e.cfg.Store != nil {
			if _, err := e.Reload(ctx); err != nil && ctx.Err() == nil {
				e.cfg.Logger.Error("checking the remote store failed", "store", e.cfg.Store.Location(), "err", err)
			}
			continue
		}
		fi, err := os.Stat(e.IndexPath())
		if err != nil || (last != nil && fi.ModTime().Equal(last.ModTime()) && fi.Size() == last.Size()) {
			continue
		}
		last = fi
		if _, err := e.Reload(ctx); err != nil {
			e.cfg.Logger.Error("reloading the changed index failed; still serving the previous one", "err", err)
		}
	}
}

// remoteTimeout bounds the calls to a remote store made without a caller's
// context.
const remoteTimeout = 30 * time.Second
