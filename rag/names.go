package rag

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsrag/newsrag/corpus"
)

// Names. A name typed with a letter missing or two letters swapped
// ("Bismark", "Maastrich", "Shelly", "Starmre") is a term the corpus never
// uses, so nothing about it is found. When the corpus names one thing that
// differs from the typed word by exactly that one slip (a letter inserted,
// or two neighbouring letters swapped; never the first letter), the
// question is searched with the corpus's spelling, and the answer says so.
// Other slips are not corrected: a name one letter away by substitution is
// as often another person ("Malone" for "Melone", "Keaton" for "Beaton").

// minNameLen is the shortest typed name (in bytes, folded) corrected.
const minNameLen = 5

// nameLexicon holds a corpus's proper names: the words written with a
// capital at least twice, and at least half the times they occur.
type nameLexicon struct {
	forms map[string]string // folded lower-case word → its commonest written form
	byLen map[int][]string  // folded lower-case words by length in bytes
}

// newNameLexicon collects the proper names of arts.
func newNameLexicon(arts []corpus.Article) *nameLexicon {
	type count struct {
		caps, all int
		forms     map[string]int
	}
	counts := map[string]*count{}
	for _, a := range arts {
		forEachWord(a.Text, func(w string, _, _ int) {
			k := normalizeWord(w)
			if len(k) < minNameLen {
				return
			}
			c := counts[k]
			if c == nil {
				c = &count{forms: map[string]int{}}
				counts[k] = c
			}
			c.all++
			if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
				c.caps++
				c.forms[possessed(w)]++
			}
		})
	}
	l := &nameLexicon{forms: map[string]string{}, byLen: map[int][]string{}}
	for k, c := range counts {
		if c.caps < 2 || 2*c.caps < c.all {
			continue
		}
		best, n := "", 0
		for f, m := range c.forms {
			if m > n || m == n && f < best {
				best, n = f, m
			}
		}
		l.forms[k] = best
		l.byLen[len(k)] = append(l.byLen[len(k)], k)
	}
	return l
}

// correct returns the corpus's spelling of typed name w (lower-cased and
// folded) when exactly one name differs from it by a missing letter or
// two swapped neighbouring letters, neither at the start.
func (l *nameLexicon) correct(w string) (string, bool) {
	found := ""
	for _, k := range l.byLen[len(w)+1] {
		if k[0] == w[0] && missingOne(w, k) {
			if found != "" && found != k {
				return "", false
			}
			found = k
		}
	}
	for _, k := range l.byLen[len(w)] {
		if k[0] == w[0] && swappedTwo(w, k) {
			if found != "" && found != k {
				return "", false
			}
			found = k
		}
	}
	if found == "" {
		return "", false
	}
	return l.forms[found], true
}

// missingOne reports whether w is k with one byte left out.
func missingOne(w, k string) bool {
	i := 0
	for i < len(w) && w[i] == k[i] {
		i++
	}
	return w[i:] == k[i+1:]
}

// swappedTwo reports whether w is k with two neighbouring bytes swapped.
func swappedTwo(w, k string) bool {
	i := 0
	for i < len(w) && w[i] == k[i] {
		i++
	}
	return i+1 < len(w) && w[i] == k[i+1] && w[i+1] == k[i] && w[i+2:] == k[i+2:]
}

// possessed returns w without a possessive "'s".
func possessed(w string) string {
	return strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
