package corpus

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// utf8BOM is the byte order mark some editors put at the start of UTF-8 files.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// checkText reports why data cannot be read as text: NUL bytes (binary
// content) or invalid UTF-8. It returns "" for acceptable text.
func checkText(data []byte) string {
	if bytes.IndexByte(data, 0) >= 0 {
		return "binary content (NUL bytes)"
	}
	if !utf8.Valid(data) {
		return "invalid UTF-8"
	}
	return ""
}

// normalizeText applies the light normalisation every article text gets:
// a leading byte order mark is removed, CRLF and lone CR become LF, trailing
// whitespace is trimmed from each line, a chemical formula's subscript put
// on a line of its own is joined back to it ("O\n2 gas" is "O2 gas"; see
// subscriptBreak), and leading and trailing blank lines are dropped. Blank
// lines between paragraphs are kept.
func normalizeText(s string) string {
	s = strings.TrimPrefix(s, string(utf8BOM))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = strings.TrimRightFunc(line, unicode.IsSpace)
	}
	var b strings.Builder
	b.Grow(len(s))
	from := 0 // where the line being written began in b
	for i, line := range lines {
		if i > 0 {
			if subscriptBreak(b.String()[from:], line) {
				b.WriteString(line)
				continue
			}
			b.WriteByte('\n')
		}
		from = b.Len()
		b.WriteString(line)
	}
	s = b.String()
	return strings.TrimLeft(strings.TrimRightFunc(s, unicode.IsSpace), "\n")
}

// Text copied from a page that sets a formula's numbers as subscripts
// (<sub>) often has each subscript on a line of its own: "Liquid and solid
// O\n2 are clear substances", "Trioxygen (O\n3) is …". The line break ends
// a sentence in the middle and hides the formula from a search for "O2".
var (
	formulaEnd     = regexp.MustCompile(`\s(\(?)(?:[A-Z][a-z]?\d?)?[A-Z][a-z]?$`)
	subscriptStart = regexp.MustCompile(`^\d{1,2}(?:[A-Z][a-z]?\d?)*(?:$|[ ,;:\])]|\.(?:$|\s+\p{Ll}|\[))`)
)

// minSentenceWords is the fewest spaces a line ending in a formula has
// (among its first sentenceHead bytes) when it is running text, not a
// heading or a label; formulaTail bounds the bytes a formula at its end
// is looked for in.
const (
	minSentenceWords = 4
	sentenceHead     = 200
	formulaTail      = 24
)

// subscriptBreak reports whether the line break between line and next
// splits a formula from its subscript: line, a sentence's words, ends in
// one or two element symbols ("O", "SiO", "(CO"; not "NATO" or a lone
// heading) and next opens with a number of one or two digits, and maybe
// the formula's next symbols ("2O" of "Al\n2O\n3"), followed by a space,
// punctuation or its end. A number followed by a period and a
// capital ("2. The …") is a list item, not a subscript; one followed by ")"
// is a subscript only inside the formula's own parenthesis.
func subscriptBreak(line, next string) bool {
	if next == "" || next[0] < '0' || next[0] > '9' {
		return false
	}
	// The formula is in the line's last bytes; a paragraph with many
	// subscripts is not scanned whole at each.
	m := formulaEnd.FindStringSubmatch(line[max(0, len(line)-formulaTail):])
	if m == nil || strings.Count(line[:min(len(line), sentenceHead)], " ") < minSentenceWords {
		return false
	}
	s := subscriptStart.FindString(next)
	if s == "" {
		return false
	}
	return !strings.HasSuffix(s, ")") || m[1] == "("
}

// fileTitle is the fallback title of a file that gives none: the last
// element of its slash-separated path without the extension, and a
// slug ("taliban-march-into-kabul") in title case ("Taliban March Into
// Kabul"), so that names read as names.
func fileTitle(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if i := strings.LastIndexByte(p, '.'); i > 0 {
		p = p[:i]
	}
	if !slugRE.MatchString(p) {
		return p
	}
	words := strings.FieldsFunc(p, func(r rune) bool { return r == '-' || r == '_' })
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	return strings.Join(words, " ")
}

// slugRE matches a file name made of lower-case words joined by - or _.
var slugRE = regexp.MustCompile(`^[\p{Ll}\d]+(?:[-_][\p{Ll}\d]+)+$`)
