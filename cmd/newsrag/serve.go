package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/web"
)

func newServeCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the chat page and the JSON API",
		Long: `serve starts the web server (default http://127.0.0.1:8080): the chat page at
/, the JSON API under /api (documented at /api/openapi.json), /healthz,
/readyz and /metrics. With no index yet it builds one from the corpus in the
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
			// Pick up an index replaced by "newsrag ingest" in another process.
			go e.Watch(cmd.Context(), 2*time.Second)
			if !e.Ready() {
				go func() {
					log.Info("no index yet: building it")
					if err := ingest(cmd.Context(), s, e, loader, nil, false, cfg.IndexProgress.Set, stderr, stderr); err != nil {
						log.Error("building the index failed", "err", err)
					}
				}()
			}
			return srv.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (default NEWSRAG_ADDR or 127.0.0.1:8080)")
	return cmd
}
