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
func CheckCitations(text string, n int) (clean string, cited, invalid []int) {
	// Removing a marker can join the text around it into a new one
	// ("[0[0]]" becomes "[0]"), so repeat until no invalid marker is left;
	// each pass shortens the text.
	for {
		var inv []int
		text, cited, inv = checkOnce(text, n)
		if len(inv) == 0 {
			return text, cited, invalid
		}
		for _, v := range inv {
			if !slices.Contains(invalid, v) {
				invalid = append(invalid, v)
			}
		}
	}
}

// checkOnce is one pass of CheckCitations.
func checkOnce(text string, n int) (clean string, cited, invalid []int) {
	var b strings.Builder
	last := 0
	for _, m := range markerRE.FindAllStringIndex(text, -1) {
		var keep []string
		bad := false
		for _, f := range strings.Split(strings.Trim(text[m[0]:m[1]], "[] "), ",") {
			v, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || v < 1 || v > n {
				if !slices.Contains(invalid, v) {
					invalid = append(invalid, v)
				}
				bad = true
				continue
			}
			if !slices.Contains(cited, v) {
				cited = append(cited, v)
			}
			keep = append(keep, strconv.Itoa(v))
		}
		before := text[last:m[0]]
		if len(keep) == 0 {
			before = strings.TrimRight(before, " ")
		}
		b.WriteString(before)
		switch {
		case !bad:
			b.WriteString(text[m[0]:m[1]])
		case len(keep) > 0:
			b.WriteString("[" + strings.Join(keep, ", ") + "]")
		}
		last = m[1]
	}
	b.WriteString(text[last:])
	return b.String(), cited, invalid
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
