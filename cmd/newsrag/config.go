package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/joho/godotenv"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/corpus/source"
	"github.com/newsrag/newsrag/embed"
	"github.com/newsrag/newsrag/rag"
	"github.com/newsrag/newsrag/rag/llm"
	"github.com/newsrag/newsrag/rag/weaviate"
	"github.com/newsrag/newsrag/web"
)

// settings is every setting newsrag reads from the environment (and a .env
// file in the working directory). Flags override them. defaultSettings
// gives each its default, and .env.example documents each one (a test keeps
// the two in step).
type settings struct {
	DataDir         string `env:"NEWSRAG_DATA_DIR"`
	Store           string `env:"NEWSRAG_STORE"`
	CorpusDir       string `env:"NEWSRAG_CORPUS_DIR"`
	MaxArticleBytes int    `env:"NEWSRAG_MAX_ARTICLE_BYTES"`
	LogLevel        string `env:"NEWSRAG_LOG_LEVEL"`
	ModelDir        string `env:"NEWSRAG_MODEL_DIR"`
	NPMRegistry     string `env:"NEWSRAG_NPM_REGISTRY"`

	Sources            []string      `env:"NEWSRAG_SOURCES" envSeparator:","`
	Refresh            time.Duration `env:"NEWSRAG_REFRESH"`
	Retention          time.Duration `env:"NEWSRAG_RETENTION"`
	UserAgent          string        `env:"NEWSRAG_USER_AGENT"`
	FetchTimeout       time.Duration `env:"NEWSRAG_FETCH_TIMEOUT"`
	FetchMaxBytes      int64         `env:"NEWSRAG_FETCH_MAX_BYTES"`
	FetchPerHost       int           `env:"NEWSRAG_FETCH_PER_HOST"`
	DuplicateThreshold float64       `env:"NEWSRAG_DUPLICATE_THRESHOLD"`
	Now                string        `env:"NEWSRAG_NOW"`

	WeaviateURLs        []string `env:"NEWSRAG_WEAVIATE_URL" envSeparator:","`
	WeaviateAPIKey      string   `env:"NEWSRAG_WEAVIATE_API_KEY"`
	WeaviateCollection  string   `env:"NEWSRAG_WEAVIATE_COLLECTION"`
	WeaviateReplicas    int      `env:"NEWSRAG_WEAVIATE_REPLICAS"`
	WeaviateConsistency string   `env:"NEWSRAG_WEAVIATE_CONSISTENCY"`

	Embedder       string        `env:"NEWSRAG_EMBEDDER"`
	EmbedModel     string        `env:"NEWSRAG_EMBED_MODEL"`
	EmbedBaseURL   string        `env:"NEWSRAG_EMBED_BASE_URL"`
	EmbedAPIKey    string        `env:"NEWSRAG_EMBED_API_KEY"`
	EmbedTimeout   time.Duration `env:"NEWSRAG_EMBED_TIMEOUT"`
	EmbedBatchSize int           `env:"NEWSRAG_EMBED_BATCH_SIZE"`

	LLMProvider    string        `env:"NEWSRAG_LLM_PROVIDER"`
	LLMModel       string        `env:"NEWSRAG_LLM_MODEL"`
	LLMBaseURL     string        `env:"NEWSRAG_LLM_BASE_URL"`
	LLMAPIKey      string        `env:"NEWSRAG_LLM_API_KEY"`
	LLMTemperature float64       `env:"NEWSRAG_LLM_TEMPERATURE"`
	LLMMaxTokens   int           `env:"NEWSRAG_LLM_MAX_TOKENS"`
	LLMTimeout     time.Duration `env:"NEWSRAG_LLM_TIMEOUT"`
	LLMRetries     int           `env:"NEWSRAG_LLM_RETRIES"`

	Retriever   string  `env:"NEWSRAG_RETRIEVER"`
	DenseWeight float64 `env:"NEWSRAG_DENSE_WEIGHT"`
	TopK        int     `env:"NEWSRAG_TOP_K"`

	AnswerThreshold float64 `env:"NEWSRAG_ANSWER_THRESHOLD"`
	SureThreshold   float64 `env:"NEWSRAG_SURE_THRESHOLD"`

	Addr            string        `env:"NEWSRAG_ADDR"`
	APIKey          string        `env:"NEWSRAG_API_KEY"`
	AllowPublic     bool          `env:"NEWSRAG_ALLOW_PUBLIC"`
	TrustedProxies  []string      `env:"NEWSRAG_TRUSTED_PROXIES" envSeparator:","`
	CORSOrigins     []string      `env:"NEWSRAG_CORS_ORIGINS" envSeparator:","`
	RateLimit       float64       `env:"NEWSRAG_RATE_LIMIT"`
	RateBurst       int           `env:"NEWSRAG_RATE_BURST"`
	BodyLimit       int64         `env:"NEWSRAG_BODY_LIMIT"`
	MaxAnswerBytes  int64         `env:"NEWSRAG_MAX_ANSWER_BYTES"`
	BodyTimeout     time.Duration `env:"NEWSRAG_BODY_TIMEOUT"`
	RequestTimeout  time.Duration `env:"NEWSRAG_REQUEST_TIMEOUT"`
	StreamTimeout   time.Duration `env:"NEWSRAG_STREAM_TIMEOUT"`
	ShutdownTimeout time.Duration `env:"NEWSRAG_SHUTDOWN_TIMEOUT"`
}

