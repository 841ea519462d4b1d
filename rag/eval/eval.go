package eval

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
	"github.com/newsrag/newsrag/rag"
)

// Question is one line of an evaluation set's questions.jsonl.
type Question struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	// Answers are the gold answers; empty means the corpus cannot answer.
	Answers []string `json:"answers"`
	// Sources are the gold articles' file names, relative to corpus/.
	Sources []string `json:"sources"`
	// Type groups questions in the evidence table (e.g. "comparison_query").
	Type string `json:"type,omitempty"`
	// Evidence are the gold facts, verbatim in their articles; questions
	// with evidence are scored as MultiHop-RAG does (see evidence.go).
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Answerable reports whether the question has a gold answer.
func (q Question) Answerable() bool { return len(q.Answers) > 0 }

// ReadQuestions reads a questions.jsonl file: one Question per line,
// blank lines ignored.
func ReadQuestions(path string) ([]Question, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read questions: %w", err)
	}
	defer f.Close()
	var qs []Question
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		var q Question
		if err := json.Unmarshal([]byte(b), &q); err != nil {
			return nil, fmt.Errorf("read questions: %s line %d: %w", path, line, err)
		}
		if strings.TrimSpace(q.Question) == "" {
			return nil, fmt.Errorf("read questions: %s line %d: no question", path, line)
		}
		if q.ID == "" {
			q.ID = fmt.Sprint(line)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read questions: %s: %w", path, err)
	}
	return qs, nil
}

// Config configures Evaluate.
type Config struct {
	// Dir holds corpus/ (any format the loader reads) and questions.jsonl.
	Dir string
	// CacheDir holds built indexes, one directory per corpus and settings.
	// Default: <user cache dir>/newsrag/eval.
	CacheDir string
	// Embedder embeds chunks and questions. Required.
	Embedder embed.Embedder
	// Chunking is how articles are split.
	Chunking rag.ChunkConfig
	// Store, when set, holds the corpus instead of a cached index file: the
	// corpus is ingested into it (incrementally) and every retriever
	// searches it.
	Store rag.RemoteStore
	// Retrievers are the retrieval settings to compare, each run over every
	// question. Default: rag.DefaultRetrievalConfig alone.
	Retrievers []rag.RetrievalConfig
	// K is the deepest rank measured (recall@1..K). Default 10.
	K int
	// Limit keeps only the first Limit questions (0: all).
	Limit int
	// Every keeps every Every-th question (the 1st, the Every+1-th, …),
	// before Limit: a quicker run over all the articles of a set whose
	// questions come grouped by article (0 or 1: all).
	Every int
	// Answers also asks every question through rag.Engine.Ask and scores the
	// answers. LLM generates them (nil: the extractive answerer).
	Answers   bool
	LLM       *rag.Generator
	Relevance rag.RelevanceConfig
	// Now is the clock time words in questions are resolved against when
	// answering (see rag.Config.Now). Default: time.Now.
	Now func() time.Time
	// Features, when set with Answers, receives each question's
	// answerability features as one JSON object per line (dataset, id,
	// sources, answerable, features, probability): the training data of
	// rag/gatetrain.
	Features io.Writer
	// Sentences, when set with Answers and no LLM, receives for each
	// extracted answer every candidate sentence with its features, whether
	// it holds a gold answer and whether its article is a gold source, as
	// one JSON object (a SentenceRow) per line: the training data of
	// rag/extracttrain.
	Sentences io.Writer
	// Progress, when set, is called as work is done: stage names the work
	// ("reading", "embedding", "retrieving bm25", "answering hybrid", …).
	Progress func(stage string, done, total int)
}

// evalCacheVersion changes whenever what is cached (the index format, the
// analysis of text into terms, the chunking algorithm) changes meaning.
const evalCacheVersion = "eval-cache-1/" + rag.ContentVersion

