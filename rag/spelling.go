package rag

import (
	"context"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/golangci/misspell"
)

// Spelling. People type questions fast: "What does the protocol
// gaurentee?", "the Italian goverment". A misspelt word is a term no
// article holds, so it adds nothing to the lexical search and counts
// against the question in the answerability gate, which then declines
// questions the corpus answers. Before retrieval each word of the question
// found in misspell's list of common English misspellings (about 14,000,
// collected for correcting source code comments and documents) is replaced
// by its correction, but only when the corpus does not use the word as
// written and does use the correction: a corpus about the Stichting
// Ziekenfonds keeps "Stichting", which the list would make "Stitching".
// The list is not fuzzy matching: a word one letter from a corpus word is
// often another word ("royalty", "loyalty"). Names, which no list holds,
// are corrected against the corpus's own, for two kinds of slip only (see
// names.go).

// Correction is a word of the question that was corrected before
// retrieval.
type Correction struct {
	From string `json:"from"` // the word as typed
	To   string `json:"to"`   // the word searched for
}

// misspellings maps a lower-case misspelt word to its correction.
var misspellings = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, len(misspell.DictMain)/2)
	for i := 0; i+1 < len(misspell.DictMain); i += 2 {
		m[misspell.DictMain[i]] = misspell.DictMain[i+1]
	}
	return m
})

// spellCorrected returns question with its misspelt words and names
// corrected, and the corrections; question itself, and nil, when there are
// none. s's term statistics decide which corrections are made (see above);
// a store that fails to give them leaves the question as it is. Names are
// corrected on the embedded index only (a remote store's articles are not
// at hand).
func (e *Engine) spellCorrected(ctx context.Context, s Store, question string) (string, []Correction) {
	var names *nameLexicon
	if ix, ok := s.(*Index); ok && ix.properNames != nil {
		names = ix.properNames()
	}
	type word struct {
		start, end int
		to         string
		name       bool // a name's correction (from the corpus, so known)
	}
	var found []word
	var terms []string
	first := true
	forEachWord(question, func(w string, start, end int) {
		defer func() { first = false }()
		base := possessed(w)
		if to, ok := misspellings()[strings.ToLower(base)]; ok {
			to = matchCase(base, to)
			found = append(found, word{start, start + len(base), to, false})
			terms = e.analyzer.Terms(e.analyzer.Terms(terms, base), to)
			return
		}
		// A name, not the question's first word (capitalised anyway).
		if r, _ := utf8.DecodeRuneInString(w); names == nil || first || !unicode.IsUpper(r) {
			return
		}
		if k := normalizeWord(w); len(k) >= minNameLen && isASCII(k) {
			if to, ok := names.correct(k); ok {
				found = append(found, word{start, start + len(possessed(w)), to, true})
				terms = e.analyzer.Terms(terms, w)
			}
		}
	})
	if len(found) == 0 {
		return question, nil
	}
	sr, err := s.Search(ctx, SearchQuery{Terms: terms, Limit: 1})
	if err != nil || sr.Terms == nil {
		return question, nil
	}
	known := func(text string) bool { // every term of text is in the corpus
		ts := e.analyzer.Terms(nil, text)
		for _, t := range ts {
			if _, _, ok := sr.Terms.Term(t); !ok {
				return false
			}
		}
		return len(ts) > 0
	}
	var b strings.Builder
	var fixes []Correction
	last := 0
	for _, w := range found {
		from := question[w.start:w.end]
		if known(from) || !w.name && !known(w.to) {
			continue
		}
		b.WriteString(question[last:w.start])
		b.WriteString(w.to)
		last = w.end
		fixes = append(fixes, Correction{From: from, To: w.to})
	}
	if fixes == nil {
		return question, nil
	}
	b.WriteString(question[last:])
	return b.String(), fixes
}

// matchCase returns to in the case of w: "Goverment" → "Government",
// "GOVERMENT" → "GOVERNMENT".
func matchCase(w, to string) string {
	switch r, _ := utf8.DecodeRuneInString(w); {
	case len(w) > 1 && strings.ToUpper(w) == w:
		return strings.ToUpper(to)
	case unicode.IsUpper(r):
		first, size := utf8.DecodeRuneInString(to)
		return string(unicode.ToUpper(first)) + to[size:]
	}
	return to
}
