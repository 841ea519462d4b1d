package web

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// Route paths, as registered with Echo.
const (
	routeAsk       = "/api/ask"
	routeAskStream = "/api/ask/stream"
	routeSearch    = "/api/search"
	routeArticles  = "/api/articles"
	routeArticle   = "/api/articles/*"
	routeOpenAPI   = "/api/openapi.json"
	routeHealth    = "/healthz"
	routeReady     = "/readyz"
	routeMetrics   = "/metrics"
	routePage      = "/"
	routeStatic    = "/static/*"
)

//go:embed static
var staticFiles embed.FS

// Server is newsrag's HTTP server: the JSON and SSE API, metrics and the
// chat page, over a Pipeline.
type Server struct {
	cfg     Config
	p       Pipeline
	echo    *echo.Echo
	log     *slog.Logger
	metrics *metrics
	routes  map[string]struct{} // registered route paths, for metric labels
	limiter *limiter            // nil: no rate limit

	// streams is cancelled when shutdown begins; answer streams end with
	// it, since http.Server.Shutdown would otherwise wait for them.
	streams     context.Context
	stopStreams context.CancelFunc
}

// New returns a Server answering from p. It refuses a configuration that
// would listen on a non-loopback address without an API key, unless
// cfg.AllowPublic is set.
func New(p Pipeline, cfg Config) (*Server, error) {
	if p == nil {
		return nil, errors.New("web: no pipeline")
	}
	cfg = cfg.withDefaults()
	proxies, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, p: p, log: cfg.Logger, metrics: newMetrics(p), routes: map[string]struct{}{}}
	if cfg.RateLimit > 0 {
		s.limiter = newLimiter(cfg.RateLimit, cfg.RateBurst)
	}
	s.streams, s.stopStreams = context.WithCancel(context.Background())

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	s.echo = e
	s.useMiddleware(proxies)
	if err := s.addRoutes(); err != nil {
		return nil, err
	}
	return s, nil
}

// addRoutes registers every endpoint.
func (s *Server) addRoutes() error {
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return fmt.Errorf("web: static files: %w", err)
	}
	openapi, err := openAPIHandler()
	if err != nil {
		return err
	}
	e := s.echo
	for _, r := range []*echo.Route{
		e.POST(routeAsk, s.handleAsk),
		e.POST(routeAskStream, s.handleAskStream),
		e.GET(routeSearch, s.handleSearch),
		e.GET(routeArticles, s.handleArticles),
		e.GET(routeArticle, s.handleArticle),
		e.GET(routeOpenAPI, openapi),
		e.GET(routeMetrics, echo.WrapHandler(s.metrics.handler())),
		e.POST(routeChatCompletions, s.handleChatCompletions),
		e.GET(routeModels, s.handleModels),
		e.GET(routeModel, s.handleModel),
		e.POST(routeMCP, s.handleMCP()),
	} {
		s.routes[r.Path] = struct{}{}
	}
	// The page, its files and the probes also answer HEAD, as monitors and
	// link checkers expect; net/http sends no body for HEAD.
	for path, h := range map[string]echo.HandlerFunc{
		routeHealth: s.handleHealth,
		routeReady:  s.handleReady,
		routePage:   pageHandler(static),
		routeStatic: staticHandler(static),
	} {
		e.GET(path, h)
		e.HEAD(path, h)
		s.routes[path] = struct{}{}
	}
	return nil
}

// Handler returns the server's HTTP handler, for tests and for callers that
// run their own http.Server. Only Run and Serve cancel open answer streams
// at shutdown; with another server, streams end with their requests.
func (s *Server) Handler() http.Handler { return s.echo }

// Run listens on cfg.Addr and serves until ctx is cancelled, then shuts
// down gracefully: open answer streams are cancelled at once (each gets an
// SSE "error" event saying the server is shutting down), and other requests
// have ShutdownTimeout to finish. It returns nil after a clean shutdown.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("web: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened (e.g. on port 0 in tests).
// It closes ln. A Server serves once: after shutdown, new answer streams
// are refused.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// inflight counts requests being handled, so that a shutdown that
	// timed out only on connections that never sent a request (a browser's
	// preconnects, which Shutdown waits 5 s for) is still clean.
	var inflight atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inflight.Add(1)
			defer inflight.Add(-1)
			s.echo.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		// ReadTimeout cuts a body that stalls. It does not cancel a
		// handler that is still writing, such as an answer stream
		// (TestBodyTimeoutSparesStreams checks that).
		ReadTimeout:    max(s.cfg.BodyTimeout, 0),
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: hardHeaderBytes,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(s.stopStreams)
	s.log.Info("serving", "addr", "http://"+ln.Addr().String(), "api_key", s.cfg.APIKey != "",
		"rate_limit", s.cfg.RateLimit, "cors", len(s.cfg.CORSOrigins) > 0)

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	refreshDone := make(chan struct{})
	rctx, stopRefresh := context.WithCancel(ctx)
	defer func() { stopRefresh(); <-refreshDone }()
	go func() {
		defer close(refreshDone)
		if s.cfg.Refresh != nil && s.cfg.RefreshEvery > 0 {
			s.refreshLoop(rctx)
		}
	}()
	select {
	case err := <-serveErr:
		s.stopStreams()
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}

	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		if n := inflight.Load(); n == 0 {
			// Only connections without a request were left open.
			err = srv.Close()
		} else {
			// Some requests did not finish in time: cut them off.
			err = errors.Join(fmt.Errorf("web: shutdown: %d requests cut off: %w", n, err), srv.Close())
		}
	}
	if serr := <-serveErr; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("web: serve: %w", serr))
	}
	if err == nil {
		s.log.Info("stopped")
	}
	return err
}

// randomID returns a random 128-bit hex string, used as request ID.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}
