package source

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/sync/errgroup"

	"github.com/newsrag/newsrag/corpus"
)

// loadURL fetches one URL source: a feed or an article page. A source that
// fails, or answers 304 Not Modified, gives its previous articles.
func (r *load) loadURL(ctx context.Context, src string) {
	var v validators
	if old, ok := r.old.Sources[src]; ok {
		if _, complete := r.previousOf(old); complete {
			v = old.validators
		}
	}
	resp, err := r.fetcher.get(ctx, src, v)
	if err != nil {
		r.count(func(s *Stats) { s.Failed++ })
		r.skip(src, err)
		r.keepPrevious(src)
		return
	}
	if resp.notModified {
		r.count(func(s *Stats) { s.NotModified++ })
		r.keepPrevious(src)
		return
	}
	r.count(func(s *Stats) { s.Fetched++ })
	switch {
	case gofeed.DetectFeedType(bytes.NewReader(resp.body)) != gofeed.FeedTypeUnknown:
		err = r.loadFeed(ctx, src, resp)
	case isHTML(resp):
		var a corpus.Article
		if a, err = pageArticle(resp); err == nil {
			r.add(src, sourceState{validators: resp.validators, Articles: []articleRef{refOf(a)}}, nil, a)
		}
	default:
		err = fmt.Errorf("neither a feed nor an HTML page (Content-Type %q)", resp.contentType)
	}
	if err != nil {
		r.count(func(s *Stats) { s.Failed++ })
		r.skip(src, err)
		r.keepPrevious(src)
	}
}

// loadFeed reads a feed's entries, at most FetchConfig.MaxEntries of them.
func (r *load) loadFeed(ctx context.Context, src string, resp *response) error {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(resp.body))
	if err != nil {
		return fmt.Errorf("reading the feed: %w", err)
	}
	items := feed.Items[:min(len(feed.Items), r.opts.Fetch.MaxEntries)]
	type entry struct {
		article corpus.Article
		link    string
		state   entryState
		ok      bool
	}
	entries := make([]entry, len(items))
	g := new(errgroup.Group)
	g.SetLimit(r.opts.Concurrency)
	for i, it := range items {
		g.Go(func() error {
			a, link, st, err := r.loadEntry(ctx, feed, resp.url, it)
			if err != nil {
				r.skip(firstNonEmpty(link, src+" entry "+fmt.Sprint(i+1)), err)
				return nil
			}
			entries[i] = entry{a, link, st, true}
			return nil
		})
	}
	g.Wait()
	st := sourceState{validators: resp.validators}
	states := map[string]entryState{}
	var arts []corpus.Article
	for _, e := range entries {
		if !e.ok {
			continue
		}
		arts = append(arts, e.article)
		st.Articles = append(st.Articles, refOf(e.article))
		states[e.link] = e.state
	}
	r.add(src, st, states, arts...)
	return nil
}

// loadEntry turns a feed entry into an article. The entry's page is
// fetched and its main text used, unless the feed's own content is longer
// (a feed with full text, a page behind a paywall); when the page cannot
// be fetched or read, the feed's content is used and the reason recorded
// in Result.Fallbacks. The feed's metadata comes first; the page fills
// what it lacks, and gives the outlet (og:site_name, else the feed's
// title) and the canonical URL. An entry known from an earlier load, and
// not updated since, is its previous article, without a request.
func (r *load) loadEntry(ctx context.Context, feed *gofeed.Feed, base *url.URL, it *gofeed.Item) (corpus.Article, string, entryState, error) {
	link := resolve(base, it.Link)
	if link == "" && strings.Contains(it.GUID, "://") {
		link = resolve(base, it.GUID)
	}
	if link == "" {
		return corpus.Article{}, "", entryState{}, fmt.Errorf("entry %q has no link", it.Title)
	}
	updated := it.Updated + "|" + it.Published
	if e, ok := r.old.Entries[link]; ok && e.Updated == updated {
		if a, ok := r.prev[e.ID]; ok {
			r.count(func(s *Stats) { s.Reused++ })
			return a, link, e, nil
		}
	}

	page, pageErr := r.fetchPage(ctx, link)
	content := feedContent(it)
	var a corpus.Article
	switch {
	case pageErr == nil && len(page.Text) >= len(content.Text):
		a = page
	case content.Text != "":
		a = content
		if pageErr != nil {
			r.mu.Lock()
			r.res.Fallbacks = append(r.res.Fallbacks, corpus.Skipped{Path: link, Reason: pageErr.Error()})
			r.mu.Unlock()
			r.opts.Logger.Warn("using the feed's text", "entry", link, "err", pageErr)
		}
	default:
		if e, ok := r.old.Entries[link]; ok {
			if a, ok := r.prev[e.ID]; ok { // keep what the index has
				r.opts.Logger.Warn("keeping the indexed article", "entry", link, "err", pageErr)
				return a, link, e, nil
			}
		}
		return corpus.Article{}, link, entryState{}, fmt.Errorf("page: %w; the feed has no text for it", pageErr)
	}
	a.Title = firstNonEmpty(strings.Join(strings.Fields(it.Title), " "), page.Title, a.Title)
	a.Outlet = firstNonEmpty(page.Outlet, strings.TrimSpace(feed.Title))
	a.Author = firstNonEmpty(itemAuthor(it), page.Author)
	a.Published = firstTime(it.PublishedParsed, it.UpdatedParsed, page.Published)
	a.URL = firstNonEmpty(page.URL, link)
	a.ID, a.Path, a.Alternates = canonicalID(a.URL), a.URL, nil
	a.Hash = corpus.Hash(a)
	return a, link, entryState{ID: a.ID, Updated: updated}, nil
}

