package rag

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/newsrag/newsrag/corpus"
)

// TestNameLexicon: a typed name with one letter missing, or two
// neighbouring letters swapped, is corrected to the corpus's only name that
// close; a substitution, a first-letter slip, an ambiguous slip and a word
// the corpus writes in lower case are not.
func TestNameLexicon(t *testing.T) {
	l := newNameLexicon([]corpus.Article{
		{Text: "Bismarck met Disraeli. Later Bismarck's policy changed; Disraeli's did not."},
		{Text: "The Maastricht treaty was signed at Maastricht. Sir Keir Starmer spoke. Starmer left."},
		{Text: "Carter and Carver spoke. Carter left, Carver stayed. The Céloron expedition: Céloron returned."},
		{Text: "Markets fell. The markets of Europe. Markets, markets and markets."},
		{Text: "Brigadier Shchygol said so. Shchygol added more. Malone arrived. Malone left."},
	})
	for _, c := range []struct {
		typed, want string
		ok          bool
	}{
		{"bismark", "Bismarck", true},     // a letter missing
		{"maastrich", "Maastricht", true}, // at the end
		{"starmre", "Starmer", true},      // two letters swapped
		{"shchygl", "Shchygol", true},
		{"celron", "Céloron", true}, // the written form, diacritics and all
		{"melone", "", false},       // one letter other than the corpus's: another person
		{"ismarck", "", false},      // the first letter is never the slip
		{"carer", "", false},        // Carter or Carver: which is not known
		{"marets", "", false},       // the corpus writes "markets" in lower case more often
		{"bismarck", "", false},     // no slip at all (the caller only asks about unknown names)
	} {
		got, ok := l.correct(c.typed)
		if got != c.want || ok != c.ok {
			t.Errorf("correct(%q) = %q, %v; want %q, %v", c.typed, got, ok, c.want, c.ok)
		}
	}
}

// TestAskCorrectsName: on the default corpus, a question naming the
// brigadier with a letter missing is answered about him, and the answer
// says which spelling was searched for; a question's first word is not
// taken for a name.
func TestAskCorrectsName(t *testing.T) {
	e := defaultCorpusEngine(t, nil)
	ans, err := e.Ask(context.Background(), Request{Question: "What did Brigadier Shchygl say about the drone strikes?"}, Stream{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ans.Corrections, []Correction{{From: "Shchygl", To: "Shchygol"}}) {
		t.Errorf("corrections %v", ans.Corrections)
	}
	if !ans.Answerable || !strings.Contains(ans.Answer, "Shchygol") {
		t.Errorf("answer %v %q", ans.Answerable, ans.Answer)
	}
	// A search corrects the query the same way, and says so.
	found, err := e.Search(context.Background(), Request{Question: "drone strikes by Shchygl"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(found.Corrections, []Correction{{From: "Shchygl", To: "Shchygol"}}) || len(found.Passages) == 0 ||
		!strings.Contains(found.Passages[0].Text, "Shchygol") {
		t.Errorf("search: corrections %v, %d passages", found.Corrections, len(found.Passages))
	}
	st, err := e.current()
	if err != nil {
		t.Fatal(err)
	}
	if q, fixes := e.spellCorrected(context.Background(), st, "Starmre said what?"); fixes != nil || q != "Starmre said what?" {
		t.Errorf("the first word was corrected: %q %v", q, fixes)
	}
}
