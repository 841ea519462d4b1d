package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/newsrag/newsrag/rag"
)

// HealthResponse is the body of GET /healthz and GET /readyz.
type HealthResponse struct {
	// Status is "ok" (healthz), "ready" or "not_ready" (readyz).
	Status string `json:"status"`
	// Stats describes the index; only readyz sets it, once ready, and only
	// when no API key is configured (it names the models in use).
	Stats *rag.Stats `json:"stats,omitempty"`
}

// handleHealth answers GET /healthz: the process is up and serving.
func (s *Server) handleHealth(c echo.Context) error {
	return c.JSON(http.StatusOK, HealthResponse{Status: "ok"})
}

// handleReady answers GET /readyz: 200 once an index is loaded and
// questions can be answered, 503 before.
func (s *Server) handleReady(c echo.Context) error {
	if !s.p.Ready() {
		c.Response().Header().Set("Retry-After", "5")
		return c.JSON(http.StatusServiceUnavailable, HealthResponse{Status: "not_ready"})
	}
	res := HealthResponse{Status: "ready"}
	if s.cfg.APIKey == "" {
		st := s.p.Stats()
		res.Stats = &st
	}
	return c.JSON(http.StatusOK, res)
}
