package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/rag"
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
			found, err := e.Search(cmd.Context(), req)
			if err != nil {
				return err
			}
			ps := found.Passages
			var note string // why nothing was found, when the filters leave no article
			if len(ps) == 0 {
				ps = []rag.Passage{} // [] rather than null in JSON
				note = e.FilterMiss(req.Filters)
			}
			if q.json {
				out := map[string]any{"query": req.Question, "passages": ps}
				if note != "" {
					out["note"] = note
				}
				if len(found.Corrections) > 0 {
					out["corrections"] = found.Corrections
				}
				return writeJSON(stdout, out)
			}
			if len(found.Corrections) > 0 {
				fmt.Fprintf(stdout, "(searched for %s)\n\n", corrected(found.Corrections))
			}
			if len(ps) == 0 {
				if note == "" {
					note = "No passages match."
				}
				fmt.Fprintln(stdout, note)
				return nil
			}
			printPassages(stdout, "Passages", ps)
			return nil
		},
	}
	q.register(cmd)
	return cmd
}
