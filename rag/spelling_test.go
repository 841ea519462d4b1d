package rag

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

// TestSpellCorrected: a word on misspell's list is corrected when the
// corpus uses the correction and not the word as written, in the word's
// case; a word the corpus uses is left as it is even though the list has it
// ("Stichting"), and so is one whose correction the corpus never uses.
func TestSpellCorrected(t *testing.T) {
	e := newTestEngine(t, Config{})
	arts := append(testfake.Articles(), corpus.Article{ID: "court", Title: "A health fund in court", Outlet: "Law Weekly",
		Published: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		Text:      "The Stichting Ziekenfonds refused to pay for treatment abroad. The court ruled against it."})
	arts[len(arts)-1].Hash = testfake.Hash(arts[len(arts)-1])
	if _, err := e.Ingest(context.Background(), arts, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := e.current()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q, want string
		fixes   []Correction
	}{
		{"What do the drones do to amunition depots?", "What do the drones do to ammunition depots?",
			[]Correction{{"amunition", "ammunition"}}},
		{"Who gathered at the Aiport?", "Who gathered at the Airport?", []Correction{{"Aiport", "Airport"}}},
		{"WHY DID MOSCOW CALL IT TERORRISM?", "WHY DID MOSCOW CALL IT TERRORISM?", []Correction{{"TERORRISM", "TERRORISM"}}},
		{"Amunition and terrorsim?", "Ammunition and terrorism?", []Correction{{"Amunition", "Ammunition"}, {"terrorsim", "terrorism"}}},
		{"What was the aiport's role?", "What was the airport's role?", []Correction{{"aiport", "airport"}}},
		{"What did the Stichting refuse?", "What did the Stichting refuse?", nil},     // the corpus's word
		{"How long was the seige of Kabul?", "How long was the seige of Kabul?", nil}, // "siege" is not in the corpus
		{"What do the drones target?", "What do the drones target?", nil},
	} {
		got, fixes := e.spellCorrected(context.Background(), st, c.q)
		if got != c.want || !slices.Equal(fixes, c.fixes) {
			t.Errorf("%q: got %q %v, want %q %v", c.q, got, fixes, c.want, c.fixes)
		}
	}
	// Ask answers from the corrected question and says what it corrected.
	ans, err := e.Ask(context.Background(), Request{Question: "What do the drones do to amunition depots?"}, Stream{})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Question != "What do the drones do to amunition depots?" || !slices.Equal(ans.Corrections, []Correction{{"amunition", "ammunition"}}) {
		t.Errorf("question %q, corrections %v", ans.Question, ans.Corrections)
	}
	if !ans.Answerable || !strings.Contains(ans.Answer, "ammunition depots") {
		t.Errorf("answer %q", ans.Answer)
	}
}

// TestMatchCase: a correction takes the case of the word it replaces.
func TestMatchCase(t *testing.T) {
	for _, c := range []struct{ w, to, want string }{
		{"goverment", "government", "government"},
		{"Goverment", "government", "Government"},
		{"GOVERMENT", "government", "GOVERNMENT"},
		{"Éxample", "example", "Example"},
	} {
		if got := matchCase(c.w, c.to); got != c.want {
			t.Errorf("matchCase(%q, %q) = %q, want %q", c.w, c.to, got, c.want)
		}
	}
}
