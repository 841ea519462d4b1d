package rag

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a byte range [Start, End) of a text.
type span struct{ Start, End int }

// sentences splits text into sentences and returns their byte spans, with
// surrounding whitespace excluded. Paragraph breaks (blank lines) and line
// breaks end a sentence, except a line break inside a sentence of
// hard-wrapped text (see wrappedParagraph and softWrap); within a line a
// sentence ends at '.', '!' or '?' (plus closing quotes and brackets, and
// footnote markers such as "[1]" or "[citation needed]") followed by a
// space and an upper-case letter, digit or opening quote, unless the word
// before the period is a known abbreviation or a single initial.
func sentences(text string) []span {
	return sentencesUntil(text, nil)
}

// sentencesUntil is sentences, stopping early (with the sentences found so
// far) once stop, asked every 64 KiB of text, returns true; nil never
// stops.
func sentencesUntil(text string, stop func() bool) []span {
	var out []span
	nextCheck := 64 << 10
	start := -1
	var para wrappedParagraph
	emit := func(end int) {
		if start < 0 {
			return
		}
		s := strings.TrimRightFunc(text[start:end], unicode.IsSpace)
		if s != "" {
			out = append(out, span{start, start + len(s)})
		}
		start = -1
	}
	for i := 0; i < len(text); {
		if stop != nil && i >= nextCheck {
			if stop() {
				return out
			}
			nextCheck = i + 64<<10
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			if start < 0 || !(para.at(text, i) || softWrap(text, start, i)) {
				emit(i)
			}
		case start < 0:
			if !unicode.IsSpace(r) {
				start = i
			}
		case r == '.' || r == '!' || r == '?' || r == '…':
			j := i + size
			for j < len(text) {
				c, n := utf8.DecodeRuneInString(text[j:])
				if c == '[' {
					if k := footnoteEnd(text, j); k > j {
						j = k
						continue
					}
				}
				if !strings.ContainsRune(`"'”’)]».!?`, c) {
					break
				}
				j += n
			}
			if endsSentence(text, start, i, j, r) {
				emit(j)
				i = j
				continue
			}
		}
		i += size
	}
	emit(len(text))
	return out
}

// wrappedParagraph tells whether the paragraph around a line break is
// hard-wrapped, remembering the last paragraph it measured so that
// splitting a text costs one pass over it.
type wrappedParagraph struct {
	start, end int // the paragraph's bytes; end 0 before the first
	wrapped    bool
}

// Bounds of hard-wrapped lines, in runes: every line but the last at least
// wrapMinShare of the longest, which is wrapMinWidth to wrapMaxWidth long
// (shorter lines of even length are verse, addresses or lists).
const (
	wrapMinShare = 0.6
	wrapMinWidth = 40
	wrapMaxWidth = 120
)

// at reports whether the line break at text[i] wraps a hard-wrapped
// paragraph (lines between blank ones): three lines or more, none a list
// item, heading or quotation, every one but the last of nearly the longest
// one's length, that wrapMinWidth to wrapMaxWidth runes: text wrapped at a fixed
// width, where a line break is a space. Headings and datelines above a
// paragraph of long lines, and lists, are not.
func (p *wrappedParagraph) at(text string, i int) bool {
	if !lineFollows(text, i) {
		return false // the end of the paragraph
	}
	if i >= p.start && i < p.end {
		return p.wrapped
	}
	p.start = strings.LastIndex(text[:i], "\n\n") + 2
	if p.start == 1 {
		p.start = 0
	}
	p.end = len(text)
	if k := strings.Index(text[i:], "\n\n"); k >= 0 {
		p.end = i + k
	}
	lines := strings.Split(text[p.start:p.end], "\n")
	p.wrapped = false
	if len(lines) < 3 {
		return false
	}
	width := 0
	lens := make([]int, len(lines))
	for k, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || blockLine(l) {
			return false
		}
		lens[k] = utf8.RuneCountInString(l)
		width = max(width, lens[k])
	}
	if width < wrapMinWidth || width > wrapMaxWidth {
		return false
	}
	for _, n := range lens[:len(lens)-1] {
		if float64(n) < wrapMinShare*float64(width) {
			return false
		}
	}
	p.wrapped = true
	return true
}

