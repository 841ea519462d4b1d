package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// Sentinel errors of a fetch, for callers that branch on why it failed.
var (
	// ErrScheme: the URL is not http or https.
	ErrScheme = errors.New("only http and https URLs can be fetched")
	// ErrRobots: the site's robots.txt disallows the URL for newsrag.
	ErrRobots = errors.New("disallowed by robots.txt")
	// ErrTooLarge: the response is larger than FetchConfig.MaxBytes.
	ErrTooLarge = errors.New("response too large")
	// ErrTooManyRedirects: the URL redirects more than FetchConfig.MaxRedirects times.
	ErrTooManyRedirects = errors.New("too many redirects")
)

// DefaultUserAgent is the User-Agent newsrag fetches with; robots.txt rules
// for "newsrag" apply to it.
const DefaultUserAgent = "newsrag/1.0 (+https://github.com/newsrag/newsrag)"

// robotsAgent is the product token robots.txt groups are matched against.
const robotsAgent = "newsrag"

// FetchConfig bounds how feeds and pages are fetched. Zero fields take the
// defaults.
type FetchConfig struct {
	// UserAgent is sent with every request. Default: DefaultUserAgent.
	UserAgent string
	// Timeout bounds each request, from connecting to the last byte of the
	// body. Default: 20s.
	Timeout time.Duration
	// MaxBytes is the largest response body read; larger responses fail
	// with ErrTooLarge. Default: 5 MiB.
	MaxBytes int64
	// PerHost is how many requests run at once against one host.
	// Default: 2.
	PerHost int
	// MaxRedirects is how many redirects a request follows. Default: 5.
	MaxRedirects int
	// MaxEntries is how many entries of one feed are read, newest first
	// as the feed lists them. Default: 200.
	MaxEntries int
}

// DefaultFetchConfig holds the values FetchConfig's zero fields take.
var DefaultFetchConfig = FetchConfig{
	UserAgent:    DefaultUserAgent,
	Timeout:      20 * time.Second,
	MaxBytes:     5 << 20,
	PerHost:      2,
	MaxRedirects: 5,
	MaxEntries:   200,
}

func (c FetchConfig) withDefaults() FetchConfig {
	d := DefaultFetchConfig
	if c.UserAgent == "" {
		c.UserAgent = d.UserAgent
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = d.MaxBytes
	}
	if c.PerHost <= 0 {
		c.PerHost = d.PerHost
	}
	if c.MaxRedirects <= 0 {
		c.MaxRedirects = d.MaxRedirects
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = d.MaxEntries
	}
	return c
}

// validators are a response's cache validators, sent back on the next
// request so that an unchanged resource costs a 304.
type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// response is a fetched resource.
type response struct {
	url         *url.URL // after redirects
	body        []byte
	contentType string
	validators  validators
	notModified bool
}

// fetcher makes polite, bounded GET requests: a User-Agent naming
// newsrag, robots.txt obeyed (for redirect targets too), a few requests per
// host at a time, timeouts, a size limit, bounded redirects, http and https
// only.
type fetcher struct {
	cfg    FetchConfig
	client *http.Client // checks robots.txt on every redirect
	robots *http.Client // fetches robots.txt files themselves

	mu    sync.Mutex
	hosts map[string]*host // by scheme://host:port
}

// host is what the fetcher keeps per site.
type host struct {
	slots chan struct{}

	robotsMu  sync.Mutex
	robotsAt  time.Time             // when robots.txt was fetched; zero: never
	robots    *robotstxt.RobotsData // nil: everything allowed
	robotsErr error
}

// How long a site's robots.txt is trusted: a day when it was read, a
// minute when it could not be (so that one run asks once, the next again).
const (
	robotsTTL      = 24 * time.Hour
	robotsErrorTTL = time.Minute
)

func newFetcher(cfg FetchConfig) *fetcher {
	cfg = cfg.withDefaults()
	f := &fetcher{cfg: cfg, hosts: map[string]*host{}}
	redirects := func(req *http.Request, via []*http.Request) error {
		if len(via) > cfg.MaxRedirects {
			return fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, cfg.MaxRedirects)
		}
		if err := checkScheme(req.URL); err != nil {
			return fmt.Errorf("redirect to %s: %w", req.URL, err)
		}
		return nil
	}
	f.robots = &http.Client{Timeout: cfg.Timeout, CheckRedirect: redirects}
	f.client = &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if err := redirects(req, via); err != nil {
			return err
		}
		return f.allowed(req.Context(), f.host(req.URL), req.URL)
	}}
	return f
}

