package rag

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// CitationPattern is the regular expression of a citation marker: "[3]",
// "[1, 4]", "[2,5,6]", "[ 2 ]". The chat page uses the same pattern.
const CitationPattern = `\[\s*\d{1,4}(?:\s*,\s*\d{1,4})*\s*\]`

var markerRE = regexp.MustCompile(CitationPattern)

// CheckCitations validates the [n] markers in text against passages
// numbered 1..n. It returns text with invalid numbers removed (a marker
// left empty disappears, with the space before it), the valid numbers cited
// in order of first appearance, and the invalid numbers, each once. Markers
// that are wholly valid are left as written.
//
// Removing a marker can join the text around it into a new one ("[0[0]]"
// becomes "[0]"), which is checked in turn. The text is read once, with
// each marker checked when its "]" is written to the result, so the cost
// stays linear in the text however deeply markers nest.
func CheckCitations(text string, n int) (clean string, cited, invalid []int) {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		out = append(out, text[i])
		if text[i] != ']' {
			continue
		}
		// The marker this "]" may close starts at the nearest "[" before
		// it with only digits, commas and spaces between.
		j := len(out) - 2
		for j >= 0 && markerByte(out[j]) {
			j--
		}
		if j < 0 || out[j] != '[' || !markerExactRE.Match(out[j:]) {
			continue
		}
		keep, bad := markerNumbers(string(out[j:]), n, &invalid)
		if !bad {
			continue
		}
		out = out[:j]
		if len(keep) == 0 {
			for len(out) > 0 && out[len(out)-1] == ' ' {
				out = out[:len(out)-1]
			}
			continue
		}
		out = append(out, '[')
		for k, v := range keep {
			if k > 0 {
				out = append(out, ", "...)
			}
			out = strconv.AppendInt(out, int64(v), 10)
		}
		out = append(out, ']')
	}
	clean = string(out)
	for _, m := range markerRE.FindAllString(clean, -1) {
		keep, _ := markerNumbers(m, n, nil)
		for _, v := range keep {
			if !slices.Contains(cited, v) {
				cited = append(cited, v)
			}
		}
	}
	return clean, cited, invalid
}

// markerExactRE is CitationPattern, anchored.
var markerExactRE = regexp.MustCompile(`^` + CitationPattern + `$`)

// markerByte reports whether b can occur between a marker's brackets.
func markerByte(b byte) bool {
	return b >= '0' && b <= '9' || b == ',' || b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r'
}

// markerNumbers returns the valid numbers (1..n) of a marker, in order, and
// whether it holds an invalid one; each invalid number is added to
// *invalid once (invalid: nil to skip).
func markerNumbers(marker string, n int, invalid *[]int) (keep []int, bad bool) {
	for _, f := range strings.Split(strings.Trim(marker, "[] "), ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 || v > n {
			if invalid != nil && !slices.Contains(*invalid, v) {
				*invalid = append(*invalid, v)
			}
			bad = true
			continue
		}
		keep = append(keep, v)
	}
	return keep, bad
}

// citationsFor builds the citation list for the cited passage numbers.
func citationsFor(cited []int, passages []Passage) []Citation {
	out := make([]Citation, 0, len(cited))
	for _, n := range cited {
		p := passages[n-1]
		out = append(out, Citation{
			N:         n,
			ArticleID: p.ArticleID,
			Title:     p.Title,
			Outlet:    p.Outlet,
			Published: p.Published,
			URL:       p.URL,
			Quote:     p.Text,
			Start:     p.Start,
			End:       p.End,

			AlsoPublished: p.AlsoPublished,
		})
	}
	slices.SortFunc(out, func(a, b Citation) int { return a.N - b.N })
	return out
}

// Source is a cited article, listed once, with the markers that cite it.
type Source struct {
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
	Outlet    string `json:"outlet,omitempty"`
	Published string `json:"published,omitempty"` // YYYY-MM-DD
	URL       string `json:"url,omitempty"`
	Markers   []int  `json:"markers"`
}

// Sources groups citations by article, each article once, in order of its
// first marker.
func Sources(cs []Citation) []Source {
	var out []Source
	idx := map[string]int{}
	for _, c := range cs {
		i, ok := idx[c.ArticleID]
		if !ok {
			i = len(out)
			idx[c.ArticleID] = i
			s := Source{ArticleID: c.ArticleID, Title: c.Title, Outlet: c.Outlet, URL: c.URL}
			if !c.Published.IsZero() {
				s.Published = c.Published.Format("2006-01-02")
			}
			out = append(out, s)
		}
		out[i].Markers = append(out[i].Markers, c.N)
	}
	return out
}
