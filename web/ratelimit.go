package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// questionRunesPerRequest is how many characters of a question one request
// of the rate limit pays for: a longer question costs more to embed and
// search, and is charged as several requests.
const questionRunesPerRequest = 100

// clientIdle is how long a client's allowance is remembered after its
// last request.
const clientIdle = 3 * time.Minute

// limiter is a token bucket per client, keyed by the client's real address
// (see the IPExtractor). Requests cost tokens by the work they ask for.
type limiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	clients map[string]*visitor
	swept   time.Time
}

type visitor struct {
	bucket *rate.Limiter
	seen   time.Time
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{limit: rate.Limit(perSecond), burst: burst, clients: map[string]*visitor{}}
}

// allow takes n tokens from client's bucket, if it holds them. A cost above
// the burst is charged as the whole burst, so that any request can pass.
func (l *limiter) allow(client string, n int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > clientIdle {
		for id, v := range l.clients {
			if now.Sub(v.seen) > clientIdle {
				delete(l.clients, id)
			}
		}
		l.swept = now
	}
	v, ok := l.clients[client]
	if !ok {
		v = &visitor{bucket: rate.NewLimiter(l.limit, l.burst)}
		l.clients[client] = v
	}
	v.seen = now
	return v.bucket.AllowN(now, min(n, l.burst))
}

// rateLimit charges every /api/* request one token of its client's
// allowance and answers 429 with Retry-After when there is none left.
// Handlers of questions charge the rest of their cost (see charge).
func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isAPI(c) || c.Request().Method == http.MethodOptions {
			return next(c)
		}
		if !s.limiter.allow(c.RealIP(), 1, time.Now()) {
			return s.tooManyRequests(c)
		}
		return next(c)
	}
}

// charge takes the part of a question's cost that the rate limit has not
// taken yet: one request per questionRunesPerRequest characters, beyond the
// first. It returns the 429 error when the client's allowance is spent.
func (s *Server) charge(c echo.Context, question string) error {
	if s.limiter == nil {
		return nil
	}
	extra := (utf8.RuneCountInString(question) - 1) / questionRunesPerRequest
	if extra > 0 && !s.limiter.allow(c.RealIP(), extra, time.Now()) {
		return s.tooManyRequests(c)
	}
	return nil
}

// chargeKey is the context key under which an MCP request over HTTP carries
// its client's charge function.
type chargeKey struct{}

// withCharge returns the request of c with a context that lets MCP tool
// handlers, which see no echo.Context, charge a question's cost to c's
// client.
func (s *Server) withCharge(c echo.Context) *http.Request {
	charge := func(question string) error { return s.charge(c, question) }
	return c.Request().WithContext(context.WithValue(c.Request().Context(), chargeKey{}, charge))
}

// chargeContext charges question's cost to the client whose request ctx
// belongs to. Without a client (MCP over stdin and stdout) it charges
// nothing.
func chargeContext(ctx context.Context, question string) error {
	if charge, ok := ctx.Value(chargeKey{}).(func(string) error); ok {
		return charge(question)
	}
	return nil
}

func (s *Server) tooManyRequests(c echo.Context) error {
	retryAfter := strconv.Itoa(max(1, int(math.Ceil(1/s.cfg.RateLimit))))
	c.Response().Header().Set("Retry-After", retryAfter)
	return &apiError{status: http.StatusTooManyRequests, code: CodeRateLimited,
		message: fmt.Sprintf("too many requests; this server allows %g per second per client (a question of more than %d characters counts as several), try again in %s s",
			s.cfg.RateLimit, questionRunesPerRequest, retryAfter)}
}
