package rag

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Question decomposition. News questions often combine reports: "Does the
// article from The Verge claim …, while the TechCrunch article reports …?",
// "Was the Sporting News article on November 19, 2023 … the one on December
// 3, 2023?". One retrieval for the whole question finds the report that
// dominates its terms and misses the others, so the question is split into
// parts, each retrieved for separately (see multihop.go), by rules alone:
//
//   - an outlet of the corpus named in the question (longest name first,
//     case-insensitively but starting with a capital letter, so "fortune"
//     is not Fortune; a name's short form before " | ", " - " or ": "
//     counts too) anchors a part restricted to that outlet;
//   - a date named in the question ("November 19, 2023", "2023-11-19")
//     anchors a part restricted to articles published then, or before or
//     after it when the question says so; a date names the outlet most
//     recently mentioned before it;
//   - each part's text is what the question says about that report: the
//     words after the outlet's name up to the next part ("the TechCrunch
//     article on …"), or before it after "according to", "by", "per"
//     ("… as reported by TechCrunch"); with fewer than minPartWords content
//     words there, the whole question (restricted to the outlet);
//   - a question naming no outlet or date but comparing two things
//     (" while ", " whereas ", " compared to ", …) is split at the cue.

// QueryPart is one part of a decomposed question.
type QueryPart struct {
	// Text is what to retrieve for.
	Text string `json:"text"`
	// Outlets restrict the part to articles of these outlets (none: any).
	Outlets []string `json:"outlets,omitempty"`
	// From and To bound the publication date, inclusive (zero: open).
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
}

// minCueWords is the number of words each side of a comparison cue needs
// for a question without outlets or dates to be split there.
const minCueWords = 6

// comparisonCues split a question comparing two things into its sides.
var comparisonCues = []string{
	" while ", " whereas ", " compared to ", " compared with ", " in contrast to ",
	" as opposed to ", " unlike ", ", and does ", ", and did ", ", and is ", ", and was ",
}

// anchor is an outlet or date named in a question, at bytes [start, end).
type anchor struct {
	start, end int
	outlets    []string  // an outlet mention
	date       time.Time // a date mention
	rel        string    // for a date: "on", "before" or "after"
}

// Decompose splits question into the parts to retrieve for; outlets are
// the outlet names of the corpus and latest its latest publication date (a
// date named without a year is taken in the year up to latest; zero: the
// current year). It returns nil when the question names no outlet or date
// and compares nothing: it is retrieved for as a whole.
func Decompose(question string, outlets []string, latest time.Time) []QueryPart {
	anchors := outletMentions(question, outlets)
	anchors = append(anchors, dateMentions(question, latest)...)
	slices.SortFunc(anchors, func(a, b anchor) int { return cmp.Compare(a.start, b.start) })
	if len(anchors) == 0 {
		return cueParts(question)
	}
	// Group anchors: an outlet with the date right after it, or a date
	// alone (of the outlet last named).
	type group struct {
		first, last int // anchor indexes
		part        QueryPart
	}
	var groups []group
	var lastOutlets []string
	for i, a := range anchors {
		if a.outlets != nil {
			lastOutlets = a.outlets
			groups = append(groups, group{first: i, last: i, part: QueryPart{Outlets: a.outlets}})
			continue
		}
		from, to := dateWindow(a.date, a.rel)
		if n := len(groups); n > 0 && groups[n-1].last == i-1 && anchors[i-1].outlets != nil {
			groups[n-1].last = i
			groups[n-1].part.From, groups[n-1].part.To = from, to
			continue
		}
		groups = append(groups, group{first: i, last: i, part: QueryPart{Outlets: lastOutlets, From: from, To: to}})
	}
	parts := make([]QueryPart, len(groups))
	for gi, g := range groups {
		lo, hi := 0, len(question)
		if gi > 0 {
			lo = anchors[groups[gi-1].last].end
		}
		if gi+1 < len(groups) {
			hi = anchors[groups[gi+1].first].start
		}
		start := anchors[g.first].start
		text := withoutAnchors(question, anchors, start, hi) // "the TechCrunch article on …"
		if describedBefore(question[:start]) {
			text = withoutAnchors(question, anchors, lo, start) // "… according to TechCrunch"
		}
		if len(groups) == 1 || contentWords(text) < minPartWords {
			text = withoutAnchors(question, anchors, 0, len(question))
		}
		g.part.Text = text
		parts[gi] = g.part
	}
	return dedupeParts(parts)
}

// minPartWords is the number of content words (four letters or more) a
// part's own text needs; with fewer, or when the question has one part,
// the part retrieves for the whole question within its outlets and dates.
const minPartWords = 4

// describedBefore reports whether the words before an outlet's name say the
// description precedes it: "… according to", "… as reported by", "… per".
func describedBefore(before string) bool {
	f := strings.Fields(strings.ToLower(strings.TrimRight(before, ` '"‘“`)))
	if len(f) == 0 {
		return false
	}
	switch f[len(f)-1] {
	case "to", "by", "per":
		return true
	}
	return false
}

// withoutAnchors returns question[lo:hi] with the anchors inside it removed
// and spaces collapsed.
func withoutAnchors(question string, anchors []anchor, lo, hi int) string {
	var b strings.Builder
	at := lo
	for _, a := range anchors {
		if a.start < at || a.end > hi {
			continue
		}
		b.WriteString(question[at:a.start])
		b.WriteString(" ")
		at = a.end
	}
	b.WriteString(question[at:hi])
	return strings.Join(strings.Fields(b.String()), " ")
}

// contentWords counts the words of s with at least four letters.
func contentWords(s string) int {
	n := 0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) >= 4 {
			n++
		}
	}
	return n
}

