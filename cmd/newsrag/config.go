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
	"github.com/newsrag/newsrag/embed"
	"github.com/newsrag/newsrag/rag"
	"github.com/newsrag/newsrag/web"
)

// settings is every setting newsrag reads from the environment (and a .env
// file in the working directory). Flags override them. .env.example
// documents each one.
type settings struct {
	DataDir   string `env:"NEWSRAG_DATA_DIR"`
	CorpusDir string `env:"NEWSRAG_CORPUS_DIR"`
	LogLevel  string `env:"NEWSRAG_LOG_LEVEL" envDefault:"info"`

	Embedder       string        `env:"NEWSRAG_EMBEDDER" envDefault:"builtin"`
	EmbedModel     string        `env:"NEWSRAG_EMBED_MODEL"`
	EmbedBaseURL   string        `env:"NEWSRAG_EMBED_BASE_URL"`
	EmbedAPIKey    string        `env:"NEWSRAG_EMBED_API_KEY"`
	EmbedTimeout   time.Duration `env:"NEWSRAG_EMBED_TIMEOUT" envDefault:"60s"`
	EmbedBatchSize int           `env:"NEWSRAG_EMBED_BATCH_SIZE" envDefault:"64"`

	LLMProvider    string        `env:"NEWSRAG_LLM_PROVIDER"`
	LLMModel       string        `env:"NEWSRAG_LLM_MODEL"`
	LLMBaseURL     string        `env:"NEWSRAG_LLM_BASE_URL"`
	LLMAPIKey      string        `env:"NEWSRAG_LLM_API_KEY"`
	LLMTemperature float64       `env:"NEWSRAG_LLM_TEMPERATURE" envDefault:"0.1"`
	LLMMaxTokens   int           `env:"NEWSRAG_LLM_MAX_TOKENS" envDefault:"600"`
	LLMTimeout     time.Duration `env:"NEWSRAG_LLM_TIMEOUT" envDefault:"60s"`
	LLMRetries     int           `env:"NEWSRAG_LLM_RETRIES" envDefault:"2"`

	Retriever   string  `env:"NEWSRAG_RETRIEVER" envDefault:"hybrid"`
	DenseWeight float64 `env:"NEWSRAG_DENSE_WEIGHT"` // 0: the retrieval default
	TopK        int     `env:"NEWSRAG_TOP_K" envDefault:"8"`

	Addr            string        `env:"NEWSRAG_ADDR" envDefault:"127.0.0.1:8080"`
	APIKey          string        `env:"NEWSRAG_API_KEY"`
	AllowPublic     bool          `env:"NEWSRAG_ALLOW_PUBLIC"`
	TrustedProxies  []string      `env:"NEWSRAG_TRUSTED_PROXIES" envSeparator:","`
	CORSOrigins     []string      `env:"NEWSRAG_CORS_ORIGINS" envSeparator:","`
	RateLimit       float64       `env:"NEWSRAG_RATE_LIMIT" envDefault:"10"`
	RateBurst       int           `env:"NEWSRAG_RATE_BURST" envDefault:"40"`
	BodyLimit       int64         `env:"NEWSRAG_BODY_LIMIT" envDefault:"262144"`
	MaxAnswerBytes  int64         `env:"NEWSRAG_MAX_ANSWER_BYTES" envDefault:"1048576"`
	RequestTimeout  time.Duration `env:"NEWSRAG_REQUEST_TIMEOUT" envDefault:"60s"`
	StreamTimeout   time.Duration `env:"NEWSRAG_STREAM_TIMEOUT" envDefault:"5m"`
	ShutdownTimeout time.Duration `env:"NEWSRAG_SHUTDOWN_TIMEOUT" envDefault:"1s"`
}

// loadSettings reads .env (if present; real environment variables win) and
// the environment.
func loadSettings() (*settings, error) {
	if err := godotenv.Load(); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("read .env: %w", err)
	}
	var s settings
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
		Model:    embed.ModelConfig{Progress: progress},
		OpenAI: embed.OpenAIConfig{BaseURL: s.EmbedBaseURL, APIKey: s.EmbedAPIKey, Model: s.EmbedModel,
			BatchSize: s.EmbedBatchSize, Timeout: s.EmbedTimeout},
		Ollama: embed.OllamaConfig{BaseURL: s.EmbedBaseURL, Model: s.EmbedModel,
			BatchSize: s.EmbedBatchSize, Timeout: s.EmbedTimeout},
	})
}

// llm builds the configured generator, or nil for extractive answers.
func (s *settings) llm(ctx context.Context) (*rag.Generator, error) {
	return rag.NewLLM(ctx, rag.LLMConfig{
		Provider: s.LLMProvider, Model: s.LLMModel, BaseURL: s.LLMBaseURL, APIKey: s.LLMAPIKey,
		Temperature: s.LLMTemperature, MaxTokens: s.LLMMaxTokens, Timeout: s.LLMTimeout, Retries: s.LLMRetries,
	})
}

// retrieval is the configured retrieval.
func (s *settings) retrieval() rag.RetrievalConfig {
	return rag.RetrievalConfig{Mode: s.Retriever, DenseWeight: s.DenseWeight}
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
	return rag.Open(ctx, rag.Config{
		DataDir:   s.DataDir,
		Embedder:  emb,
		Retrieval: s.retrieval(),
		LLM:       gen,
		Logger:    log,
		Fresh:     fresh,
	})
}

// web is the server configuration.
func (s *settings) web(log *slog.Logger) web.Config {
	return web.Config{
		Addr: s.Addr, APIKey: s.APIKey, AllowPublic: s.AllowPublic,
		TrustedProxies: s.TrustedProxies, CORSOrigins: s.CORSOrigins,
		RateLimit: s.RateLimit, RateBurst: s.RateBurst, BodyLimit: s.BodyLimit,
		MaxAnswerBytes: s.MaxAnswerBytes, RequestTimeout: s.RequestTimeout,
		StreamTimeout: s.StreamTimeout, ShutdownTimeout: s.ShutdownTimeout, Logger: log,
	}
}

// articles loads the corpus to ingest: dir if given, else the configured
// corpus directory, else the built-in default corpus.
func (s *settings) articles(ctx context.Context, dir string, progress func(done, total int)) ([]corpus.Article, []corpus.Skipped, error) {
	if dir == "" {
		dir = s.CorpusDir
	}
	if dir == "" {
		arts, err := corpus.Default()
		return arts, nil, err
	}
	res, err := corpus.Load(ctx, dir, corpus.LoadOptions{Progress: progress})
	if err != nil {
		return nil, nil, err
	}
	if len(res.Articles) == 0 {
		return nil, res.Skipped, fmt.Errorf("no articles found in %s (supported: %s)", dir, strings.Join([]string{".md", ".txt", ".html", ".pdf"}, ", "))
	}
	return res.Articles, res.Skipped, nil
}
