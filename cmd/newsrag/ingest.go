package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/rag"
)

func newIngestCmd() *cobra.Command {
	var rebuild bool
	cmd := &cobra.Command{
		Use:   "ingest [DIR]",
		Short: "Index a directory of articles (default: the built-in corpus)",
		Long: `ingest reads the articles in DIR (.md with optional YAML front matter, .txt,
.html, .pdf), splits them into chunks, embeds them and writes the index to
the data directory. Re-ingesting is incremental: unchanged articles are not
re-embedded, changed ones are replaced and deleted ones removed. Without DIR,
NEWSRAG_CORPUS_DIR or else the built-in default corpus is indexed.`,
		Args: usage(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSettings()
			if err != nil {
				return err
			}
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			}
			log := s.logger(cmd.ErrOrStderr())
			e, err := s.engine(cmd.Context(), cmd.ErrOrStderr(), log, rebuild)
			if err != nil {
				return err
			}
			return ingest(cmd.Context(), s, e, dir, rebuild, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "discard the existing index (needed after changing the embedder, or to replace a damaged index)")
	return cmd
}

// ingest loads the corpus and indexes it, printing a summary.
func ingest(ctx context.Context, s *settings, e *rag.Engine, dir string, rebuild bool, stdout, stderr io.Writer) error {
	start := time.Now()
	arts, skipped, err := s.articles(ctx, dir, progress(stderr, "reading"))
	if err != nil {
		return err
	}
	for _, sk := range skipped {
		fmt.Fprintf(stderr, "skipped %s: %s\n", sk.Path, sk.Reason)
	}
	st, err := e.Ingest(ctx, arts, rag.IngestOptions{Rebuild: rebuild, Progress: progress(stderr, "embedding")})
	if err != nil {
		return err
	}
	src := dir
	if src == "" {
		src = s.CorpusDir
	}
	if src == "" {
		src = "the built-in corpus"
	}
	fmt.Fprintf(stdout, "Indexed %s: %d articles, %d chunks (%d added, %d updated, %d removed, %d unchanged; %d chunks embedded), %d files skipped, in %s.\nIndex: %s\n",
		src, st.Articles, st.Chunks, st.Added, st.Updated, st.Removed, st.Unchanged, st.Embedded, len(skipped),
		time.Since(start).Round(time.Millisecond), e.IndexPath())
	return nil
}

// ensureIndex builds the index from the configured or default corpus when
// there is none yet, so ask and search work on a fresh machine.
func ensureIndex(ctx context.Context, s *settings, e *rag.Engine, stderr io.Writer) error {
	if e.Ready() {
		return nil
	}
	fmt.Fprintln(stderr, "No index yet: building it from", map[bool]string{true: "the built-in corpus", false: s.CorpusDir}[s.CorpusDir == ""], "…")
	return ingest(ctx, s, e, "", false, stderr, stderr)
}
