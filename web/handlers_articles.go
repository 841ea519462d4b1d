package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/rag"
)

// ArticleSummary is an article's metadata, without its text, as listed by
// GET /api/articles.
type ArticleSummary struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Outlet    string    `json:"outlet,omitempty"`
	Published time.Time `json:"published,omitzero"`
	URL       string    `json:"url,omitempty"`
	Author    string    `json:"author,omitempty"`
	// Length is the article text's length in bytes.
	Length int `json:"length"`
	// Alternates are other copies of the story: where else it was published.
	Alternates []corpus.Alternate `json:"alternates,omitempty"`
}

// ArticlesResponse is the body of GET /api/articles.
type ArticlesResponse struct {
	Articles []ArticleSummary `json:"articles"`
}

// handleArticles answers GET /api/articles with every article's metadata.
func (s *Server) handleArticles(c echo.Context) error {
	arts := s.p.Articles()
	out := ArticlesResponse{Articles: make([]ArticleSummary, 0, len(arts))}
	for _, a := range arts {
		out.Articles = append(out.Articles, summarize(a))
	}
	return c.JSON(http.StatusOK, out)
}

// summarize returns a's metadata.
func summarize(a corpus.Article) ArticleSummary {
	return ArticleSummary{
		ID: a.ID, Title: a.Title, Outlet: a.Outlet, Published: a.Published,
		URL: a.URL, Author: a.Author, Length: len(a.Text), Alternates: a.Alternates,
	}
}

// handleArticle answers GET /api/articles/{id} with the article's metadata
// and full text. IDs are relative paths without extension, so they may
// contain slashes ("world/kabul"); anything path-like beyond that ("..",
// empty segments, backslashes) is reported as not found without asking the
// pipeline.
func (s *Server) handleArticle(c echo.Context) error {
	id, err := url.PathUnescape(c.Param("*"))
	if err != nil || !validArticleID(id) {
		return &apiError{status: http.StatusNotFound, code: CodeNotFound,
			message: fmt.Sprintf("%v: no article with ID %q", rag.ErrNotFound, c.Param("*"))}
	}
	a, err := s.p.Article(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// validArticleID reports whether id has the shape of an article ID: a
// relative path of non-empty segments, none of them "." or "..".
func validArticleID(id string) bool {
	if id == "" || len(id) > 512 || !utf8.ValidString(id) || strings.ContainsAny(id, "\\\x00") {
		return false
	}
	for seg := range strings.SplitSeq(id, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
