package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Config configures a Server. Zero fields take the values in DefaultConfig;
// the comments give each default and the environment variable cmd is
// expected to read it from.
type Config struct {
	// Addr is the TCP address to listen on (NEWSRAG_ADDR).
	// Default "127.0.0.1:8080".
	Addr string
	// APIKey, when set, must be sent as "Authorization: Bearer <key>" on
	// every /api/*, /v1/* (OpenAI-compatible) and /mcp request and on
	// /metrics (NEWSRAG_API_KEY). It is compared
	// in constant time and never logged. The page's HTML, scripts and
	// styles, /healthz and /readyz stay open: they hold no data.
	APIKey string
	// AllowPublic lets the server listen on a non-loopback address without
	// an APIKey (NEWSRAG_ALLOW_PUBLIC). Without it New refuses to.
	AllowPublic bool
	// TrustedProxies are the addresses (IPs or CIDRs) of reverse proxies
	// whose X-Forwarded-For header is believed (NEWSRAG_TRUSTED_PROXIES,
	// comma-separated). Requests from anywhere else are identified by their
	// connection's address, whatever headers they send. Default: none.
	TrustedProxies []string
	// CORSOrigins are the origins allowed to call the APIs from a browser on
	// another origin (NEWSRAG_CORS_ORIGINS, comma-separated). Default: none,
	// CORS off.
	CORSOrigins []string
	// RateLimit is the sustained number of API requests per second
	// allowed per client (NEWSRAG_RATE_LIMIT). A question counts as one
	// request per 100 characters (a 2,000-character question as 20), since
	// longer questions cost more to embed and search. Default 10; negative
	// disables rate limiting.
	RateLimit float64
	// RateBurst is how many requests a client may make at once above
	// RateLimit (NEWSRAG_RATE_BURST). Default 40.
	RateBurst int
	// BodyLimit is the largest request body accepted, in bytes
	// (NEWSRAG_BODY_LIMIT). Default 256 KiB. Larger bodies get 413.
	BodyLimit int64
	// BodyTimeout is how long a client has to send a whole request,
	// headers and body (NEWSRAG_BODY_TIMEOUT; http.Server's ReadTimeout).
	// A client that stalls is answered 408 and disconnected instead of
	// holding a connection and a goroutine. It does not limit how long a
	// response, such as an answer stream, takes. Default 10s; negative
	// disables it.
	BodyTimeout time.Duration
	// MaxAnswerBytes is the longest answer text accepted from the pipeline
	// for one request (NEWSRAG_MAX_ANSWER_BYTES). Generation is cancelled
	// beyond it and the request fails with 502. Default 1 MiB.
	MaxAnswerBytes int64
	// RequestTimeout bounds every request except answer streams
	// (NEWSRAG_REQUEST_TIMEOUT). Default 60s.
	RequestTimeout time.Duration
	// StreamTimeout bounds an answer stream (POST /api/ask/stream)
	// (NEWSRAG_STREAM_TIMEOUT). Default 5m.
	StreamTimeout time.Duration
	// HeartbeatInterval is how often an idle answer stream gets an SSE
	// comment, so proxies keep it open. Default 15s.
	HeartbeatInterval time.Duration
	// ShutdownTimeout is how long Run waits for requests to finish after
	// its context is cancelled (NEWSRAG_SHUTDOWN_TIMEOUT). Open answer
	// streams are cancelled at once. Default 1s.
	ShutdownTimeout time.Duration
	// Logger receives one structured line per request and server events.
	// Default: slog.Default().
	Logger *slog.Logger
	// Refresh, if set, brings the index up to date with its sources: Serve
	// calls it every RefreshEvery until it shuts down, one call at a time,
	// and /metrics counts what it did. Default: nil, no refresh.
	Refresh func(context.Context) (RefreshStats, error)
	// RefreshEvery is the interval between refreshes (NEWSRAG_REFRESH).
	// Default 0: no refresh.
	RefreshEvery time.Duration
	// IndexProgress, when set, tells how far the building of the first
	// index has got; GET /readyz reports it while not ready, and the chat
	// page shows it. Default: none.
	IndexProgress *IndexProgress
}

// DefaultConfig holds the values Config's zero fields take.
var DefaultConfig = Config{
	Addr:              "127.0.0.1:8080",
	RateLimit:         10,
	RateBurst:         40,
	BodyLimit:         256 << 10,
	BodyTimeout:       10 * time.Second,
	MaxAnswerBytes:    1 << 20,
	RequestTimeout:    60 * time.Second,
	StreamTimeout:     5 * time.Minute,
	HeartbeatInterval: 15 * time.Second,
	ShutdownTimeout:   time.Second,
}

// withDefaults returns c with zero fields set from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig
	if c.Addr == "" {
		c.Addr = d.Addr
	}
	if c.RateLimit == 0 {
		c.RateLimit = d.RateLimit
	}
	if c.RateBurst == 0 {
		c.RateBurst = d.RateBurst
	}
	if c.BodyLimit == 0 {
		c.BodyLimit = d.BodyLimit
	}
	if c.BodyTimeout == 0 {
		c.BodyTimeout = d.BodyTimeout
	}
	if c.MaxAnswerBytes == 0 {
		c.MaxAnswerBytes = d.MaxAnswerBytes
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = d.RequestTimeout
	}
	if c.StreamTimeout == 0 {
		c.StreamTimeout = d.StreamTimeout
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = d.HeartbeatInterval
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validate checks c (after withDefaults) and returns the trusted proxy
// ranges it names.
func (c Config) validate() ([]*net.IPNet, error) {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("address %q: %w", c.Addr, err))
	} else if c.APIKey == "" && !c.AllowPublic && !isLoopback(c.Addr) {
		errs = append(errs, fmt.Errorf("refusing to listen on %s, which is not a loopback address, without an API key: set one (NEWSRAG_API_KEY) or allow public access explicitly (NEWSRAG_ALLOW_PUBLIC=1)", c.Addr))
	}
	if c.APIKey != "" && strings.TrimSpace(c.APIKey) != c.APIKey {
		errs = append(errs, errors.New("API key has leading or trailing white space"))
	}
	if c.RateLimit > 0 && c.RateBurst < 1 {
		errs = append(errs, fmt.Errorf("rate burst must be at least 1, got %d", c.RateBurst))
	}
	for name, d := range map[string]time.Duration{
		"request timeout": c.RequestTimeout, "stream timeout": c.StreamTimeout,
		"heartbeat interval": c.HeartbeatInterval, "shutdown timeout": c.ShutdownTimeout,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %s", name, d))
		}
	}
	if c.BodyLimit < 0 || c.MaxAnswerBytes < 0 {
		errs = append(errs, errors.New("size limits must not be negative"))
	}
	for _, o := range c.CORSOrigins {
		if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			errs = append(errs, fmt.Errorf("CORS origin %q: want \"*\" or a scheme://host[:port] origin", o))
		}
	}
	proxies, err := parseProxies(c.TrustedProxies)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("web config: %w", err)
	}
	return proxies, nil
}

// parseProxies turns IPs and CIDRs into networks.
func parseProxies(list []string) ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			ip, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an IP or CIDR", s)
			}
			s = netip.PrefixFrom(ip, ip.BitLen()).String()
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

// isLoopback reports whether addr's host is a loopback IP or "localhost".
// An empty host (all interfaces) is not loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