// blockLine reports whether line, trimmed, opens a block of its own: a list
// item ("-", "•", "1." or "2)"), a Markdown heading, a quotation or a table
// row.
func blockLine(line string) bool {
	r, _ := utf8.DecodeRuneInString(line)
	if strings.ContainsRune("#-*+>|•", r) {
		return true
	}
	d := strings.IndexFunc(line, func(r rune) bool { return r < '0' || r > '9' })
	return d > 0 && (line[d] == '.' || line[d] == ')')
}

// lineFollows reports whether another line, not blank, follows the line
// break at text[i].
func lineFollows(text string, i int) bool {
	k := i + 1
	for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	return k < len(text) && text[k] != '\n' && text[k] != '\r'
}

// softWrap reports whether the line break at text[i], inside the sentence
// that began at start, only wraps it (hard-wrapped text, Markdown's soft
// line break): the line goes on from the sentence without ending it (no
// closing punctuation, colon or semicolon), it is no list item, heading or
// quotation, and the next line, not blank, opens with a lower-case
// letter. A line break before a capital still ends the sentence, as
// headings, datelines and list items need.
func softWrap(text string, start, i int) bool {
	next, _ := utf8.DecodeRuneInString(strings.TrimLeft(text[i+1:], " \t"))
	if !unicode.IsLower(next) {
		return false
	}
	line := strings.TrimRightFunc(text[start:i], unicode.IsSpace)
	last, _ := utf8.DecodeLastRuneInString(line)
	if line == "" || strings.ContainsRune(".!?…:;\"”’)]»", last) {
		return false
	}
	// The line the sentence began on: not a list item, heading, quotation
	// or table row.
	from := strings.LastIndexByte(text[:start], '\n') + 1
	lead := strings.TrimLeft(text[from:i], " \t")
	return lead != "" && !blockLine(lead)
}

// maxFootnote bounds the length in bytes of a footnote marker.
const maxFootnote = 40

// footnoteEnd returns the end of the footnote marker ("[12]", "[citation
// needed]", "[original research?]") that opens text[j:], or j when none
// does: a short bracketed run of letters, digits, spaces and question
// marks. After a sentence's terminator, a marker belongs to the sentence
// it annotates.
func footnoteEnd(text string, j int) int {
	if j >= len(text) || text[j] != '[' {
		return j
	}
	for k := j + 1; k < len(text) && k <= j+maxFootnote; k++ {
		c := text[k]
		switch {
		case c == ']':
			if k == j+1 {
				return j
			}
			return k + 1
		case c == ' ' || c == '?' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		default:
			return j
		}
	}
	return j
}

// endsSentence reports whether the terminator r at text[i] (with closers up
// to j) ends the sentence that began at start.
func endsSentence(text string, start, i, j int, r rune) bool {
	if j >= len(text) {
		return true
	}
	next, n := utf8.DecodeRuneInString(text[j:])
	if next != ' ' && next != '\t' && next != '\n' {
		return false
	}
	k := j + n
	for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	if k >= len(text) || text[k] == '\n' {
		return true
	}
	after, _ := utf8.DecodeRuneInString(text[k:])
	if !(unicode.IsUpper(after) || unicode.IsDigit(after) || strings.ContainsRune(`"'“‘(["`, after)) {
		return false
	}
	if r != '.' {
		return true
	}
	// The word before the period: an abbreviation or initial does not end
	// a sentence.
	w := i
	for w > start {
		c, n := utf8.DecodeLastRuneInString(text[:w])
		if unicode.IsSpace(c) || c == '(' || c == '"' || c == '“' {
			break
		}
		w -= n
	}
	word := strings.ToLower(text[w:i])
	if utf8.RuneCountInString(word) == 1 && unicode.IsLetter([]rune(word)[0]) {
		return false // an initial: "John F. Kennedy"
	}
	return !abbreviations[word]
}

// abbreviations are words that end with a period without ending a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true,
	"st": true, "gen": true, "col": true, "lt": true, "capt": true, "sgt": true, "rep": true,
	"sen": true, "gov": true, "rev": true, "hon": true, "no": true, "vs": true, "etc": true,
	"e.g": true, "i.e": true, "u.s": true, "u.k": true, "u.n": true, "e.u": true, "a.m": true,
	"p.m": true, "inc": true, "ltd": true, "co": true, "corp": true, "jan": true, "feb": true,
	"mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true,
	"oct": true, "nov": true, "dec": true, "approx": true, "est": true, "fig": true, "vol": true,
	"mt": true, "ft": true, "c": true, "ca": true,
}
