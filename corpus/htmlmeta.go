package corpus

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// pageMeta is an article page's metadata from its Open Graph and article
// <meta> tags and its JSON-LD: what fills an article's fields when the
// main-content extraction finds none.
type pageMeta struct {
	Title, Outlet, Author string
	Published             time.Time
}

// pageMetadata reads og:title, og:site_name, article:published_time,
// <meta name=author> and article:author, then fills what they leave blank
// from the page's JSON-LD (an Article, NewsArticle, BlogPosting, ... object,
// also inside an array or @graph): headline, publisher name, author name
// and datePublished.
func pageMetadata(page *goquery.Document) pageMeta {
	m := pageMeta{
		Title:  attr(page, `meta[property="og:title"]`, "content"),
		Outlet: attr(page, `meta[property="og:site_name"]`, "content"),
		Author: firstNonEmpty(
			attr(page, `meta[name="author"]`, "content"),
			nonURL(attr(page, `meta[property="article:author"]`, "content")),
		),
		Published: parseLooseTime(firstNonEmpty(
			attr(page, `meta[property="article:published_time"]`, "content"),
			attr(page, `meta[name="article:published_time"]`, "content"),
		)),
	}
	page.Find(`script[type="application/ld+json"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		var v any
		if json.Unmarshal([]byte(s.Text()), &v) != nil {
			return true // a broken block is ignored, as browsers do
		}
		ld, ok := findArticleLD(v)
		if !ok {
			return true
		}
		m.Title = firstNonEmpty(m.Title, ldString(ld["headline"]))
		m.Outlet = firstNonEmpty(m.Outlet, ldName(ld["publisher"]))
		m.Author = firstNonEmpty(m.Author, ldName(ld["author"]))
		if m.Published.IsZero() {
			m.Published = parseLooseTime(ldString(ld["datePublished"]))
		}
		return false
	})
	m.Title, m.Outlet, m.Author = collapseSpace(m.Title), collapseSpace(m.Outlet), collapseSpace(m.Author)
	return m
}

// articleTypes are the schema.org types whose JSON-LD describes an article.
var articleTypes = map[string]bool{
	"Article": true, "NewsArticle": true, "ReportageNewsArticle": true, "AnalysisNewsArticle": true,
	"OpinionNewsArticle": true, "BackgroundNewsArticle": true, "BlogPosting": true, "Report": true,
	"LiveBlogPosting": true,
}

// findArticleLD returns the first article object in a JSON-LD value.
func findArticleLD(v any) (map[string]any, bool) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if o, ok := findArticleLD(e); ok {
				return o, true
			}
		}
	case map[string]any:
		if isArticleType(v["@type"]) {
			return v, true
		}
		if g, ok := v["@graph"]; ok {
			return findArticleLD(g)
		}
	}
	return nil, false
}

func isArticleType(t any) bool {
	switch t := t.(type) {
	case string:
		return articleTypes[t]
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && articleTypes[s] {
				return true
			}
		}
	}
	return false
}

// ldString returns a JSON-LD string value ("" for anything else).
func ldString(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// ldName returns the name of a JSON-LD person or organisation: a string,
// an object with "name", or the names of a list, joined with commas.
func ldName(v any) string {
	switch v := v.(type) {
	case string:
		return nonURL(strings.TrimSpace(v))
	case map[string]any:
		return ldString(v["name"])
	case []any:
		var names []string
		for _, e := range v {
			if n := ldName(e); n != "" {
				names = append(names, n)
			}
		}
		return strings.Join(names, ", ")
	}
	return ""
}

// nonURL returns s unless it is a URL (article:author is often a profile
// link, not a name).
func nonURL(s string) string {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return ""
	}
	return s
}

// looseTimeLayouts are the date forms found in page metadata.
var looseTimeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05", time.DateOnly, time.RFC1123Z, time.RFC1123,
}

// parseLooseTime parses a metadata date in UTC, truncated to the second;
// an unreadable date is the zero time.
func parseLooseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range looseTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Second)
		}
	}
	return time.Time{}
}
