package rag

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Request limits.
const (
	// MaxQuestionRunes is the longest question accepted, in characters.
	MaxQuestionRunes = 2000
	// MaxK is the largest number of passages a request may ask for.
	MaxK = 50
	// DefaultK is the number of passages retrieved when a request names
	// none, unless RetrievalConfig.K says otherwise.
	DefaultK = 8
	// MaxHistory is the number of earlier turns a request may carry.
	MaxHistory = 20
)

// Validate reports whether r is acceptable, wrapping ErrBadRequest with a
// message that says what to fix.
func (r Request) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, a...))
	}
	if !utf8.ValidString(r.Question) {
		return bad("question is not valid UTF-8")
	}
	if strings.TrimSpace(r.Question) == "" {
		return bad("question is empty")
	}
	if n := utf8.RuneCountInString(r.Question); n > MaxQuestionRunes {
		return bad("question is %d characters long; the limit is %d", n, MaxQuestionRunes)
	}
	if r.K != 0 && (r.K < 1 || r.K > MaxK) {
		return bad("k must be between 1 and %d, got %d", MaxK, r.K)
	}
	if !r.Filters.From.IsZero() && !r.Filters.To.IsZero() && r.Filters.To.Before(r.Filters.From) {
		return bad("filter 'to' (%s) is before 'from' (%s)", r.Filters.To.Format("2006-01-02"), r.Filters.From.Format("2006-01-02"))
	}
	if len(r.History) > MaxHistory {
		return bad("history has %d turns; the limit is %d", len(r.History), MaxHistory)
	}
	for i, t := range r.History {
		if t.Role != "user" && t.Role != "assistant" {
			return bad("history[%d].role must be \"user\" or \"assistant\", got %q", i, t.Role)
		}
		if !utf8.ValidString(t.Content) {
			return bad("history[%d].content is not valid UTF-8", i)
		}
		if utf8.RuneCountInString(t.Content) > 4*MaxQuestionRunes {
			return bad("history[%d].content is too long", i)
		}
	}
	return nil
}
