package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/newsrag/newsrag/rag"
)

// SearchResponse is the body of GET /api/search.
type SearchResponse struct {
	Query    string        `json:"query"`
	Passages []rag.Passage `json:"passages"`
	// Corrections are the query's misspelt words that were corrected
	// before searching, omitted when there are none.
	Corrections []rag.Correction `json:"corrections,omitempty"`
	// Note, when no passage was found because no article passes the
	// filters, says so and names the corpus' outlets.
	Note string `json:"note,omitempty"`
}

// handleSearch answers GET /api/search?q=&k=&outlet=&from=&to= with the
// retrieved passages and their scores.
func (s *Server) handleSearch(c echo.Context) error {
	req, err := searchRequest(c.Request().URL.RawQuery)
	if err != nil {
		return err
	}
	if err := s.charge(c, req.Question); err != nil {
		return err
	}
	start := time.Now()
	found, err := s.p.Search(c.Request().Context(), req)
	if err != nil {
		return err
	}
	s.metrics.retrieval.Observe(time.Since(start).Seconds())
	resp := SearchResponse{Query: req.Question, Passages: found.Passages, Corrections: found.Corrections}
	if len(found.Passages) == 0 {
		resp.Passages = []rag.Passage{}
		resp.Note = s.p.FilterMiss(req.Filters)
	}
	return c.JSON(http.StatusOK, resp)
}
