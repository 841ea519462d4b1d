package rag

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsrag/newsrag/corpus"
)

// Match reports whether a passes f: its outlet equals f.Outlet and one of
// f.Outlets, when set (case-insensitively, ignoring surrounding space; an
// outlet of spaces is none), and it was published within [f.From, f.To].
// An article without a date fails any date bound.
func (f Filters) Match(a corpus.Article) bool {
	if strings.TrimSpace(f.Outlet) != "" && !sameOutlet(a.Outlet, f.Outlet) {
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

// noMatch is the answer to a question asked within filters f that no
// article of arts passes ("" when one does): it says so rather than that the
// corpus holds no answer, names the corpus' outlets when f asks for one it
// does not have (a misspelt outlet is the likely cause), and counts the
// undated articles a date bound leaves out.
func noMatch(f Filters, arts []corpus.Article) string {
	if slices.ContainsFunc(arts, f.Match) {
		return ""
	}
	var parts []string
	for _, o := range append([]string{f.Outlet}, f.Outlets...) {
		if strings.TrimSpace(o) != "" {
			parts = append(parts, "outlet "+strconv.Quote(strings.TrimSpace(o)))
		}
	}
	if !f.From.IsZero() {
		parts = append(parts, "from "+f.From.Format(time.DateOnly))
	}
	if !f.To.IsZero() {
		parts = append(parts, "to "+f.To.Format(time.DateOnly))
	}
	var b strings.Builder
	b.WriteString("No article in the corpus matches the filters")
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	b.WriteString(".")
	outletOnly := Filters{Outlet: f.Outlet, Outlets: f.Outlets}
	if !outletOnly.IsZero() && !slices.ContainsFunc(arts, outletOnly.Match) {
		var outlets []string
		for _, a := range arts {
			if o := strings.TrimSpace(a.Outlet); o != "" && !slices.ContainsFunc(outlets, func(x string) bool { return sameOutlet(x, o) }) {
				outlets = append(outlets, o)
			}
		}
		slices.SortFunc(outlets, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		const most = 10
		switch {
		case len(outlets) == 0:
			b.WriteString(" Its articles name no outlet.")
		case len(outlets) <= most:
			b.WriteString(" Its outlets: " + quoteAll(outlets) + ".")
		default:
			b.WriteString(fmt.Sprintf(" Its outlets include %s and %d more.", quoteAll(outlets[:most]), len(outlets)-most))
		}
	}
	b.WriteString(undatedNote(f, arts))
	return b.String()
}

// undatedNote is " A date filter leaves out its N undated articles." when
// f bounds the date and some of arts have none, else "": a question about
// an undated article asked within dates is declined for that reason.
func undatedNote(f Filters, arts []corpus.Article) string {
	if f.From.IsZero() && f.To.IsZero() {
		return ""
	}
	undated := 0
	for _, a := range arts {
		if a.Published.IsZero() {
			undated++
		}
	}
	switch {
	case undated == 1:
		return " A date filter leaves out its undated article."
	case undated > 1:
		return fmt.Sprintf(" A date filter leaves out its %d undated articles.", undated)
	}
	return ""
}

// quoteAll quotes each of ss and joins them with commas.
func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// IsZero reports whether f filters nothing out.
func (f Filters) IsZero() bool {
	return strings.TrimSpace(f.Outlet) == "" && len(f.Outlets) == 0 && f.From.IsZero() && f.To.IsZero()
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