// fetchPage fetches and reads an entry's page.
func (r *load) fetchPage(ctx context.Context, link string) (corpus.Article, error) {
	resp, err := r.fetcher.get(ctx, link, validators{})
	if err != nil {
		r.count(func(s *Stats) { s.Failed++ })
		return corpus.Article{}, err
	}
	r.count(func(s *Stats) { s.Fetched++ })
	if !isHTML(resp) {
		return corpus.Article{}, fmt.Errorf("not an HTML page (Content-Type %q)", resp.contentType)
	}
	return pageArticle(resp)
}

// pageArticle reads an article page. Its URL is the page's canonical URL,
// else the URL it was fetched from (after redirects).
func pageArticle(resp *response) (corpus.Article, error) {
	a, err := corpus.ParseHTML(resp.body)
	if err != nil {
		return corpus.Article{}, fmt.Errorf("reading the page: %w", err)
	}
	a.URL = firstNonEmpty(resolve(resp.url, a.URL), resp.url.String())
	a.ID, a.Path = canonicalID(a.URL), a.URL
	a.Hash = corpus.Hash(a)
	return a, nil
}

// feedContent is the article a feed entry's own content (or, lacking it,
// its description) makes; its Text is empty when the entry has none.
func feedContent(it *gofeed.Item) corpus.Article {
	html := firstNonEmpty(it.Content, it.Description)
	if html == "" {
		return corpus.Article{}
	}
	a, err := corpus.ParseHTML([]byte("<html><body><article>" + html + "</article></body></html>"))
	if err != nil {
		return corpus.Article{}
	}
	return a
}

// itemAuthor returns the names of an entry's authors.
func itemAuthor(it *gofeed.Item) string {
	var names []string
	for _, p := range it.Authors {
		if p != nil && strings.TrimSpace(p.Name) != "" {
			names = append(names, strings.TrimSpace(p.Name))
		}
	}
	return strings.Join(names, ", ")
}

// firstTime returns the first date given, in UTC to the second.
func firstTime(parsed, updated *time.Time, fallback time.Time) time.Time {
	for _, t := range []*time.Time{parsed, updated} {
		if t != nil && !t.IsZero() {
			return t.UTC().Truncate(time.Second)
		}
	}
	return fallback
}

// resolve makes ref absolute against base; "" when ref is empty or not an
// http(s) URL.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if checkScheme(u) != nil {
		return ""
	}
	return u.String()
}

// trackingParams are query parameters that say where a reader came from,
// not which article: they are not part of an article's ID.
var trackingParams = []string{"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid"}

// canonicalID turns an article's URL into its ID: host (lower case, port
// only when not the scheme's default) and path, without the scheme, the
// fragment, a trailing slash or tracking parameters (utm_*, fbclid, ...).
// http and https copies of a page are one article.
func canonicalID(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	host := strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && !(u.Scheme == "http" && p == "80") && !(u.Scheme == "https" && p == "443") {
		host += ":" + p
	}
	p := path.Clean("/" + u.EscapedPath())
	if p == "/" {
		p = ""
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "utm_") || containsFold(trackingParams, k) {
			q.Del(k)
		}
	}
	id := host + p
	if enc := q.Encode(); enc != "" {
		id += "?" + enc
	}
	return id
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// refOf is how the state file names an article.
func refOf(a corpus.Article) articleRef { return articleRef{ID: a.ID, Published: a.Published} }

// firstNonEmpty returns the first of its arguments that is not blank.
func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