// dedupeParts drops parts identical to an earlier one.
func dedupeParts(parts []QueryPart) []QueryPart {
	var out []QueryPart
	for _, p := range parts {
		if !slices.ContainsFunc(out, func(o QueryPart) bool {
			return o.Text == p.Text && slices.Equal(o.Outlets, p.Outlets) && o.From.Equal(p.From) && o.To.Equal(p.To)
		}) {
			out = append(out, p)
		}
	}
	return out
}

// cueParts splits a question at its first comparison cue when both sides
// have at least minCueWords words.
func cueParts(question string) []QueryPart {
	lower := strings.ToLower(question)
	for _, cue := range comparisonCues {
		i := strings.Index(lower, cue)
		if i < 0 {
			continue
		}
		left, right := question[:i], question[i+len(cue):]
		if len(strings.Fields(left)) >= minCueWords && len(strings.Fields(right)) >= minCueWords {
			return []QueryPart{{Text: strings.TrimSpace(left)}, {Text: strings.TrimSpace(right)}}
		}
	}
	return nil
}

// outletMentions finds the outlets named in question. A short form (the
// name before " | ", " - " or ": ") names every outlet that shares it.
func outletMentions(question string, outlets []string) []anchor {
	names := map[string][]string{} // lower-case name → outlets
	for _, o := range outlets {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		key := asciiLower(o)
		if !slices.Contains(names[key], o) {
			names[key] = append(names[key], o)
		}
		if short := shortOutlet(o); short != "" {
			k := asciiLower(short)
			if !slices.Contains(names[k], o) {
				names[k] = append(names[k], o)
			}
		}
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	// Longest first, so "the independent - sports" wins over "the independent".
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	lower := asciiLower(question) // byte offsets stay those of question
	taken := make([]bool, len(question))
	var out []anchor
	for _, k := range keys {
		for from := 0; ; {
			i := strings.Index(lower[from:], k)
			if i < 0 {
				break
			}
			s, e := from+i, from+i+len(k)
			from = s + 1
			if !wordBoundary(question, s, e) || slices.Contains(taken[s:e], true) {
				continue
			}
			if r, _ := utf8.DecodeRuneInString(question[s:]); !unicode.IsUpper(r) && !unicode.IsDigit(r) {
				continue
			}
			for j := s; j < e; j++ {
				taken[j] = true
			}
			if s > 0 && e < len(question) && strings.ContainsRune(`'"`, rune(question[s-1])) && question[e] == question[s-1] {
				s, e = s-1, e+1 // 'The Age'
			}
			out = append(out, anchor{start: s, end: e, outlets: names[k]})
		}
	}
	return out
}

// shortOutlet is the part of an outlet's name before a tagline or section
// (" | ", " - ", ": "), when it is at least four characters long.
func shortOutlet(o string) string {
	for _, sep := range []string{" | ", " - ", ": "} {
		if i := strings.Index(o, sep); i >= 4 {
			return strings.TrimSpace(o[:i])
		}
	}
	return ""
}

// asciiLower lower-cases ASCII letters only, keeping byte offsets.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// wordBoundary reports whether s[start:end] is not inside a longer word.
func wordBoundary(s string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:start])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

var (
	// "November 19, 2023", "Nov. 19 2023", "19 November 2023", "2023-11-19",
	// with the cue before it.
	partDateRE = regexp.MustCompile(`(?i)(?:\b(on or before|on or after|before|after|prior to|since|by|until)\s+(?:the\s+)?)?` +
		`(?:\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?` +
		`|\b(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b(?:,?\s+(\d{4})\b)?` +
		`|\b(\d{4})-(\d{2})-(\d{2})\b)`)
	monthNums = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
)

// dateMentions finds the dates named in question, with whether the
// question means on, before or after them.
func dateMentions(question string, latest time.Time) []anchor {
	if latest.IsZero() {
		latest = time.Now()
	}
	var out []anchor
	for _, m := range partDateRE.FindAllStringSubmatchIndex(question, -1) {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return question[m[2*i]:m[2*i+1]]
		}
		var y, d int
		var mon time.Month
		switch {
		case g(2) != "":
			mon, d, y = monthNums[strings.ToLower(g(2))], atoi(g(3)), atoi(g(4))
		case g(6) != "":
			mon, d, y = monthNums[strings.ToLower(g(6))], atoi(g(5)), atoi(g(7))
		default:
			y, mon, d = atoi(g(8)), time.Month(atoi(g(9))), atoi(g(10))
		}
		if mon < 1 || mon > 12 || d < 1 || d > 31 {
			continue
		}
		if y == 0 { // "October 12th": the last such day up to latest
			y = latest.Year()
			if time.Date(y, mon, d, 0, 0, 0, 0, time.UTC).After(latest) {
				y--
			}
		}
		date := time.Date(y, mon, d, 0, 0, 0, 0, time.UTC)
		rel := "on"
		switch strings.ToLower(g(1)) {
		case "before", "prior to", "by", "until", "on or before":
			rel = "before"
		case "after", "since", "on or after":
			rel = "after"
		}
		out = append(out, anchor{start: m[0], end: m[1], date: date, rel: rel})
	}
	return out
}

// dateWindow is the publication window a date means: a day either side of
// it (time zones differ between an outlet and the question), or up to or
// from it.
func dateWindow(d time.Time, rel string) (from, to time.Time) {
	day := 24 * time.Hour
	switch rel {
	case "before":
		return time.Time{}, d.Add(day)
	case "after":
		return d.Add(-day), time.Time{}
	}
	return d.Add(-day), d.Add(day)
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}
