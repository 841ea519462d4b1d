package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// contentSecurityPolicy allows scripts, styles and requests from the
// server's own origin only: no inline script, no eval, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// useMiddleware installs the middleware stack, outermost first.
func (s *Server) useMiddleware(proxies []*net.IPNet) {
	e := s.echo
	// The client's address: the connection's, unless it is a trusted proxy,
	// in which case X-Forwarded-For is walked from the right to the first
	// untrusted address. Echo trusts private and loopback addresses by
	// default; that is switched off, so a forged header from anywhere else
	// changes nothing.
	if len(proxies) == 0 {
		e.IPExtractor = echo.ExtractIPDirect()
	} else {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range proxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}

	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		Generator: func() string { return randomID() },
		RequestIDHandler: func(c echo.Context, id string) {
			// Accept a caller's ID only if it is short and plain.
			if len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < '!' || r > '~' }) {
				c.Response().Header().Set(echo.HeaderXRequestID, randomID())
			}
		},
	}))
	e.Use(s.observe)
	e.Use(limitHeaders)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic serving request", "request_id", requestID(c), "path", c.Request().URL.Path,
				"err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0", // obsolete filter; the CSP is the protection
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: contentSecurityPolicy,
		ReferrerPolicy:        "no-referrer",
	}))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Skipper: skipGzip, MinLength: gzipMinLength}))
	if len(s.cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			Skipper:      func(c echo.Context) bool { return !isAPI(c) },
			AllowOrigins: s.cfg.CORSOrigins,
			AllowMethods: []string{http.MethodGet, http.MethodPost},
			// MCP clients send their protocol version and session on every request.
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, "Mcp-Protocol-Version", "Mcp-Session-Id"},
			ExposeHeaders: []string{"Mcp-Session-Id"},
			MaxAge:        600,
		}))
	}
	if s.cfg.BodyLimit > 0 {
		e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
			Limit: strconv.FormatInt(s.cfg.BodyLimit, 10) + "B",
		}))
	}
	if s.limiter != nil {
		e.Use(s.rateLimit)
	}
	if s.cfg.APIKey != "" {
		e.Use(s.requireKey())
	}
	e.Use(s.timeout)
}

// gzipMinLength is the smallest response body worth compressing; smaller
// ones are sent as they are.
const gzipMinLength = 512

// skipGzip leaves out of compression what is compressed already or cannot
// be: /metrics (the Prometheus handler compresses itself), range requests
// (the ranges are of the uncompressed file) and HEAD (no body; it keeps its
// Content-Length). Answer streams are compressed: each event is flushed
// through the compressor as it is written.
func skipGzip(c echo.Context) bool {
	r := c.Request()
	return r.URL.Path == routeMetrics || r.Header.Get("Range") != "" || r.Method == http.MethodHead
}

// isAPI reports whether c is for one of the APIs: the JSON API (/api/),
// the OpenAI-compatible API (/v1/) or MCP (/mcp).
func isAPI(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/v1/") || p == routeMCP
}

// observe logs one structured line per request and records its metrics.
// It handles the handler's error itself so that the status it logs is the
// one sent. Headers, including Authorization, and query strings are never
// logged.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		took := time.Since(start)
		status := c.Response().Status // as sent: 499 for a client that left before any response
		route := c.Path()
		if _, ok := s.routes[route]; !ok {
			route = "other"
		}
		s.metrics.observeRequest(route, c.Request().Method, status, took)
		level := slog.LevelInfo
		if status >= 500 && route != routeReady { // "not ready yet" is no warning
			level = slog.LevelWarn
		}
		path := c.Request().URL.Path
		if len(path) > 200 {
			path = path[:200] + "…"
		}
		attrs := []slog.Attr{
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Request().Method),
			slog.String("path", path),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("ms", float64(took.Microseconds())/1000),
			slog.Int64("bytes", c.Response().Size),
			slog.String("ip", c.RealIP()),
		}
		if err != nil && status >= 500 {
			attrs = append(attrs, slog.String("err", err.Error()))
		}
		s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
		return nil
	}
}

// Header size limits. net/http refuses headers over hardHeaderBytes itself,
// with a plain-text 431 no handler sees; it is set well above
// maxHeaderBytes so that limitHeaders answers all but absurd requests
// with a JSON 431 like every other error.
const (
	maxHeaderBytes  = 64 << 10
	hardHeaderBytes = 1 << 20
)

// limitHeaders answers 431 to a request whose request line and headers
// exceed maxHeaderBytes.
func limitHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + len(r.Host) + 4
		for k, vs := range r.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4 // "k: v\r\n"
			}
		}
		if n > maxHeaderBytes {
			return &apiError{status: http.StatusRequestHeaderFieldsTooLarge, code: CodeHeadersTooLarge,
				message: fmt.Sprintf("the request's headers are %d bytes; the limit is %d", n, maxHeaderBytes)}
		}
		return next(c)
	}
}

// requireKey demands "Authorization: Bearer <APIKey>" on the APIs (see
// isAPI) and /metrics. Both sides are hashed before a constant-time
// comparison, so neither the key's content nor its length leaks through
// timing.
func (s *Server) requireKey() echo.MiddlewareFunc {
	want := sha256.Sum256([]byte(s.cfg.APIKey))
	return middleware.KeyAuthWithConfig(middleware.KeyAuthConfig{
		Skipper: func(c echo.Context) bool {
			return c.Request().Method == http.MethodOptions ||
				!(isAPI(c) || c.Request().URL.Path == "/metrics")
		},
		KeyLookup:  "header:" + echo.HeaderAuthorization,
		AuthScheme: "Bearer",
		Validator: func(key string, c echo.Context) (bool, error) {
			got := sha256.Sum256([]byte(key))
			return subtle.ConstantTimeCompare(got[:], want[:]) == 1, nil
		},
		ErrorHandler: func(err error, c echo.Context) error {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="newsrag"`)
			return &apiError{status: http.StatusUnauthorized, code: CodeUnauthorized,
				message: "this server needs an API key: send Authorization: Bearer <key>"}
		},
	})
}

// timeout bounds every request but answer streams by RequestTimeout, through
// its context: the pipeline stops when it expires and the handler's error
// maps to 504.
func (s *Server) timeout(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// Chat completions may be streams: their handler sets the timeout.
		if s.cfg.RequestTimeout <= 0 || c.Path() == routeAskStream || c.Path() == routeChatCompletions {
			return next(c)
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}
