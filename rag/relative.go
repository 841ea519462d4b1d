package rag

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// agoRE matches a time a dated sentence gives relative to its article's
// date: "seven days ago", "two weeks ago", "yesterday".
var agoRE = regexp.MustCompile(`(?i)\b(` + numberRE + `)\s+(days?|weeks?)\s+ago\b|\byesterday\b`)

// datedPhrases resolves the relative times of text ("seven days ago") against
// published, the date of its article, into notes for a reader: `"seven
// days ago": 15 August 2021`; weeks are approximate ("about"). It returns
// nil for an undated article.
func datedPhrases(text string, published time.Time) []string {
	if published.IsZero() {
		return nil
	}
	var out []string
	for _, m := range agoRE.FindAllStringSubmatch(text, -1) {
		var d time.Time
		about := ""
		switch {
		case strings.EqualFold(m[0], "yesterday"):
			d = published.AddDate(0, 0, -1)
		default:
			n := parseNumber(strings.ToLower(m[1]))
			if n <= 0 {
				continue
			}
			if strings.HasPrefix(strings.ToLower(m[2]), "week") {
				d, about = published.AddDate(0, 0, -7*n), "about "
			} else {
				d = published.AddDate(0, 0, -n)
			}
		}
		note := `"` + m[0] + `": ` + about + d.Format("2 January 2006")
		if !slices.Contains(out, note) {
			out = append(out, note)
		}
	}
	return out
}
