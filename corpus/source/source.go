package source

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/newsrag/newsrag/corpus"
)

// ErrBadSource is wrapped by errors about a source that is neither a
// directory, a list file nor an http(s) URL.
var ErrBadSource = errors.New("bad source")

// Options configures a Loader. The zero value is ready to use.
type Options struct {
	// Fetch bounds the fetching of feeds and pages.
	Fetch FetchConfig
	// StateFile keeps cache validators and known feed entries between
	// loads (normally sources.json in the data directory). Empty: nothing
	// is remembered, every load fetches everything.
	StateFile string
	// Dedup configures near-duplicate detection.
	Dedup corpus.DedupOptions
	// Retention, if positive, drops articles published longer ago than
	// this (articles without a date are kept). Default: 0, keep all.
	Retention time.Duration
	// Now is the current time, for Retention. Default: time.Now.
	Now func() time.Time
	// Dir configures the loading of directories.
	Dir corpus.LoadOptions
	// Concurrency is how many sources, and entries of one feed, are read
	// at once (FetchConfig.PerHost still bounds each site). Default: 4.
	Concurrency int
	// Logger receives warnings (a page read from the feed instead, a
	// state file ignored). Default: discard.
	Logger *slog.Logger
}

// Stats counts what a load did.
type Stats struct {
	// Fetched is the feeds and pages downloaded (HTTP 200).
	Fetched int `json:"fetched"`
	// NotModified is the feeds and pages that answered 304 Not Modified.
	NotModified int `json:"not_modified"`
	// Reused is the feed entries known from an earlier load and not
	// fetched again.
	Reused int `json:"reused"`
	// Failed is the feeds and pages that could not be fetched or read.
	Failed int `json:"failed"`
	// Duplicates is the copies folded into another article.
	Duplicates int `json:"duplicates"`
	// Expired is the articles dropped by the retention.
	Expired int `json:"expired"`
}

// Result is what a load found.
type Result struct {
	// Articles are the articles of every source, de-duplicated, sorted by ID.
	Articles []corpus.Article
	// Skipped are the files, feeds, entries and pages that gave no
	// article, with why.
	Skipped []corpus.Skipped
	// Fallbacks are the entries whose page could not be used, with why:
	// their text is the feed's own.
	Fallbacks []corpus.Skipped
	// Stats counts requests and outcomes.
	Stats Stats
}

// Loader reads articles from sources. It remembers robots.txt rules
// between loads, so a long-lived Loader (a server refreshing its sources)
// asks each site for them once a day. A Loader is safe for concurrent use,
// but loads are serialised.
type Loader struct {
	opts    Options
	fetcher *fetcher
	dedup   *corpus.Deduper // keeps texts' signatures from one load to the next
	mu      sync.Mutex      // one load at a time: they share the state file
}

// New returns a Loader.
func New(opts Options) *Loader {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Fetch = opts.Fetch.withDefaults()
	return &Loader{opts: opts, fetcher: newFetcher(opts.Fetch), dedup: corpus.NewDeduper(opts.Dedup)}
}

// Load reads every source and returns their articles, de-duplicated:
//
//   - a directory is read with corpus.Load;
//   - an http or https URL is fetched: an RSS, Atom or JSON feed gives an
//     article per entry (its page fetched and its main text extracted,
//     else the feed's own content), an HTML page gives one article;
//   - any other file lists sources, one per line (directories or URLs;
//     blank lines and lines starting with # are ignored, as is a # comment
//     after a source).
//
// previous are the articles indexed now. A feed that answers 304 Not
// Modified, an entry already read, and a source that fails this time give
// their previous articles again, so a failing source never empties the
// index. An article's ID is its canonical URL without the scheme
// ("example.com/news/story"), so a story found twice is one article.
//
// Load returns an error only for a source it cannot make sense of (wrapping
// ErrBadSource), a directory or list file it cannot read, or ctx ending;
// a feed or page that fails is reported in Result.Skipped.
func (l *Loader) Load(ctx context.Context, sources []string, previous []corpus.Article) (*Result, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	expanded, err := expand(sources)
	if err != nil {
		return nil, err
	}
	old, err := readState(l.opts.StateFile)
	if err != nil {
		l.opts.Logger.Warn("fetching every source again", "err", err)
	}
	run := &load{Loader: l, old: old, next: newState(), res: &Result{}, prev: indexPrevious(previous)}
	if l.opts.Retention > 0 {
		run.cutoff = l.opts.Now().Add(-l.opts.Retention)
	}

	gctx, cancel := context.WithCancel(ctx) // a directory that fails stops the fetching
	defer cancel()
	g := new(errgroup.Group)
	g.SetLimit(l.opts.Concurrency)
	dirIDs := map[string]string{} // article ID → the directory it came from
	var dirErr error
	for _, src := range expanded {
		if !isURL(src) {
			if dirErr = run.loadDir(gctx, src, dirIDs); dirErr != nil {
				cancel()
				break
			}
			continue
		}
		g.Go(func() error {
			run.loadURL(gctx, src)
			return nil
		})
	}
	g.Wait() // loadURL reports its failures in the result, never as an error
	if err := cmp.Or(dirErr, ctx.Err()); err != nil {
		return nil, err
	}

	res := run.res
	n := len(run.articles)
	res.Articles = l.dedup.Dedup(run.articles)
	res.Stats.Duplicates = n - len(res.Articles) - run.sameID()
	if !run.cutoff.IsZero() {
		kept := res.Articles[:0]
		for _, a := range res.Articles {
			if !a.Published.IsZero() && a.Published.Before(run.cutoff) {
				res.Stats.Expired++
				continue
			}
			kept = append(kept, a)
		}
		res.Articles = kept
	}
	byPath := func(a, b corpus.Skipped) int { return cmp.Compare(a.Path, b.Path) }
	slices.SortFunc(res.Skipped, byPath)
	slices.SortFunc(res.Fallbacks, byPath)
	if err := run.next.write(l.opts.StateFile); err != nil {
		l.opts.Logger.Warn("the next load will fetch everything again", "err", err)
	}
	return res, nil
}

