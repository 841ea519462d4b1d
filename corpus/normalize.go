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
// whitespace is trimmed from each line, and leading and trailing blank lines
// are dropped. Blank lines between paragraphs are kept.
func normalizeText(s string) string {
	s = strings.TrimPrefix(s, string(utf8BOM))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = strings.TrimRightFunc(line, unicode.IsSpace)
	}
	s = strings.Join(lines, "\n")
	return strings.TrimLeft(strings.TrimRightFunc(s, unicode.IsSpace), "\n")
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
