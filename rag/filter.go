package rag

import (
	"strings"

	"github.com/newsrag/newsrag/corpus"
)

// Match reports whether a passes f: its outlet equals f.Outlet
// (case-insensitively, ignoring surrounding space) and it was published
// within [f.From, f.To]. An article without a date fails any date bound.
func (f Filters) Match(a corpus.Article) bool {
	if f.Outlet != "" && !strings.EqualFold(strings.TrimSpace(a.Outlet), strings.TrimSpace(f.Outlet)) {
		return false
	}
	if f.From.IsZero() && f.To.IsZero() {
		return true
	}
	return !a.Published.IsZero() &&
		(f.From.IsZero() || !a.Published.Before(f.From)) &&
		(f.To.IsZero() || !a.Published.After(f.To))
}