// defaultSettings is every setting's default, in one place. Where a
// package owns a default (retrieval, generation, the server, the remote
// embedders) it is taken from that package's Default value, so no default
// is written twice. Empty paths are resolved by loadSettings and the
// packages (user cache directories).
func defaultSettings() settings {
	gen, ret, srv, fetch := rag.DefaultGenerateConfig, rag.DefaultRetrievalConfig, web.DefaultConfig, source.DefaultFetchConfig
	return settings{
		LogLevel:        "info",
		MaxArticleBytes: corpus.DefaultMaxTextBytes,
		NPMRegistry:     embed.DefaultRegistryURL,
		Store:           storeEmbedded,

		WeaviateCollection:  weaviate.DefaultCollection,
		WeaviateReplicas:    weaviate.DefaultReplicas,
		WeaviateConsistency: weaviate.DefaultConsistency,

		UserAgent:          fetch.UserAgent,
		FetchTimeout:       fetch.Timeout,
		FetchMaxBytes:      fetch.MaxBytes,
		FetchPerHost:       fetch.PerHost,
		DuplicateThreshold: corpus.DefaultDuplicateThreshold,

		Embedder:       embed.ProviderBuiltin,
		EmbedTimeout:   embed.DefaultTimeout,
		EmbedBatchSize: embed.DefaultBatchSize,

		LLMTemperature: gen.Temperature,
		LLMMaxTokens:   gen.MaxTokens,
		LLMTimeout:     gen.Timeout,
		LLMRetries:     gen.Retries,

		Retriever:   ret.Mode,
		DenseWeight: ret.DenseWeight,
		TopK:        rag.DefaultK,

		AnswerThreshold: rag.DefaultGate.Threshold,
		SureThreshold:   rag.DefaultSure,

		Addr:            srv.Addr,
		RateLimit:       srv.RateLimit,
		RateBurst:       srv.RateBurst,
		BodyLimit:       srv.BodyLimit,
		MaxAnswerBytes:  srv.MaxAnswerBytes,
		BodyTimeout:     srv.BodyTimeout,
		RequestTimeout:  srv.RequestTimeout,
		StreamTimeout:   srv.StreamTimeout,
		ShutdownTimeout: srv.ShutdownTimeout,
	}
}

// dotenvFile is the settings file loadSettings reads, relative to the
// working directory; empty reads none (the tests' setting, so that a
// developer's .env cannot change what they test).
var dotenvFile = ".env"

