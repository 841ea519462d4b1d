package rag

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newsrag/newsrag/corpus"
)

// Match reports whether a passes f: its outlet equals f.Outlet and one of
// f.Outlets, when set (case-insensitively, ignoring surrounding space), and
// it was published
// within [f.From, f.To]. An article without a date fails any date bound.
func (f Filters) Match(a corpus.Article) bool {
	if f.Outlet != "" && !sameOutlet(a.Outlet, f.Outlet) {
		return false
	}
	if len(f.Outlets) > 0 && !slices.ContainsFunc(f.Outlets, func(o string) bool { return sameOutlet(a.Outlet, o) }) {
		return false
	}
	if f.From.IsZero() && f.To.IsZero() {
		return true
	}
	return !a.Published.IsZero() &&
		(f.From.IsZero() || !a.Published.Before(f.From)) &&
		(f.To.IsZero() || !a.Published.After(f.To))
}

// sameOutlet reports whether two outlet names are the same, ignoring case
// and surrounding space.
func sameOutlet(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// ParseFrom parses the lower bound of a date filter (Filters.From), given
// as YYYY-MM-DD (the start of that day, UTC) or as an RFC 3339 timestamp.
// name is what the caller calls the value ("--from", "filters.from"), for
// the error, which wraps ErrBadRequest. An empty value is the zero time: no
// bound.
func ParseFrom(name, value string) (time.Time, error) { return parseDate(name, value, false) }

// ParseTo parses the upper bound of a date filter (Filters.To) like
// ParseFrom, except that a bare date means the end of that day: "to
// 2025-03-01" includes an article published that afternoon.
func ParseTo(name, value string) (time.Time, error) { return parseDate(name, value, true) }

func parseDate(name, value string, endOfDay bool) (time.Time, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, value); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, value); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w: %s: %q is not a date; use YYYY-MM-DD (or an RFC 3339 timestamp)", ErrBadRequest, name, value)
}
