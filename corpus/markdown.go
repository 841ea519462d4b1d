package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/adrg/frontmatter"
	"gopkg.in/yaml.v3"
)

// frontMatter is the YAML front matter of a Markdown article. Unknown keys
// are ignored. Published and Date are decoded loosely because YAML turns an
// unquoted 2021-08-22 into a timestamp.
type frontMatter struct {
	Title     string `yaml:"title"`
	Outlet    string `yaml:"outlet"`
	Source    string `yaml:"source"` // alias of outlet
	Published any    `yaml:"published"`
	Date      any    `yaml:"date"` // alias of published
	URL       string `yaml:"url"`
	Author    string `yaml:"author"`
}

// yamlFrontMatter is the only front matter format accepted: YAML between
// "---" lines at the top of the file.
var yamlFrontMatter = frontmatter.NewFormat("---", "---", yaml.Unmarshal)

// parseMarkdown reads a Markdown article: optional YAML front matter, then
// the body, which is kept verbatim as the article text. The title is the
// front matter's title, else the first "# heading" of the body, else empty
// (the loader then uses the file name). It returns an error for front matter
// that does not parse or has a field of the wrong type or an invalid date.
func parseMarkdown(data []byte) (Article, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var fm frontMatter
	body, err := frontmatter.Parse(bytes.NewReader(data), &fm, yamlFrontMatter)
	if err != nil {
		return Article{}, fmt.Errorf("front matter: %w", err)
	}
	if len(body) == len(data) && firstLine(data) == "---" {
		return Article{}, errors.New(`front matter: no closing "---" line`)
	}
	a := Article{
		Title:  strings.TrimSpace(fm.Title),
		Outlet: strings.TrimSpace(firstNonEmpty(fm.Outlet, fm.Source)),
		URL:    strings.TrimSpace(fm.URL),
		Author: strings.TrimSpace(fm.Author),
		Text:   string(body),
	}
	published, key := fm.Published, "published"
	if isEmptyValue(published) {
		published, key = fm.Date, "date"
	}
	if a.Published, err = parseDate(published); err != nil {
		return Article{}, fmt.Errorf("front matter: %s: %w", key, err)
	}
	if a.Title == "" {
		a.Title = markdownHeading(a.Text)
	}
	return a, nil
}

// firstLine returns the first non-blank line of data, trimmed.
func firstLine(data []byte) string {
	for line := range bytes.Lines(data) {
		if s := strings.TrimSpace(string(line)); s != "" {
			return s
		}
	}
	return ""
}

// markdownHeading returns the text of the first level-one ATX heading
// ("# Title") in a Markdown body, outside fenced code blocks, or "".
func markdownHeading(body string) string {
	fence := ""
	for line := range strings.Lines(body) {
		line = strings.TrimRight(line, "\r\n")
		trimmed := strings.TrimLeft(line, " ")
		if len(line)-len(trimmed) > 3 {
			continue // indented code
		}
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		if trimmed == "#" || strings.HasPrefix(trimmed, "# ") || strings.HasPrefix(trimmed, "#\t") {
			title := strings.TrimSpace(trimmed[1:])
			// An optional closing sequence of #s, preceded by a space.
			if t := strings.TrimRight(title, "#"); t != title && (t == "" || strings.HasSuffix(t, " ") || strings.HasSuffix(t, "\t")) {
				title = strings.TrimSpace(t)
			}
			if title != "" {
				return title
			}
		}
	}
	return ""
}

// dateLayouts are the accepted forms of a published date.
var dateLayouts = []string{time.DateOnly, time.RFC3339Nano}

// parseDate turns a front-matter date into a time: a YYYY-MM-DD or RFC 3339
// string, or anything YAML itself reads as a timestamp (such as
// "2021-08-22 10:00:00", taken as UTC). An absent date is the zero time.
func parseDate(v any) (time.Time, error) {
	switch v := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return v, nil
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return time.Time{}, nil
		}
		for _, layout := range dateLayouts {
			// RFC 3339 allows a lower-case "t" and "z"; Go does not.
			if t, err := time.Parse(layout, strings.ToUpper(s)); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD or RFC 3339)", s)
	default:
		return time.Time{}, fmt.Errorf("%v is not a date (want YYYY-MM-DD or RFC 3339)", v)
	}
}

// isEmptyValue reports whether a loosely decoded front-matter value is absent.
func isEmptyValue(v any) bool {
	s, ok := v.(string)
	return v == nil || ok && strings.TrimSpace(s) == ""
}

// firstNonEmpty returns the first of its arguments that is not blank.
func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
