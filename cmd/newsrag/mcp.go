package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/web"
)

func newMCPCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "mcp",
		Short: "Serve the Model Context Protocol over stdio, for AI assistants",
		Long: `mcp serves newsrag to an MCP client (an AI assistant or IDE) over stdin and
stdout: the tools search_news, ask_news, get_article and list_articles, and
every article as the resource newsrag://articles/{id}. Configure the client
to run "newsrag mcp". Logs go to stderr. With no index yet it builds one from
the corpus in the background; tools report "not ready" until then.`,
		Args: usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSettings()
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			log := s.logger(stderr)
			e, err := s.engine(cmd.Context(), stderr, log, false)
			if err != nil {
				return err
			}
			keepIndex(cmd.Context(), e, log, func(ctx context.Context) error {
				return ingest(ctx, s, e, s.loader(log, nil), nil, false, nil, stderr, stderr)
			})
			return web.ServeMCP(cmd.Context(), e, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
}
