package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/rag"
)

// queryFlags are the flags ask and search share.
type queryFlags struct {
	k        int
	outlet   string
	from, to string
	now      string
	json     bool
}

func (q *queryFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVarP(&q.k, "k", "k", 0, fmt.Sprintf("passages to retrieve, 1-%d (default NEWSRAG_TOP_K)", rag.MaxK))
	cmd.Flags().StringVar(&q.outlet, "outlet", "", "only articles from this outlet (case-insensitive)")
	cmd.Flags().StringVar(&q.from, "from", "", "only articles published on or after this date (YYYY-MM-DD, from its start)")
	cmd.Flags().StringVar(&q.to, "to", "", "only articles published on or before this date (YYYY-MM-DD, to its end)")
	cmd.Flags().StringVar(&q.now, "now", "", `resolve time words in the question ("this week", "latest") against this date (YYYY-MM-DD, RFC 3339, or "newest": the newest article's date) instead of today (default NEWSRAG_NOW)`)
	cmd.Flags().BoolVar(&q.json, "json", false, "print one JSON document instead of text")
}

// open reads the settings, checks the request for question and opens the
// engine, building the index first if there is none: the start of ask
// and search.
func (q *queryFlags) open(cmd *cobra.Command, question string) (*rag.Engine, rag.Request, error) {
	s, err := loadSettings()
	if err != nil {
		return nil, rag.Request{}, err
	}
	req, err := q.request(question)
	if err != nil {
		return nil, req, err
	}
	if q.now != "" {
		s.Now = q.now
	}
	stderr := cmd.ErrOrStderr()
	e, err := s.engine(cmd.Context(), stderr, s.logger(stderr), false)
	if err != nil {
		return nil, req, err
	}
	return e, req, ensureIndex(cmd.Context(), s, e, stderr)
}

// request builds the rag request for question.
func (q *queryFlags) request(question string) (rag.Request, error) {
	req := rag.Request{Question: question, K: q.k, Filters: rag.Filters{Outlet: q.outlet}}
	var err error
	if req.Filters.From, err = rag.ParseFrom("--from", q.from); err != nil {
		return req, err
	}
	if req.Filters.To, err = rag.ParseTo("--to", q.to); err != nil {
		return req, err
	}
	return req, req.Validate()
}

// date formats a publication date, or "" when unknown.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
