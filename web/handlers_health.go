package web

import (
	"net/http"
	"sync/atomic"

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
	// Progress is how far the first index has been built; readyz sets it
	// while not ready, when the server knows (Config.IndexProgress).
	Progress *ProgressBody `json:"progress,omitempty"`
}

// ProgressBody counts the chunks embedded so far of those to embed.
type ProgressBody struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// IndexProgress records how far an index build has got. Its Set method
// fits rag.IngestOptions.Progress. The zero value is ready to use and safe
// for concurrent use.
type IndexProgress struct {
	done, total atomic.Int64
}

// Set records that done of total chunks are embedded.
func (p *IndexProgress) Set(done, total int) {
	p.done.Store(int64(done))
	p.total.Store(int64(total))
}

// body returns the progress so far, or nil before anything is known.
func (p *IndexProgress) body() *ProgressBody {
	if p == nil || p.total.Load() == 0 {
		return nil
	}
	return &ProgressBody{Done: int(p.done.Load()), Total: int(p.total.Load())}
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
		return c.JSON(http.StatusServiceUnavailable, HealthResponse{Status: "not_ready", Progress: s.cfg.IndexProgress.body()})
	}
	res := HealthResponse{Status: "ready"}
	if s.cfg.APIKey == "" {
		st := s.p.Stats()
		res.Stats = &st
	}
	return c.JSON(http.StatusOK, res)
}
