package rag

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Diacritics. News writes names as their languages do ("Erdoğan",
// "Orbán", "Kraków", "Schrödinger") and its readers type them without the
// marks, or the other way round, so the analyzer folds a Latin letter's
// diacritics: the letter's canonical decomposition without its combining
// marks, and for the letters that do not decompose, the ASCII letters
// they are usually written with ("ł" as "l", "ß" as "ss"). Other scripts
// are left as they are: in Cyrillic "й" is another letter than "и".

// latinLetters are the Latin letters without a decomposition, as ASCII.
var latinLetters = map[rune]string{
	'ł': "l", 'ø': "o", 'đ': "d", 'ð': "d", 'ħ': "h", 'ı': "i", 'ŀ': "l", 'ŧ': "t",
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ĸ': "k", 'ŋ': "n",
}

// foldLatin returns lower-case word w with its Latin letters' diacritics
// folded; w itself when it has none.
func foldLatin(w string) string {
	if isASCII(w) {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		switch {
		case r < utf8.RuneSelf || !unicode.Is(unicode.Latin, r):
			b.WriteRune(r)
		case latinLetters[r] != "":
			b.WriteString(latinLetters[r])
		default:
			d := norm.NFD.String(string(r))
			base, size := utf8.DecodeRuneInString(d)
			if strings.IndexFunc(d[size:], func(m rune) bool { return !unicode.Is(unicode.Mn, m) }) >= 0 {
				base = r // not a letter and its marks
			}
			b.WriteRune(base)
		}
	}
	return b.String()
}