// expand replaces list files by the sources they list and checks every
// source's form.
func expand(sources []string) ([]string, error) {
	var out []string
	for _, src := range sources {
		src = strings.TrimSpace(src)
		if src == "" {
			continue
		}
		if strings.Contains(src, "://") {
			if err := checkURL(src); err != nil {
				return nil, err
			}
			out = append(out, src)
			continue
		}
		info, err := os.Stat(src)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadSource, err)
		}
		if info.IsDir() {
			out = append(out, src)
			continue
		}
		listed, err := readList(src)
		if err != nil {
			return nil, err
		}
		out = append(out, listed...)
	}
	return out, nil
}

// readList reads a list file: one directory or URL per line, # comments.
// Relative directories are relative to the list file.
func readList(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the source list: %w", err)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fmt.Errorf("%w: %s is neither a directory nor a list of sources (binary content)", ErrBadSource, path)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, " #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.Contains(line, "://") {
			if err := checkURL(line); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			out = append(out, line)
			continue
		}
		dir := line
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(filepath.Dir(path), dir)
		}
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return nil, fmt.Errorf("%w: %s:%d: %q is neither an http(s) URL nor a directory", ErrBadSource, path, n, line)
		}
		out = append(out, dir)
	}
	return out, sc.Err()
}

// checkURL accepts absolute http and https URLs.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%w: %q: %w", ErrBadSource, s, err)
	}
	if err := checkScheme(u); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	return nil
}

func isURL(src string) bool { return strings.Contains(src, "://") }

// load is one run of Loader.Load.
type load struct {
	*Loader
	old, next *state
	prev      previousArticles
	cutoff    time.Time

	mu       sync.Mutex // guards what follows, and next
	res      *Result
	articles []corpus.Article
}

// loadDir reads a directory's articles. An ID already given by another
// directory is skipped.
func (r *load) loadDir(ctx context.Context, dir string, ids map[string]string) error {
	res, err := corpus.Load(ctx, dir, r.opts.Dir)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Skipped = append(r.res.Skipped, res.Skipped...)
	for _, a := range res.Articles {
		if other, ok := ids[a.ID]; ok {
			r.res.Skipped = append(r.res.Skipped, corpus.Skipped{Path: filepath.Join(dir, a.Path), Reason: fmt.Sprintf("duplicate ID %q (%s has it)", a.ID, other)})
			continue
		}
		ids[a.ID] = dir
		r.articles = append(r.articles, a)
	}
	return nil
}

// sameID counts the articles that share an ID with another, which Dedup
// merges without their being duplicates in Stats' sense.
func (r *load) sameID() int {
	seen := map[string]bool{}
	n := 0
	for _, a := range r.articles {
		if seen[a.ID] {
			n++
		}
		seen[a.ID] = true
	}
	return n
}

// skip records a source, entry or page that gave no article.
func (r *load) skip(path string, reason error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Skipped = append(r.res.Skipped, corpus.Skipped{Path: path, Reason: reason.Error()})
}

// count updates the statistics.
func (r *load) count(f func(*Stats)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.res.Stats)
}

// add records articles and what the next load should remember of a source.
func (r *load) add(src string, st sourceState, entries map[string]entryState, arts ...corpus.Article) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.articles = append(r.articles, arts...)
	r.next.Sources[src] = st
	for link, e := range entries {
		r.next.Entries[link] = e
	}
}

// previousArticles finds indexed articles by ID, or by the ID of one of
// their alternates.
type previousArticles map[string]corpus.Article

func indexPrevious(arts []corpus.Article) previousArticles {
	p := make(previousArticles, len(arts))
	for _, a := range arts {
		for _, alt := range a.Alternates {
			if _, ok := p[alt.ID]; !ok {
				p[alt.ID] = a
			}
		}
	}
	for _, a := range arts {
		p[a.ID] = a
	}
	return p
}

// keepPrevious gives again the previous articles of a source that failed
// or was not modified, and keeps its state. It reports whether all of them
// were found (an unchanged source whose articles left the index, say after
// a rebuild, must be fetched in full).
func (r *load) keepPrevious(src string) bool {
	st, ok := r.old.Sources[src]
	if !ok {
		return false
	}
	arts, complete := r.previousOf(st)
	entries := map[string]entryState{}
	for link, e := range r.old.Entries {
		if slices.ContainsFunc(st.Articles, func(ref articleRef) bool { return ref.ID == e.ID }) {
			entries[link] = e
		}
	}
	r.add(src, st, entries, arts...)
	return complete
}

// previousOf returns the indexed articles a source gave last time, and
// whether every one still expected (not past the retention) was found.
func (r *load) previousOf(st sourceState) ([]corpus.Article, bool) {
	var arts []corpus.Article
	complete := true
	for _, ref := range st.Articles {
		a, ok := r.prev[ref.ID]
		if !ok {
			if r.cutoff.IsZero() || ref.Published.IsZero() || !ref.Published.Before(r.cutoff) {
				complete = false
			}
			continue
		}
		arts = append(arts, a)
	}
	return arts, complete
}
