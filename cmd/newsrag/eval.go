package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/rag"
	"github.com/newsrag/newsrag/rag/eval"
)

// evalFlags are the eval command's flags.
type evalFlags struct {
	retrievers  []string
	denseWeight []float64
	compare     bool
	json        bool
	html        string
	answers     bool
	k           int
	limit       int
	cacheDir    string
	features    string
	sentences   string
	every       int
	singleQuery bool
}

func newEvalCmd() *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:   "eval DIR",
		Short: "Measure retrieval (and answer) quality on a question set",
		Long: `eval reads DIR/corpus/ (any format ingest reads) and DIR/questions.jsonl (one
JSON object per line: id, question, answers, sources), indexes the corpus with
the configured embedder (cached by corpus content and settings, so a second
run only queries), runs every question through each retriever and reports
answer-recall@1/3/5/10 (a retrieved passage contains a gold answer,
case-insensitive), article-hit@k, MRR, chunk sizes and query latency.
Questions with an "evidence" list (source, fact) are also scored as
MultiHop-RAG does, per question "type": Hits@4, Hits@10, MRR@10, MAP@10 (a
passage holding a gold fact is relevant) and all-gold@5/10 (every gold
article in the top k), shown beside the published figures.

--answers also answers every question (with the configured LLM, else the
extractive answerer) and scores the answers: gold answer contained, citation
precision and validity, refusal of unanswerable questions, and refusal against
false refusal as the answerability threshold varies. --features FILE also
writes each question's answerability features, the training data of
rag/gatetrain; --sentences FILE writes each extracted answer's candidate
sentences with their features, the training data of rag/extracttrain.`,
		Example: `  newsrag eval --compare bench/squad-dev
  newsrag eval --retriever hybrid --dense-weight 0.3,0.45,0.55 --limit 500 bench/squad-dev
  newsrag eval --compare --json --html report.html bench/squad-dev`,
		Args: usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSettings()
			if err != nil {
				return err
			}
			rcs, err := f.retrieval(s)
			if err != nil {
				return err
			}
			if f.k < 1 || f.k > rag.MaxK {
				return fmt.Errorf("%w: -k must be between 1 and %d", rag.ErrBadRequest, rag.MaxK)
			}
			if f.every < 0 {
				return fmt.Errorf("%w: --every must not be negative", rag.ErrBadRequest)
			}
			if f.limit < 0 {
				return fmt.Errorf("%w: --limit must not be negative", rag.ErrBadRequest)
			}
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			ctx := cmd.Context()
			emb, err := s.embedder(ctx, stderr)
			if err != nil {
				return err
			}
			store, err := s.store()
			if err != nil {
				return err
			}
			cfg := eval.Config{
				Dir: args[0], CacheDir: f.cacheDir, Embedder: emb, Store: store,
				Retrievers: rcs, K: f.k, Limit: f.limit, Every: f.every, Answers: f.answers,
				Progress: stageProgress(stderr),
			}
			if f.answers {
				if cfg.LLM, err = s.llm(ctx); err != nil {
					return err
				}
				if cfg.Relevance, err = s.relevance(); err != nil {
					return err
				}
				if s.Now == "newest" {
					return fmt.Errorf("%w: eval takes NEWSRAG_NOW as a date or time, not \"newest\"", rag.ErrBadRequest)
				}
				if cfg.Now, err = s.clock(nil); err != nil {
					return err
				}
			}
			if f.features != "" {
				if !f.answers {
					return fmt.Errorf("%w: --features needs --answers", rag.ErrBadRequest)
				}
				out, err := os.Create(f.features)
				if err != nil {
					return fmt.Errorf("eval: %w", err)
				}
				defer out.Close()
				cfg.Features = out
			}
			if f.sentences != "" {
				if !f.answers || cfg.LLM != nil {
					return fmt.Errorf("%w: --sentences needs --answers and no LLM", rag.ErrBadRequest)
				}
				out, err := os.Create(f.sentences)
				if err != nil {
					return fmt.Errorf("eval: %w", err)
				}
				defer out.Close()
				cfg.Sentences = out
			}
			rep, err := eval.Evaluate(ctx, cfg)
			if err != nil {
				return err
			}
			if f.html != "" {
				if err := writeHTMLReport(f.html, rep); err != nil {
					return err
				}
			}
			if f.json {
				return writeJSON(stdout, rep)
			}
			if err := rep.WriteTable(stdout); err != nil {
				return err
			}
			if f.html != "" {
				fmt.Fprintf(stdout, "\nReport: %s\n", f.html)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.retrievers, "retriever", nil, "retrievers to run, comma-separated: bm25, dense, hybrid (default NEWSRAG_RETRIEVER)")
	fl.Float64SliceVar(&f.denseWeight, "dense-weight", nil, "dense share(s) of the hybrid score, comma-separated; each gives one hybrid run (default NEWSRAG_DENSE_WEIGHT, else the built-in default)")
	fl.BoolVar(&f.compare, "compare", false, "run bm25, dense and hybrid side by side")
	fl.BoolVar(&f.json, "json", false, "print the report as one JSON document")
	fl.StringVar(&f.html, "html", "", "also write a self-contained HTML report with recall charts to this file")
	fl.BoolVar(&f.answers, "answers", false, "also answer every question (configured LLM, else extractive) and score the answers")
	fl.IntVarP(&f.k, "k", "k", 10, "deepest rank measured")
	fl.IntVar(&f.limit, "limit", 0, "use only the first N questions (0: all)")
	fl.IntVar(&f.every, "every", 0, "keep every N-th question only (a quicker run that still covers every article)")
	fl.StringVar(&f.features, "features", "", "with --answers, write each question's answerability features to this JSONL file")
	fl.StringVar(&f.sentences, "sentences", "", "with --answers and no LLM, write each extracted answer's candidate sentences and their features to this JSONL file")
	fl.BoolVar(&f.singleQuery, "single-query", false, "retrieve for each question as a whole, without splitting it into parts by outlet, date or comparison")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "where built indexes are cached (default: <user cache dir>/newsrag/eval)")
	return cmd
}