// Evaluate builds (or reuses) the index of cfg.Dir's corpus, runs each
// retriever over the questions and returns the measurements.
func Evaluate(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Embedder == nil {
		return nil, errors.New("evaluate: no embedder")
	}
	if cfg.K <= 0 {
		cfg.K = 10
	}
	if cfg.K > rag.MaxK {
		return nil, fmt.Errorf("evaluate: k %d is above the limit %d", cfg.K, rag.MaxK)
	}
	if len(cfg.Retrievers) == 0 {
		cfg.Retrievers = []rag.RetrievalConfig{rag.DefaultRetrievalConfig}
	}
	for _, rc := range cfg.Retrievers {
		if err := rc.Validate(); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
	}
	if cfg.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("evaluate: no cache directory: %w", err)
		}
		cfg.CacheDir = filepath.Join(dir, "newsrag", "eval")
	}
	progress := cfg.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}

	qs, err := ReadQuestions(filepath.Join(cfg.Dir, "questions.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	if cfg.Every > 1 {
		var kept []Question
		for i := 0; i < len(qs); i += cfg.Every {
			kept = append(kept, qs[i])
		}
		qs = kept
	}
	if cfg.Limit > 0 && cfg.Limit < len(qs) {
		qs = qs[:cfg.Limit]
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("evaluate: %s has no questions", filepath.Join(cfg.Dir, "questions.jsonl"))
	}
	res, err := corpus.Load(ctx, filepath.Join(cfg.Dir, "corpus"), corpus.LoadOptions{
		Progress: func(d, t int) { progress("reading", d, t) },
	})
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	if len(res.Articles) == 0 {
		return nil, fmt.Errorf("evaluate: no articles in %s", filepath.Join(cfg.Dir, "corpus"))
	}

	e, info, err := evalIndex(ctx, cfg, res.Articles, progress)
	if err != nil {
		return nil, err
	}
	var store rag.Store = e.Index()
	if cfg.Store != nil {
		store = cfg.Store
	}
	paths := make(map[string]string, len(res.Articles))
	for _, a := range res.Articles {
		paths[a.ID] = a.Path
	}
	rep := &Report{
		Dataset:    filepath.Base(filepath.Clean(cfg.Dir)),
		Questions:  len(qs),
		Answerable: countAnswerable(qs),
		K:          cfg.K,
		Index:      info,
		Created:    time.Now().UTC().Truncate(time.Second),
	}
	for _, rc := range cfg.Retrievers {
		run, err := evalRetriever(ctx, cfg, store, paths, rc, qs, progress)
		if err != nil {
			return nil, err
		}
		if cfg.Answers {
			am, err := evalAnswers(ctx, cfg, info.Path, rc, paths, qs, progress)
			if err != nil {
				return nil, err
			}
			run.Answers = am
		}
		rep.Runs = append(rep.Runs, *run)
	}
	return rep, nil
}

func countAnswerable(qs []Question) int {
	n := 0
	for _, q := range qs {
		if q.Answerable() {
			n++
		}
	}
	return n
}

