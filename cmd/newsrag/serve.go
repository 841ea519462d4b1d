package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/rag"
	"github.com/newsrag/newsrag/web"
)

func newServeCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the chat page and the JSON API",
		Long: `serve starts the web server (default http://127.0.0.1:8080): the chat page at
/, the JSON API under /api (documented at /api/openapi.json), /healthz,
/readyz and /metrics; the OpenAI-compatible API under /v1 and MCP (streamable
HTTP) at /mcp. With no index yet it builds one from the corpus in the
background; /readyz reports ready once it can answer. With NEWSRAG_REFRESH
(e.g. 15m) it reads its sources (NEWSRAG_SOURCES) again on that schedule
and swaps in the updated index; /metrics counts what each refresh did.`,
		Args: usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSettings()
			if err != nil {
				return err
			}
			if addr != "" {
				s.Addr = addr
			}
			stderr := cmd.ErrOrStderr()
			log := s.logger(stderr)
			e, err := s.engine(cmd.Context(), stderr, log, false)
			if err != nil {
				return err
			}
			loader := s.loader(log, nil) // one for the server's life: robots.txt rules are kept
			cfg := s.web(log)
			cfg.IndexProgress = &web.IndexProgress{}
			if s.Refresh > 0 {
				cfg.Refresh, cfg.RefreshEvery = refresher(s, e, loader), s.Refresh
			}
			srv, err := web.New(e, cfg)
			if err != nil {
				return err
			}
			keepIndex(cmd.Context(), e, log, func(ctx context.Context) error {
				return ingest(ctx, s, e, loader, nil, false, cfg.IndexProgress.Set, stderr, stderr)
			})
			return srv.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (default NEWSRAG_ADDR or 127.0.0.1:8080)")
	return cmd
}

// keepIndex is what the long-running commands (serve, mcp) do about the
// index until ctx ends: build it in the background when there is none, and
// pick up an index replaced by "newsrag ingest" in another process.
func keepIndex(ctx context.Context, e *rag.Engine, log *slog.Logger, build func(context.Context) error) {
	go e.Watch(ctx, 2*time.Second)
	if !e.Ready() {
		go func() {
			log.Info("no index yet: building it")
			if err := build(ctx); err != nil {
				log.Error("building the index failed", "err", err)
			}
		}()
	}
}