// retrieval turns the flags into the retriever settings to run.
func (f *evalFlags) retrieval(s *settings) ([]rag.RetrievalConfig, error) {
	modes := f.retrievers
	if f.compare {
		modes = []string{rag.RetrieveBM25, rag.RetrieveDense, rag.RetrieveHybrid}
	}
	if len(modes) == 0 {
		modes = []string{s.Retriever}
	}
	weights := f.denseWeight
	if len(weights) == 0 {
		weights = []float64{s.DenseWeight}
	}
	var out []rag.RetrievalConfig
	seen := map[string]bool{}
	for _, m := range modes {
		m = strings.ToLower(strings.TrimSpace(m))
		ws := weights
		if m != rag.RetrieveHybrid {
			ws = weights[:1]
		}
		for _, w := range ws {
			rc := rag.RetrievalConfig{Mode: m, DenseWeight: w, SingleQuery: f.singleQuery}
			if err := rc.Validate(); err != nil {
				return nil, fmt.Errorf("%w: %v", rag.ErrBadRequest, err)
			}
			key := m + "/" + strconv.FormatFloat(w, 'g', -1, 64)
			if m != rag.RetrieveHybrid {
				key = m
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, rc)
			}
		}
	}
	return out, nil
}

// stageProgress returns an eval progress callback: a progress bar per stage
// on a terminal, otherwise one line when each stage ends.
func stageProgress(w io.Writer) func(stage string, done, total int) {
	var mu sync.Mutex
	bars := map[string]func(int, int){}
	term := isTerminal(w)
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if term {
			bar, ok := bars[stage]
			if !ok {
				bar = progress(w, stage)
				bars[stage] = bar
			}
			bar(done, total)
			return
		}
		if done == total && total > 0 && stage != "reading" {
			fmt.Fprintf(w, "%s: %d/%d done\n", stage, done, total)
		}
	}
}

// writeHTMLReport writes rep's HTML form to path.
func writeHTMLReport(path string, rep *eval.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := rep.WriteHTML(f); err != nil {
		f.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}
