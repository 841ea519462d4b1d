package rag

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDecompose(t *testing.T) {
	outlets := []string{"The Verge", "TechCrunch", "Sporting News", "Fortune",
		"The Independent - Life and Style", "The Independent - Sports", "Cnbc | World Business News Leader"}
	day := func(m time.Month, d int) time.Time { return time.Date(2023, m, d, 0, 0, 0, 0, time.UTC) }
	type want struct {
		outlets  []string
		contains string
		from, to time.Time
	}
	for _, tc := range []struct {
		name, q string
		want    []want
	}{
		{"two outlets", "Does the article from The Verge claim the phone is slow, while the TechCrunch article reports it is fast?",
			[]want{{outlets: []string{"The Verge"}, contains: "phone is slow"}, {outlets: []string{"TechCrunch"}, contains: "it is fast"}}},
		{"same outlet twice", "Does the TechCrunch article on GPT-4 suggest toxic output, while the TechCrunch article on Meta's open source AI warns of danger?",
			[]want{{outlets: []string{"TechCrunch"}, contains: "GPT-4"}, {outlets: []string{"TechCrunch"}, contains: "Meta's open source"}}},
		{"longest name, quoted", "Did 'The Independent - Sports' and CNBC | World Business News Leader both cover it?",
			[]want{{outlets: []string{"The Independent - Sports"}}, {outlets: []string{"Cnbc | World Business News Leader"}}}},
		{"short form names every section", "What did The Independent say about the match?",
			[]want{{outlets: []string{"The Independent - Life and Style", "The Independent - Sports"}, contains: "about the match"}}},
		{"lower-case word is not an outlet", "Was the fortune of the team reversed, while the coach was sacked after a long run?",
			[]want{{contains: "fortune of the team reversed"}, {contains: "coach was sacked"}}},
		{"dates name the outlet before them", "Did Sporting News report on Samaje Perine on November 19, 2023, and on A.J. Dillon on December 3, 2023?",
			[]want{{outlets: []string{"Sporting News"}, contains: "Samaje Perine", from: day(11, 18), to: day(11, 20)},
				{outlets: []string{"Sporting News"}, contains: "A.J. Dillon", from: day(12, 2), to: day(12, 4)}}},
		{"before", "Was The Verge report published before September 26, 2023 about Apple?",
			[]want{{outlets: []string{"The Verge"}, contains: "about Apple", to: day(9, 27)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Decompose(tc.q, outlets, day(12, 25))
			if len(got) != len(tc.want) {
				t.Fatalf("%d parts %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				p := got[i]
				o := slices.Clone(p.Outlets)
				slices.Sort(o)
				if !slices.Equal(o, w.outlets) {
					t.Errorf("part %d outlets %q, want %q", i, p.Outlets, w.outlets)
				}
				if !containsFold(p.Text, w.contains) {
					t.Errorf("part %d text %q lacks %q", i, p.Text, w.contains)
				}
				if !p.From.Equal(w.from) || !p.To.Equal(w.to) {
					t.Errorf("part %d window %v..%v, want %v..%v", i, p.From, p.To, w.from, w.to)
				}
			}
		})
	}
}

func TestDecomposeLeavesPlainQuestionsWhole(t *testing.T) {
	for _, q := range []string{
		"What do Ukraine's long-range drones target inside Russia?",
		"Which NFL team won while the other lost?", // cue, but too short either side
	} {
		if got := Decompose(q, []string{"Sky News", "Global Affairs"}, time.Time{}); got != nil {
			t.Errorf("Decompose(%q) = %+v, want nil", q, got)
		}
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