// checkScheme accepts http and https URLs with a host.
func checkScheme(u *url.URL) error {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: %w", u.Redacted(), ErrScheme)
	}
	return nil
}

// host returns the per-site state of u's site.
func (f *fetcher) host(u *url.URL) *host {
	key := u.Scheme + "://" + u.Host
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.hosts[key]
	if !ok {
		h = &host{slots: make(chan struct{}, f.cfg.PerHost)}
		f.hosts[key] = h
	}
	return h
}

// get fetches rawURL, conditionally when v holds validators (a 304 is
// a response with notModified set). Statuses other than 200 and 304 are
// errors, as are URLs robots.txt disallows. It holds one of the host's
// slots until the body is read.
func (f *fetcher) get(ctx context.Context, rawURL string, v validators) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", rawURL, err)
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	h := f.host(u)
	if err := f.allowed(ctx, h, u); err != nil {
		return nil, err
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	resp, err := f.send(ctx, f.client, u, v)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := &response{
		url:         resp.Request.URL,
		contentType: resp.Header.Get("Content-Type"),
		validators:  validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")},
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.notModified = true
		out.validators = v
		return out, nil
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	case resp.ContentLength > f.cfg.MaxBytes:
		return nil, fmt.Errorf("%w: %d bytes (the limit is %d)", ErrTooLarge, resp.ContentLength, f.cfg.MaxBytes)
	}
	out.body, err = io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	if int64(len(out.body)) > f.cfg.MaxBytes {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, f.cfg.MaxBytes)
	}
	return out, nil
}

// send sends one GET request with client, conditionally when v holds
// validators.
func (f *fetcher) send(ctx context.Context, client *http.Client, u *url.URL, v validators) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.9, */*;q=0.5")
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) && uerr.Timeout() {
			return nil, fmt.Errorf("timed out after %s", f.cfg.Timeout)
		}
		return nil, err
	}
	return resp, nil
}

// allowed checks u against its site's robots.txt, fetched once a day per
// site. A missing robots.txt (4xx) allows everything; a failing one (5xx,
// or no answer) disallows everything, as the robots.txt standard (RFC 9309)
// asks.
func (f *fetcher) allowed(ctx context.Context, h *host, u *url.URL) error {
	h.robotsMu.Lock()
	defer h.robotsMu.Unlock()
	ttl := robotsTTL
	if h.robotsErr != nil {
		ttl = robotsErrorTTL
	}
	if h.robotsAt.IsZero() || time.Since(h.robotsAt) > ttl {
		h.robots, h.robotsErr = f.fetchRobots(ctx, u)
		h.robotsAt = time.Now()
	}
	if h.robotsErr != nil {
		return h.robotsErr
	}
	if h.robots != nil && !h.robots.TestAgent(u.RequestURI(), robotsAgent) {
		return fmt.Errorf("%s: %w", u.Redacted(), ErrRobots)
	}
	return nil
}

// fetchRobots reads the robots.txt of u's site (nil: no rules).
func (f *fetcher) fetchRobots(ctx context.Context, u *url.URL) (*robotstxt.RobotsData, error) {
	robotsURL := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	resp, err := f.send(ctx, f.robots, robotsURL, validators{}) // once a day: no slot needed
	if err != nil {
		return nil, fmt.Errorf("robots.txt unreachable: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512<<10)) // RFC 9309: read at least 500 KiB
	if err != nil {
		return nil, fmt.Errorf("robots.txt unreadable: %w", err)
	}
	data, err := robotstxt.FromStatusAndBytes(resp.StatusCode, body)
	if err != nil {
		return nil, nil // unparseable: treated as absent
	}
	return data, nil
}

// isHTML reports whether a response is an HTML page, by its content type
// or, without one, its first bytes.
func isHTML(r *response) bool {
	ct := strings.ToLower(r.contentType)
	if strings.Contains(ct, "html") {
		return true
	}
	if ct != "" && !strings.HasPrefix(ct, "text/plain") && !strings.Contains(ct, "octet-stream") {
		return false
	}
	return strings.Contains(strings.ToLower(http.DetectContentType(r.body)), "html")
}
