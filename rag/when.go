package rag

import (
	"cmp"
	"context"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// When is what a question's time words ask for: a date range, a
// preference for the newest articles, or both.
type When struct {
	// From and To bound the publication date, inclusive; zero is open.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Latest is set by "latest", "most recent", "newest", "lately":
	// newer articles are preferred. ("recent" alone is not enough: "recent
	// matches" says nothing about which articles to prefer.)
	Latest bool `json:"latest,omitempty"`
	// Phrases are the time words found, as written.
	Phrases []string `json:"phrases,omitempty"`
}

// IsZero reports whether the question had no time words.
func (w When) IsZero() bool { return w.From.IsZero() && w.To.IsZero() && !w.Latest }

// Regular expressions of time words. A date expression (dateRE) is a day
// (2025-03-14, March 14[, 2025], 14 March [2025], today, yesterday, a
// weekday), a month (March [2025]) or a year (1900-2099); the phrases
// around it say how it bounds the range.
const (
	monthRE   = `(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?`
	weekdayRE = `(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)`
	yearRE    = `(?:19|20)\d\d`
	dayRE     = `(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?`
	dateRE    = `(?:\d{4}-\d\d-\d\d|` + monthRE + `\s+` + dayRE + `(?:,?\s+` + yearRE + `)?|` + dayRE + `\s+(?:of\s+)?` + monthRE + `(?:,?\s+` + yearRE + `)?|` +
		monthRE + `,?\s+` + yearRE + `|` + monthRE + `|` + yearRE + `|today|yesterday|` + weekdayRE + `)`
	numberRE = `(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve)`
)

// timePatterns are the time phrases, most specific first. Each names how
// its date expressions bound the range. Phrases that may be part of a name
// ("USA Today", "Latest Stock Market News") do not count when capitalised
// mid-sentence.
var timePatterns = []struct {
	re       *regexp.Regexp
	kind     string
	nameable bool
}{
	{re: regexp.MustCompile(`\bbetween\s+(` + dateRE + `)\s+and\s+(` + dateRE + `)\b`), kind: "between"},
	{re: regexp.MustCompile(`\b(?:in\s+the\s+|over\s+the\s+|during\s+the\s+)?(?:last|past|previous)\s+(` + numberRE + `)\s+(days?|weeks?|months?|years?)\b`), kind: "past"},
	{re: regexp.MustCompile(`\b(?:in\s+the\s+|over\s+the\s+|during\s+the\s+)?past\s+(day|week|month|year)\b`), kind: "past1"},
	{re: regexp.MustCompile(`\b(this|last|previous)\s+(week|month|year)\b`), kind: "calendar"},
	{re: regexp.MustCompile(`\blast\s+(` + weekdayRE + `)\b`), kind: "on"},
	{re: regexp.MustCompile(`\b(?:since|from)\s+(` + dateRE + `)\b`), kind: "since"},
	{re: regexp.MustCompile(`\bafter\s+(` + dateRE + `)\b`), kind: "after"},
	{re: regexp.MustCompile(`\b(?:before|until|till|up\s+to)\s+(` + dateRE + `)\b`), kind: "before"},
	{re: regexp.MustCompile(`\b(?:in|during|on)\s+(` + dateRE + `)\b`), kind: "on"},
	{re: regexp.MustCompile(`\b(today|yesterday)\b`), kind: "on", nameable: true},
	{re: regexp.MustCompile(`\b(` + monthRE + `,?\s+` + yearRE + `|\d{4}-\d\d-\d\d)\b`), kind: "on"},
	{re: regexp.MustCompile(`\b(?:the\s+)?(?:latest|most\s+recent(?:ly)?|newest|lately)\b`), kind: "latest", nameable: true},
}

// spaceBeforePunct is a space left before punctuation where words were removed.
var spaceBeforePunct = regexp.MustCompile(`\s+([?!.,;:])`)

// ParseWhen finds the time words of a question and resolves them against
// now: "this week", "last month", "since Monday", "in March 2025", "before
// 2024", "between May and July 2025", "in the past 3 days", "latest", ...
// Several phrases narrow the range together. Weeks start on Monday; a month
// or weekday without a year is the most recent one not after now. Words that
// name no date ("before the election") are not time words. It returns the
// zero When for a question without time words, and the question with the
// time words removed (for retrieval: they match no article text).
func ParseWhen(question string, now time.Time) (When, string) {
	var w When
	lower := strings.ToLower(question) // same byte offsets for ASCII; see below
	if len(lower) != len(question) {
		return w, question // non-ASCII case changes would shift offsets
	}
	taken := make([]bool, len(lower))
	var spans [][2]int
	for _, p := range timePatterns {
		for _, m := range p.re.FindAllStringSubmatchIndex(lower, -1) {
			if slices.Contains(taken[m[0]:m[1]], true) {
				continue
			}
			if p.nameable && inName(question, m[0]) {
				continue
			}
			from, to, latest, ok := resolvePhrase(p.kind, lower, m, now)
			if !ok {
				continue
			}
			for i := m[0]; i < m[1]; i++ {
				taken[i] = true
			}
			spans = append(spans, [2]int{m[0], m[1]})
			w.Phrases = append(w.Phrases, question[m[0]:m[1]])
			w.Latest = w.Latest || latest
			if !from.IsZero() && (w.From.IsZero() || from.After(w.From)) {
				w.From = from
			}
			if !to.IsZero() && (w.To.IsZero() || to.Before(w.To)) {
				w.To = to
			}
		}
	}
	if !w.From.IsZero() && !w.To.IsZero() && w.From.After(w.To) {
		w.From, w.To = time.Time{}, time.Time{} // contradictory: no date filter
	}
	if len(spans) == 0 {
		return When{}, question
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	var b strings.Builder
	last := 0
	for _, s := range spans {
		b.WriteString(question[last:s[0]])
		last = s[1]
	}
	b.WriteString(question[last:])
	rest := spaceBeforePunct.ReplaceAllString(strings.Join(strings.Fields(b.String()), " "), "$1")
	if len(strings.Fields(strings.Trim(rest, "?!. "))) < 2 {
		rest = question // "What's the latest?": keep the words there are
	}
	return w, rest
}

// inName reports whether the word at i is capitalised in the middle of a
// sentence, as in a name ("Business Today | Latest Stock Market News"),
// where it is no time word.
func inName(question string, i int) bool {
	if c := question[i]; c < 'A' || c > 'Z' {
		return false
	}
	before := strings.TrimRight(question[:i], " \t\"'“‘(")
	return before != "" && !strings.HasSuffix(before, ".") && !strings.HasSuffix(before, "?") && !strings.HasSuffix(before, "!") && !strings.HasSuffix(before, ":")
}

// resolvePhrase turns one matched phrase into bounds.
func resolvePhrase(kind, s string, m []int, now time.Time) (from, to time.Time, latest, ok bool) {
	group := func(i int) string { return s[m[2*i]:m[2*i+1]] }
	day := startOfDay(now)
	switch kind {
	case "latest":
		return time.Time{}, time.Time{}, true, true
	case "between":
		a0, _, ok1 := resolveDate(group(1), now)
		_, b1, ok2 := resolveDate(group(2), now)
		return a0, b1, false, ok1 && ok2
	case "past", "past1":
		n, unit := 1, group(1)
		if kind == "past" {
			n, unit = parseNumber(group(1)), group(2)
		}
		if n <= 0 || n > 1000 {
			return
		}
		unit = strings.TrimSuffix(unit, "s")
		start := map[string]time.Time{
			"day": day.AddDate(0, 0, -n), "week": day.AddDate(0, 0, -7*n),
			"month": day.AddDate(0, -n, 0), "year": day.AddDate(-n, 0, 0),
		}[unit]
		return start, endOf(day, 0, 0, 1), false, true
	case "calendar":
		which, unit := group(1), group(2)
		var start time.Time
		switch unit {
		case "week":
			start = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // Monday
		case "month":
			start = time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location())
		case "year":
			start = time.Date(day.Year(), 1, 1, 0, 0, 0, 0, day.Location())
		}
		step := map[string][3]int{"week": {0, 0, 7}, "month": {0, 1, 0}, "year": {1, 0, 0}}[unit]
		if which != "this" {
			start = start.AddDate(-step[0], -step[1], -step[2])
		}
		return start, endOf(start, step[0], step[1], step[2]), false, true
	}
	a, b, ok := resolveDate(group(1), now)
	if !ok {
		return
	}
	switch kind {
	case "since":
		return a, time.Time{}, false, true
	case "after":
		return b.Add(time.Nanosecond), time.Time{}, false, true
	case "before":
		return time.Time{}, a.Add(-time.Nanosecond), false, true
	default: // "on"
		return a, b, false, true
	}
}

// Anchored forms of a date expression, for resolveDate.
var (
	isoDateRE   = regexp.MustCompile(`^(\d{4})-(\d\d)-(\d\d)$`)
	monthDayRE  = regexp.MustCompile(`^(` + monthRE + `)\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(` + yearRE + `))?$`)
	dayMonthRE  = regexp.MustCompile(`^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(` + monthRE + `)(?:,?\s+(` + yearRE + `))?$`)
	monthYearRE = regexp.MustCompile(`^(` + monthRE + `)(?:,?\s+(` + yearRE + `))?$`)
	yearOnlyRE  = regexp.MustCompile(`^(` + yearRE + `)$`)
	weekdays    = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
		"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday}
)

// resolveDate returns the first and last instant of a date expression.
func resolveDate(s string, now time.Time) (start, end time.Time, ok bool) {
	day := startOfDay(now)
	loc := day.Location()
	switch {
	case s == "today":
		return day, endOf(day, 0, 0, 1), true
	case s == "yesterday":
		y := day.AddDate(0, 0, -1)
		return y, endOf(y, 0, 0, 1), true
	}
	if wd, ok := weekdays[s]; ok {
		d := day.AddDate(0, 0, -((int(day.Weekday()) - int(wd) + 7) % 7)) // on or before today
		return d, endOf(d, 0, 0, 1), true
	}
	if m := isoDateRE.FindStringSubmatch(s); m != nil {
		t, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			return
		}
		return t, endOf(t, 0, 0, 1), true
	}
	var monthName, dayStr, yearStr string
	switch {
	case monthYearRE.MatchString(s):
		m := monthYearRE.FindStringSubmatch(s)
		monthName, yearStr = m[1], m[2]
	case monthDayRE.MatchString(s):
		m := monthDayRE.FindStringSubmatch(s)
		monthName, dayStr, yearStr = m[1], m[2], m[3]
	case dayMonthRE.MatchString(s):
		m := dayMonthRE.FindStringSubmatch(s)
		dayStr, monthName, yearStr = m[1], m[2], m[3]
	case yearOnlyRE.MatchString(s):
		y, _ := strconv.Atoi(s)
		t := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		return t, endOf(t, 1, 0, 0), true
	default:
		return
	}
	month := monthNumber(monthName)
	if month == 0 {
		return
	}
	d := 0
	if dayStr != "" {
		d, _ = strconv.Atoi(dayStr)
	}
	year := day.Year()
	if yearStr != "" {
		year, _ = strconv.Atoi(yearStr)
	} else if month > day.Month() || month == day.Month() && d > day.Day() {
		year-- // the most recent one not after now
	}
	if d == 0 {
		t := time.Date(year, month, 1, 0, 0, 0, 0, loc)
		return t, endOf(t, 0, 1, 0), true
	}
	t := time.Date(year, month, d, 0, 0, 0, 0, loc)
	if t.Day() != d { // 31 April
		return
	}
	return t, endOf(t, 0, 0, 1), true
}