// loadSettings reads dotenvFile (if present; real environment variables
// win) and the environment over the defaults.
func loadSettings() (*settings, error) {
	if dotenvFile != "" {
		if err := godotenv.Load(dotenvFile); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("read %s: %w", dotenvFile, err)
		}
	}
	s := defaultSettings()
	if err := env.Parse(&s); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	if s.DataDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("settings: no NEWSRAG_DATA_DIR and no user cache directory: %w", err)
		}
		s.DataDir = filepath.Join(dir, "newsrag", "data")
	}
	return &s, nil
}

// logger returns a text logger on stderr at the configured level.
func (s *settings) logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(s.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}

// embedder builds the configured embedder. progress receives the model
// download's progress, if one is needed.
func (s *settings) embedder(ctx context.Context, progress io.Writer) (embed.Embedder, error) {
	return embed.New(ctx, embed.Config{
		Provider: s.Embedder,
		Model:    embed.ModelConfig{Dir: s.ModelDir, RegistryURL: s.NPMRegistry, Progress: progress},
		OpenAI: embed.OpenAIConfig{BaseURL: s.EmbedBaseURL, APIKey: s.EmbedAPIKey, Model: s.EmbedModel,
			BatchSize: s.EmbedBatchSize, Timeout: s.EmbedTimeout},
		Ollama: embed.OllamaConfig{BaseURL: s.EmbedBaseURL, Model: s.EmbedModel,
			BatchSize: s.EmbedBatchSize, Timeout: s.EmbedTimeout},
	})
}

// llm builds the configured generator, or nil for extractive answers.
func (s *settings) llm(ctx context.Context) (*rag.Generator, error) {
	return llm.New(ctx, llm.Config{
		Provider: s.LLMProvider, Model: s.LLMModel, BaseURL: s.LLMBaseURL, APIKey: s.LLMAPIKey,
		Generate: rag.GenerateConfig{Temperature: s.LLMTemperature, MaxTokens: s.LLMMaxTokens, Timeout: s.LLMTimeout, Retries: s.LLMRetries},
	})
}

// retrieval is the configured retrieval.
func (s *settings) retrieval() rag.RetrievalConfig {
	return rag.RetrievalConfig{Mode: s.Retriever, DenseWeight: s.DenseWeight, K: s.TopK}
}

// relevance is the configured answerability decision: answered from
// NEWSRAG_ANSWER_THRESHOLD on, without reservation from
// NEWSRAG_SURE_THRESHOLD on (every answer, when that is the lower).
func (s *settings) relevance() (rag.RelevanceConfig, error) {
	t, sure := s.AnswerThreshold, s.SureThreshold
	if !(t > 0 && t < 1) {
		return rag.RelevanceConfig{}, fmt.Errorf("%w: NEWSRAG_ANSWER_THRESHOLD %g: want a probability between 0 and 1 (default %g)", rag.ErrBadRequest, t, rag.DefaultGate.Threshold)
	}
	if !(sure > 0 && sure <= 1) {
		return rag.RelevanceConfig{}, fmt.Errorf("%w: NEWSRAG_SURE_THRESHOLD %g: want a probability between 0 and 1 (default %g)", rag.ErrBadRequest, sure, rag.DefaultSure)
	}
	// Above the sure threshold, every answer is sure.
	return rag.RelevanceConfig{Threshold: t, Sure: max(sure, t)}, nil
}

// engine opens the engine over the data directory. fresh ignores the index
// there (the next ingest replaces it).
func (s *settings) engine(ctx context.Context, stderr io.Writer, log *slog.Logger, fresh bool) (*rag.Engine, error) {
	emb, err := s.embedder(ctx, stderr)
	if err != nil {
		return nil, err
	}
	gen, err := s.llm(ctx)
	if err != nil {
		return nil, err
	}
	store, err := s.store()
	if err != nil {
		return nil, err
	}
	rel, err := s.relevance()
	if err != nil {
		return nil, err
	}
	var e *rag.Engine
	now, err := s.clock(func() []corpus.Article { return e.Articles() })
	if err != nil {
		return nil, err
	}
	e, err = rag.Open(ctx, rag.Config{
		DataDir:   s.DataDir,
		Store:     store,
		Embedder:  emb,
		Retrieval: s.retrieval(),
		Relevance: rel,
		LLM:       gen,
		Logger:    log,
		Fresh:     fresh,
		Now:       now,
	})
	return e, err
}

