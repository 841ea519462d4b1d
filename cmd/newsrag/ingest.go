package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/corpus/source"
	"github.com/newsrag/newsrag/rag"
	"github.com/newsrag/newsrag/web"
)

func newIngestCmd() *cobra.Command {
	var rebuild bool
	cmd := &cobra.Command{
		Use:   "ingest [SOURCE...]",
		Short: "Index directories, feeds and article pages (default: the built-in corpus)",
		Long: `ingest reads articles from each SOURCE, splits them into chunks, embeds them
and writes the index to the data directory. A SOURCE is
  - a directory of articles (.md with optional YAML front matter, .txt,
    .html, .pdf);
  - an http(s) URL of an RSS, Atom or JSON feed (each entry's page is
    fetched and its main text extracted, else the feed's own text is used)
    or of an article page;
  - a file listing sources, one per line (# starts a comment).
Near-identical copies of a story (syndicated, updated) are kept once, the
others listed as its alternates. Re-ingesting is incremental: unchanged
articles are not re-embedded, changed ones are replaced and missing ones
removed; an unchanged feed costs one 304 request. Without SOURCE,
NEWSRAG_SOURCES, else NEWSRAG_CORPUS_DIR, else the built-in corpus is indexed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSettings()
			if err != nil {
				return err
			}
			log := s.logger(cmd.ErrOrStderr())
			e, err := s.engine(cmd.Context(), cmd.ErrOrStderr(), log, rebuild)
			if err != nil {
				return err
			}
			loader := s.loader(log, progress(cmd.ErrOrStderr(), "reading"))
			return ingest(cmd.Context(), s, e, loader, args, rebuild, nil, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "discard the existing index and fetch everything again (needed after changing the embedder, or to replace a damaged index)")
	return cmd
}

// ingest reads the sources (default: the configured ones) and indexes
// them, printing what was skipped and a summary. track, when set, is also
// told how many chunks are embedded so far.
func ingest(ctx context.Context, s *settings, e *rag.Engine, loader *source.Loader, sources []string, rebuild bool, track func(done, total int), stdout, stderr io.Writer) error {
	start := time.Now()
	if len(sources) == 0 {
		sources = s.sources()
	}
	onEmbed := progress(stderr, "embedding")
	if bar := onEmbed; track != nil {
		onEmbed = func(done, total int) {
			if bar != nil {
				bar(done, total)
			}
			track(done, total)
		}
	}
	res, st, err := update(ctx, e, loader, sources, rebuild, onEmbed)
	if res != nil {
		for _, sk := range res.Skipped {
			fmt.Fprintf(stderr, "skipped %s: %s\n", sk.Path, sk.Reason)
		}
		for _, fb := range res.Fallbacks {
			fmt.Fprintf(stderr, "used the feed's text for %s: %s\n", fb.Path, fb.Reason)
		}
	}
	if err != nil {
		return err
	}
	src := strings.Join(sources, ", ")
	if src == "" {
		src = "the built-in corpus"
	}
	fmt.Fprintf(stdout, "Indexed %s: %d articles, %d chunks (%d added, %d updated, %d removed, %d unchanged; %d chunks embedded), %d skipped, in %s.\n",
		src, st.Articles, st.Chunks, st.Added, st.Updated, st.Removed, st.Unchanged, st.Embedded, len(res.Skipped),
		time.Since(start).Round(time.Millisecond))
	if f := res.Stats; f.Fetched+f.NotModified+f.Failed+f.Duplicates+f.Expired > 0 {
		fmt.Fprintf(stdout, "Fetched %d, not modified %d, failed %d; %d duplicates kept as alternates, %d past the retention.\n",
			f.Fetched, f.NotModified, f.Failed, f.Duplicates, f.Expired)
	}
	fmt.Fprintf(stdout, "Index: %s\n", e.Location())
	return nil
}

// update reads sources (none: the built-in corpus) and ingests their
// articles: what ingest and serve's refreshes do.
func update(ctx context.Context, e *rag.Engine, loader *source.Loader, sources []string, rebuild bool, progress func(done, total int)) (*source.Result, rag.BuildStats, error) {
	res := &source.Result{}
	if len(sources) == 0 {
		arts, err := corpus.Default()
		if err != nil {
			return res, rag.BuildStats{}, err
		}
		res.Articles = arts
	} else {
		var previous []corpus.Article
		if !rebuild {
			previous = e.Articles()
		}
		var err error
		if res, err = loader.Load(ctx, sources, previous); err != nil {
			return nil, rag.BuildStats{}, err
		}
		if len(res.Articles) == 0 {
			return res, rag.BuildStats{}, fmt.Errorf("no articles found in %s (directories of .md, .txt, .html or .pdf files, feeds or article pages)", strings.Join(sources, ", "))
		}
	}
	st, err := e.Ingest(ctx, res.Articles, rag.IngestOptions{Rebuild: rebuild, Progress: progress})
	return res, st, err
}

// refresher is serve's scheduled refresh: update from the configured
// sources, reported for /metrics.
func refresher(s *settings, e *rag.Engine, loader *source.Loader) func(context.Context) (web.RefreshStats, error) {
	return func(ctx context.Context) (web.RefreshStats, error) {
		res, st, err := update(ctx, e, loader, s.sources(), false, nil)
		var out web.RefreshStats
		if res != nil {
			out.Fetched, out.NotModified, out.Failed = res.Stats.Fetched, res.Stats.NotModified, res.Stats.Failed
		}
		out.Added, out.Updated, out.Removed, out.Unchanged = st.Added, st.Updated, st.Removed, st.Unchanged
		return out, err
	}
}

// ensureIndex builds the index from the configured or default corpus when
// there is none yet, so ask and search work on a fresh machine.
func ensureIndex(ctx context.Context, s *settings, e *rag.Engine, stderr io.Writer) error {
	if e.Ready() {
		return nil
	}
	from := "the built-in corpus"
	if srcs := s.sources(); len(srcs) > 0 {
		from = strings.Join(srcs, ", ")
	}
	fmt.Fprintln(stderr, "No index yet: building it from", from, "…")
	return ingest(ctx, s, e, s.loader(s.logger(stderr), nil), nil, false, nil, stderr, stderr)
}