// monthNumber reads a month name or abbreviation (0: not a month).
func monthNumber(s string) time.Month {
	s = strings.TrimSuffix(s, ".")
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if s == name || len(s) >= 3 && strings.HasPrefix(name, s) {
			return m
		}
	}
	return 0
}

// parseNumber reads a count written as digits or a word (0: not one).
func parseNumber(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	words := map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
		"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12}
	return words[s]
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// endOf returns the last instant before start plus the given years,
// months and days.
func endOf(start time.Time, years, months, days int) time.Time {
	return start.AddDate(years, months, days).Add(-time.Nanosecond)
}

// recencyHalfLife is how much older a passage is, than the newest one
// retrieved, when its score counts three quarters: a question asking for
// the latest news prefers the newest articles, without dropping a much
// better match from last week.
const recencyHalfLife = 7 * 24 * time.Hour

// retrieve retrieves passages for req, first applying the time words of
// its question (see ParseWhen) resolved against the engine's clock: a date
// range becomes the date filter, unless the request sets one, and "latest"
// re-ranks a larger candidate set by recency. A date range read from the
// question that leaves nothing to retrieve (the corpus has no articles of
// those dates, or no dates at all: "in 1990" may be about history, not
// when an article appeared) is dropped, and the question retrieved as it
// is. A question without time words, or in several parts (see Decompose),
// is retrieved as it is.
func (e *Engine) retrieve(ctx context.Context, s Store, req Request) (*Retrieval, error) {
	now := time.Now
	if e.cfg.Now != nil {
		now = e.cfg.Now
	}
	when, rest := ParseWhen(req.Question, now())
	if when.IsZero() {
		return e.retrieveOnce(ctx, s, req)
	}
	parts, err := e.retriever.parts(ctx, s, req.Question)
	if err != nil {
		return nil, err
	}
	if len(parts) > 1 {
		// A question in several parts resolves each part's dates itself
		// (see Decompose): "the report on October 1 and the one on
		// October 7" is two dates, not a range.
		return e.retrieveOnce(ctx, s, req)
	}
	q := req
	q.Question = rest
	inferred := q.Filters.From.IsZero() && q.Filters.To.IsZero() && (!when.From.IsZero() || !when.To.IsZero())
	if inferred {
		q.Filters.From, q.Filters.To = when.From, when.To
	}
	k := cmp.Or(req.K, e.retriever.Config().K)
	if when.Latest {
		q.K = min(MaxK, 3*k)
	}
	r, err := e.retrieveOnce(ctx, s, q)
	if err == nil && inferred && len(r.Passages) == 0 {
		q.Question, q.Filters = req.Question, req.Filters
		r, err = e.retrieveOnce(ctx, s, q)
	}
	if err != nil || !when.Latest {
		return r, err
	}
	r.Passages = preferRecent(r.Passages, k)
	return r, nil
}

// preferRecent re-scores passages by recency relative to the newest of
// them, score × (0.5 + 0.5 × 2^(-age/recencyHalfLife)) (undated passages
// count as old), and returns the best k, renumbered.
func preferRecent(ps []Passage, k int) []Passage {
	var newest time.Time
	for _, p := range ps {
		if p.Published.After(newest) {
			newest = p.Published
		}
	}
	out := slices.Clone(ps)
	for i := range out {
		factor := 0.5
		if !out[i].Published.IsZero() {
			age := newest.Sub(out[i].Published)
			factor += 0.5 * math.Exp2(-float64(age)/float64(recencyHalfLife))
		}
		out[i].Score *= factor
	}
	slices.SortStableFunc(out, func(a, b Passage) int { return cmp.Compare(b.Score, a.Score) })
	out = out[:min(k, len(out))]
	for i := range out {
		out[i].N = i + 1
	}
	return out
}
