package rag

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// analyzerVersion names the analysis below; it changes whenever the terms
// produced for a text change, so caches of analysed text are invalidated.
// (en-4 named a trial that was not kept.)
const analyzerVersion = "en-6"

// Analyzer turns English text into index terms: Unicode word segmentation,
// lower-casing, Latin diacritics folded ("Schrödinger" meets
// "Schrodinger"), possessive stripping, an acronym's plural to the acronym
// ("NGOs" to "ngo"), stop-word removal, irregular verbs' past forms to the
// verb ("said" to "say"), news names' other spellings to one ("Kiev" to
// "Kyiv") and Snowball (Porter2) stemming. It is safe for concurrent use
// and caches stems.
type Analyzer struct {
	mu    sync.RWMutex
	stems map[string]string
}

// NewAnalyzer returns an English analyzer.
func NewAnalyzer() *Analyzer {
	return &Analyzer{stems: make(map[string]string, 1<<14)}
}

// maxStemCache bounds the stem cache; past it, stems are computed each time.
const maxStemCache = 1 << 20

// Terms appends the index terms of text to dst and returns it.
func (a *Analyzer) Terms(dst []string, text string) []string {
	forEachWord(text, func(w string, _, _ int) {
		if t, ok := a.term(w); ok {
			dst = append(dst, t)
		}
	})
	return dst
}

// term analyses one word; ok is false for stop words.
func (a *Analyzer) term(w string) (string, bool) {
	w = normalizeWord(strings.TrimSuffix(w, acronymPlural(w)))
	if w == "" || english.IsStopWord(w) {
		return "", false
	}
	a.mu.RLock()
	s, ok := a.stems[w]
	a.mu.RUnlock()
	if ok {
		return s, true
	}
	s = w
	if v, ok := irregular[w]; ok {
		s = v
	} else if v, ok := spellings[w]; ok {
		s = v
	}
	s = english.Stem(s, true)
	a.mu.Lock()
	if len(a.stems) < maxStemCache {
		a.stems[strings.Clone(w)] = s
	}
	a.mu.Unlock()
	return s, true
}

// acronymPlural returns "s" when w is the plural of an acronym, capitals
// (and digits) then a lower-case s ("NGOs", "MPs", "F16s"), else "".
// Lower-cased, Porter2 cannot tell such a plural from a word: it keeps the
// s of "mps" and "ngos", so that "MP" and "MPs" would not meet.
func acronymPlural(w string) string {
	if len(w) < 3 || w[len(w)-1] != 's' {
		return ""
	}
	caps := 0
	for i := 0; i < len(w)-1; i++ {
		switch c := w[i]; {
		case c >= 'A' && c <= 'Z':
			caps++
		case c >= '0' && c <= '9':
		default:
			return ""
		}
	}
	if caps < 2 && !(caps == 1 && w[0] >= 'A' && w[0] <= 'Z' && len(w) > 3) {
		return ""
	}
	return "s"
}

// normalizeWord lower-cases w, folds Latin letters' diacritics
// ("Erdoğan" to "erdogan", see foldLatin) and typographic apostrophes, and
// strips a possessive "'s" or trailing apostrophe.
func normalizeWord(w string) string {
	w = foldLatin(strings.ToLower(w))
	if strings.ContainsRune(w, '’') {
		w = strings.ReplaceAll(w, "’", "'")
	}
	w = strings.TrimSuffix(w, "'s")
	return strings.Trim(w, "'")
}

// forEachWord calls fn for every word of text with its byte offsets. A word
// is a run of letters and digits, with inner apostrophes ("don't",
// "Ukraine's") and inner periods between digits ("3.5") kept.
func forEachWord(text string, fn func(w string, start, end int)) {
	start := -1
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && (r == '\'' || r == '’' || r == '.' || r == ',') {
			// Keep the joiner if a word rune follows (and, for '.' and ',',
			// digits on both sides).
			size := utf8.RuneLen(r)
			next, _ := utf8.DecodeRuneInString(text[i+size:])
			prev, _ := utf8.DecodeLastRuneInString(text[:i])
			if r == '.' || r == ',' {
				if unicode.IsDigit(prev) && unicode.IsDigit(next) {
					continue
				}
			} else if isWordRune(next) {
				continue
			}
		}
		if start >= 0 {
			fn(text[start:i], start, i)
			start = -1
		}
	}
	if start >= 0 {
		fn(text[start:], start, len(text))
	}
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// CountWords counts the words of text as the analyzer splits them.
func CountWords(text string) int {
	n := 0
	forEachWord(text, func(string, int, int) { n++ })
	return n
}
