package corpus

import (
	"bytes"
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

// baseName returns the last element of a slash-separated path without its
// extension: the fallback title of a file that gives none.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if i := strings.LastIndexByte(p, '.'); i > 0 {
		p = p[:i]
	}
	return p
}
