package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newSearchCmd() *cobra.Command {
	var q queryFlags
	cmd := &cobra.Command{
		Use:   `search "QUERY"`,
		Short: "List the passages that best match a query, with scores",
		Long: `search runs retrieval only (hybrid BM25 + dense by default; see
NEWSRAG_RETRIEVER) and prints the passages with their scores and articles.`,
		Example: `  newsrag search -k 3 "drone strikes on refineries"`,
		Args:    usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, req, err := q.open(cmd, args[0])
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			ps, err := e.Search(cmd.Context(), req)
			if err != nil {
				return err
			}
			if q.json {
				return writeJSON(stdout, map[string]any{"query": req.Question, "passages": ps})
			}
			if len(ps) == 0 {
				if msg := e.FilterMiss(req.Filters); msg != "" {
					fmt.Fprintln(stdout, msg)
					return nil
				}
				stdout.Write([]byte("No passages match.\n"))
				return nil
			}
			printPassages(stdout, "Passages", ps)
			return nil
		},
	}
	q.register(cmd)
	return cmd
}
