package corpus

import (
	"errors"
	"strings"
)

// parseText reads a plain-text article: the first non-empty line is the
// title, everything after it is the text.
func parseText(data []byte) (Article, error) {
	s := strings.TrimPrefix(string(data), string(utf8BOM))
	for s != "" {
		line, rest, _ := strings.Cut(s, "\n")
		if title := strings.TrimSpace(line); title != "" {
			return Article{Title: title, Text: rest}, nil
		}
		s = rest
	}
	return Article{}, errors.New("empty file")
}