// evalCacheKey identifies an index by everything that determines it: the
// articles' content, the effective chunking, the embedder and the code
// versions of analysis and chunking.
func evalCacheKey(arts []corpus.Article, chunking rag.ChunkConfig, fp embed.Fingerprint) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", evalCacheVersion)
	fpj, _ := json.Marshal(fp)
	cj, _ := json.Marshal(chunking)
	fmt.Fprintf(h, "%s\n%s\n", fpj, cj)
	sorted := slices.Clone(arts)
	slices.SortFunc(sorted, func(a, b corpus.Article) int { return strings.Compare(a.ID, b.ID) })
	for _, a := range sorted {
		fmt.Fprintf(h, "%s\t%s\n", a.ID, a.Hash)
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// evalMetaFile records how a cached index was built.
const evalMetaFile = "build.json"

// buildLockPoll is how often an evaluation waiting for another's build of
// the same index checks whether it is done.
const buildLockPoll = 500 * time.Millisecond

// evalIndex opens an engine over the cached index for arts, building and
// caching the index first when there is none.
func evalIndex(ctx context.Context, cfg Config, arts []corpus.Article, progress func(string, int, int)) (*rag.Engine, IndexInfo, error) {
	counter, _ := cfg.Embedder.(embed.TokenCounter)
	chunking := rag.NewChunker(cfg.Chunking, counter).Config()
	key := evalCacheKey(arts, chunking, cfg.Embedder.Fingerprint())
	dir := filepath.Join(cfg.CacheDir, key)
	info := IndexInfo{Key: key, Path: filepath.Join(dir, rag.IndexFileName), Embedder: cfg.Embedder.Fingerprint().String(), Chunking: chunking}

	open := func(fresh bool) (*rag.Engine, error) {
		return rag.Open(ctx, rag.Config{DataDir: dir, Store: cfg.Store, Embedder: cfg.Embedder, Chunking: cfg.Chunking, Fresh: fresh})
	}
	if cfg.Store != nil {
		info.Path = cfg.Store.Location()
		e, err := open(false)
		if err != nil {
			return nil, info, fmt.Errorf("evaluate: %w", err)
		}
		st, err := e.Ingest(ctx, arts, rag.IngestOptions{Progress: func(d, t int) { progress("embedding", d, t) }})
		if err != nil {
			return nil, info, fmt.Errorf("evaluate: build index: %w", err)
		}
		info.Cached = st.Embedded == 0
		info.fillStats(st)
		info.Articles, info.Chunks = st.Articles, st.Chunks
		chunker := rag.NewChunker(cfg.Chunking, counter)
		var words, n int
		for _, a := range arts {
			chunks, err := chunker.Chunk(ctx, a)
			if err != nil {
				return nil, info, fmt.Errorf("evaluate: %w", err)
			}
			for _, c := range chunks {
				words += c.Words
				n++
			}
		}
		if n > 0 {
			info.MeanChunkWords = float64(words) / float64(n)
		}
		return e, info, nil
	}
	metaPath := filepath.Join(dir, evalMetaFile)
	cached := func() (*rag.Engine, bool) {
		var meta rag.BuildStats
		if b, err := os.ReadFile(metaPath); err == nil && json.Unmarshal(b, &meta) == nil {
			if e, err := open(false); err == nil && e.Ready() && e.Index().Chunking() == chunking {
				info.Cached = true
				info.fill(e.Index(), meta)
				return e, true
			}
		}
		return nil, false
	}
	if e, ok := cached(); ok {
		return e, info, nil
	}
	// One build per index: another evaluation building the same index (in
	// this process or another) holds the lock; wait for it and reuse its
	// index rather than build it a second time.
	if err := os.MkdirAll(cfg.CacheDir, 0o755); err != nil {
		return nil, info, fmt.Errorf("evaluate: %w", err)
	}
	lock := flock.New(filepath.Join(cfg.CacheDir, key+".lock"))
	if ok, err := lock.TryLock(); err == nil && !ok {
		progress("waiting for another build of this index", 0, 1)
		ok, err = lock.TryLockContext(ctx, buildLockPoll)
		if err == nil && !ok {
			err = ctx.Err()
		}
		if err != nil {
			return nil, info, fmt.Errorf("evaluate: wait for the build of %s: %w", dir, err)
		}
		progress("waiting for another build of this index", 1, 1)
	} else if err != nil {
		return nil, info, fmt.Errorf("evaluate: lock %s: %w", lock.Path(), err)
	}
	defer lock.Unlock()
	if e, ok := cached(); ok {
		return e, info, nil
	}
	e, err := open(true)
	if err != nil {
		return nil, info, fmt.Errorf("evaluate: %w", err)
	}
	st, err := e.Ingest(ctx, arts, rag.IngestOptions{Rebuild: true, Progress: func(d, t int) { progress("embedding", d, t) }})
	if err != nil {
		return nil, info, fmt.Errorf("evaluate: build index: %w", err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, info, fmt.Errorf("evaluate: %w", err)
	}
	if err := os.WriteFile(metaPath, b, 0o644); err != nil {
		return nil, info, fmt.Errorf("evaluate: record build: %w", err)
	}
	info.fill(e.Index(), st)
	return e, info, nil
}

// fill sets the index figures from ix and its build statistics.
func (info *IndexInfo) fill(ix *rag.Index, st rag.BuildStats) {
	info.fillStats(st)
	info.Articles = len(ix.Articles())
	info.Chunks = ix.Len()
	var words int
	for _, c := range ix.Chunks() {
		words += c.Words
	}
	if ix.Len() > 0 {
		info.MeanChunkWords = float64(words) / float64(ix.Len())
	}
}

// fillStats sets the build figures.
func (info *IndexInfo) fillStats(st rag.BuildStats) {
	info.BuildMS = ms(st.Total)
	info.EmbedMS = ms(st.Embedding)
	info.Embedded = st.Embedded
	if st.Embedding > 0 {
		info.ChunksPerSecond = float64(st.Embedded) / st.Embedding.Seconds()
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// evalRetriever runs one retriever over every question.
func evalRetriever(ctx context.Context, cfg Config, store rag.Store, paths map[string]string, rc rag.RetrievalConfig, qs []Question, progress func(string, int, int)) (*Run, error) {
	r := rag.NewRetriever(rc, cfg.Embedder)
	stage := "retrieving " + retrieverLabel(r.Config())
	results := make([]evalResult, len(qs))
	lat := make([]time.Duration, len(qs))
	depth := cfg.K
	if hasEvidence(qs) {
		depth = max(depth, evidenceK) // the paper's metrics look at the top 10
	}
	for i, q := range qs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		t0 := time.Now()
		got, err := r.Retrieve(ctx, store, rag.Request{Question: q.Question, K: depth})
		lat[i] = time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("evaluate: question %s: %w", q.ID, err)
		}
		results[i] = resultOf(paths, got.Passages)
		progress(stage, i+1, len(qs))
	}
	run := scoreRetrieval(qs, results, cfg.K)
	run.Evidence = scoreEvidence(qs, results)
	run.Retriever = r.Config()
	run.Latency = latencyOf(lat)
	return run, nil
}

// resultOf keeps what scoring needs of retrieved passages; paths maps
// article IDs to their files.
func resultOf(paths map[string]string, ps []rag.Passage) evalResult {
	res := make(evalResult, len(ps))
	for i, p := range ps {
		res[i] = evalHit{Text: p.Text, Source: paths[p.ArticleID], Words: rag.CountWords(p.Text)}
	}
	return res
}

// evalAnswers asks every question through a rag.Engine with retrieval rc and
// scores the answers.
func evalAnswers(ctx context.Context, cfg Config, indexPath string, rc rag.RetrievalConfig, paths map[string]string, qs []Question, progress func(string, int, int)) (*AnswerMetrics, error) {
	var (
		current  Question // the question being answered
		traceErr error
		sentEnc  *json.Encoder
	)
	rcfg := rag.NewRetriever(rc, nil).Config()
	dataset := filepath.Base(filepath.Clean(cfg.Dir))
	var xc rag.ExtractiveConfig
	if cfg.Sentences != nil {
		sentEnc = json.NewEncoder(cfg.Sentences)
		xc.Trace = func(question string, ss []rag.ExtractedSentence) {
			row := SentenceRow{Dataset: dataset, Retriever: rcfg.Mode, ID: current.ID, Question: current.Question,
				Query: question, Sources: current.Sources, Sentences: make([]ScoredSentence, len(ss))}
			for i, x := range ss {
				src := paths[x.ArticleID]
				row.Sentences[i] = ScoredSentence{ExtractedSentence: x, Source: src, GoldSource: isGold(current.Sources, src),
					HoldsAnswer: firstAnswer(current.Answers, evalResult{{Text: x.Text}}) > 0}
			}
			if err := sentEnc.Encode(row); err != nil && traceErr == nil {
				traceErr = fmt.Errorf("evaluate answers: write sentences: %w", err)
			}
		}
	}
	e, err := rag.Open(ctx, rag.Config{DataDir: filepath.Dir(indexPath), Store: cfg.Store, Embedder: cfg.Embedder, Retrieval: rc, Relevance: cfg.Relevance, LLM: cfg.LLM, Now: cfg.Now, Extractive: xc})
	if err != nil {
		return nil, fmt.Errorf("evaluate answers: %w", err)
	}
	stage := "answering " + retrieverLabel(rcfg)
	answers := make([]*rag.Answer, len(qs))
	var enc *json.Encoder
	if cfg.Features != nil {
		enc = json.NewEncoder(cfg.Features)
	}
	for i, q := range qs {
		current = q
		if enc != nil {
			f, p, err := e.Assess(ctx, rag.Request{Question: q.Question})
			if err != nil {
				return nil, fmt.Errorf("evaluate answers: question %s: %w", q.ID, err)
			}
			row := FeatureRow{Dataset: dataset, Retriever: rcfg.Mode, ID: q.ID, Sources: q.Sources, Answerable: q.Answerable(), Features: f, Probability: p}
			if err := enc.Encode(row); err != nil {
				return nil, fmt.Errorf("evaluate answers: write features: %w", err)
			}
		}
		a, err := e.Ask(ctx, rag.Request{Question: q.Question}, rag.Stream{})
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("evaluate answers: %w", ctx.Err())
			}
			a = nil // counted as an error
		}
		if traceErr != nil {
			return nil, traceErr
		}
		answers[i] = a
		progress(stage, i+1, len(qs))
	}
	return scoreAnswers(qs, answers, e.AnswerThreshold(), func(id string) string { return paths[id] }), nil
}

// FeatureRow is one line of Config.Features.
type FeatureRow struct {
	Dataset     string       `json:"dataset"`
	Retriever   string       `json:"retriever"` // the retrieval mode
	ID          string       `json:"id"`
	Sources     []string     `json:"sources"`
	Answerable  bool         `json:"answerable"`
	Features    rag.Features `json:"features"`
	Probability float64      `json:"probability"`
}

// SentenceRow is one line of Config.Sentences: the candidate sentences of
// one extracted answer.
type SentenceRow struct {
	Dataset   string           `json:"dataset"`
	Retriever string           `json:"retriever"` // the retrieval mode
	ID        string           `json:"id"`
	Question  string           `json:"question"`
	Query     string           `json:"query,omitempty"` // the question the sentences were scored against
	Sources   []string         `json:"sources"`
	Sentences []ScoredSentence `json:"sentences"`
}

// ScoredSentence is a candidate sentence with its labels.
type ScoredSentence struct {
	rag.ExtractedSentence
	Source      string `json:"source"`       // its article's path in the corpus
	GoldSource  bool   `json:"gold_source"`  // its article is a gold source
	HoldsAnswer bool   `json:"holds_answer"` // it contains a gold answer (case-insensitive)
}
