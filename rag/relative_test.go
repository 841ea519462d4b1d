package rag

import (
	"slices"
	"testing"
	"time"
)

func TestDatedPhrases(t *testing.T) {
	pub := time.Date(2021, 8, 22, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		text      string
		published time.Time
		want      []string
	}{
		{"The march into Kabul seven days ago was planned.", pub, []string{`"seven days ago": 15 August 2021`}},
		{"After yesterday's summit, and 3 days ago, talks resumed.", pub, []string{`"yesterday": 21 August 2021`, `"3 days ago": 19 August 2021`}},
		{"Two weeks ago the army left.", pub, []string{`"Two weeks ago": about 8 August 2021`}},
		{"The march into Kabul seven days ago was planned.", time.Time{}, nil},
		{"Four days after the spat, he spoke.", pub, nil},
	} {
		if got := datedPhrases(c.text, c.published); !slices.Equal(got, c.want) {
			t.Errorf("datedPhrases(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