// clock is the "now" that time words in questions are resolved against:
// NEWSRAG_NOW as a date (YYYY-MM-DD, the end of that day) or RFC 3339
// time, "newest" for the newest article's publication date, or, unset, the
// real clock (nil).
func (s *settings) clock(articles func() []corpus.Article) (func() time.Time, error) {
	switch v := strings.TrimSpace(s.Now); v {
	case "":
		return nil, nil
	case "newest":
		return func() time.Time {
			var newest time.Time
			for _, a := range articles() {
				if a.Published.After(newest) {
					newest = a.Published
				}
			}
			if newest.IsZero() {
				return time.Now()
			}
			return newest
		}, nil
	default:
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			t = t.Add(24*time.Hour - time.Nanosecond)
			return func() time.Time { return t }, nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return func() time.Time { return t }, nil
		}
		return nil, fmt.Errorf("%w: NEWSRAG_NOW or --now %q: want YYYY-MM-DD, an RFC 3339 time or \"newest\"", rag.ErrBadRequest, v)
	}
}

// loader reads the configured sources: directories, feeds, pages, lists.
func (s *settings) loader(log *slog.Logger, progress func(done, total int)) *source.Loader {
	return source.New(source.Options{
		Fetch: source.FetchConfig{UserAgent: s.UserAgent, Timeout: s.FetchTimeout,
			MaxBytes: s.FetchMaxBytes, PerHost: s.FetchPerHost},
		StateFile: filepath.Join(s.DataDir, source.StateFileName),
		Dedup:     corpus.DedupOptions{Threshold: s.DuplicateThreshold},
		Retention: s.Retention,
		Dir:       corpus.LoadOptions{MaxTextBytes: s.MaxArticleBytes, Progress: progress},
		Logger:    log,
	})
}

// The stores NEWSRAG_STORE names.
const (
	storeEmbedded = "embedded"
	storeWeaviate = "weaviate"
)

// store returns the configured remote store, or nil for the embedded index.
func (s *settings) store() (rag.RemoteStore, error) {
	switch s.Store {
	case storeEmbedded, "":
		return nil, nil
	case storeWeaviate:
		if len(s.WeaviateURLs) == 0 {
			return nil, fmt.Errorf("%w: NEWSRAG_STORE=weaviate needs NEWSRAG_WEAVIATE_URL", rag.ErrBadRequest)
		}
		st, err := weaviate.New(weaviate.Config{
			URLs: s.WeaviateURLs, APIKey: s.WeaviateAPIKey, Collection: s.WeaviateCollection,
			Replicas: s.WeaviateReplicas, Consistency: s.WeaviateConsistency,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", rag.ErrBadRequest, err)
		}
		return st, nil
	}
	return nil, fmt.Errorf("%w: NEWSRAG_STORE %q: want embedded or weaviate", rag.ErrBadRequest, s.Store)
}

// web is the server configuration.
func (s *settings) web(log *slog.Logger) web.Config {
	return web.Config{
		Addr: s.Addr, APIKey: s.APIKey, AllowPublic: s.AllowPublic,
		TrustedProxies: s.TrustedProxies, CORSOrigins: s.CORSOrigins,
		RateLimit: s.RateLimit, RateBurst: s.RateBurst, BodyLimit: s.BodyLimit,
		MaxAnswerBytes: s.MaxAnswerBytes, BodyTimeout: s.BodyTimeout, RequestTimeout: s.RequestTimeout,
		StreamTimeout: s.StreamTimeout, ShutdownTimeout: s.ShutdownTimeout, Logger: log,
	}
}

// sources are what ingest (without arguments) and refreshes read:
// NEWSRAG_SOURCES, else NEWSRAG_CORPUS_DIR; none means the built-in corpus.
func (s *settings) sources() []string {
	if len(s.Sources) > 0 {
		return s.Sources
	}
	if s.CorpusDir != "" {
		return []string{s.CorpusDir}
	}
	return nil
}
