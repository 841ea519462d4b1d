// Package source loads articles from the places news comes from:
// directories of files (read with corpus.Load), RSS, Atom and JSON feeds,
// article pages, and list files naming any of them. It knows the web and
// files; like corpus, it knows nothing about vectors or indexes.
//
// # Feeds and pages
//
// Feeds are parsed with gofeed. Each entry's page is fetched and its main
// text extracted with corpus.ParseHTML; when the page cannot be fetched or
// read, the feed's own content is used. The entry's metadata comes first,
// the page fills what it lacks (og:title, og:site_name as the outlet,
// article:published_time or JSON-LD datePublished, author) and gives the
// canonical URL. An article's ID is that URL without its scheme, fragment,
// trailing slash and tracking parameters, so a story found twice is one
// article.
//
// # Politeness
//
// Every request names newsrag in its User-Agent, obeys the site's
// robots.txt (read once a day per site; redirect targets are checked
// too), runs at most FetchConfig.PerHost
// at a time per site, ends after FetchConfig.Timeout, reads at most
// FetchConfig.MaxBytes and follows at most FetchConfig.MaxRedirects
// redirects, to http and https URLs only. Each source's ETag and
// Last-Modified are kept in a small state file (Options.StateFile) and
// sent back, so an unchanged feed costs one 304 Not Modified; entries read
// before are not fetched again unless the feed says they were updated.
//
// # Failures
//
// A feed, entry or page that fails is reported in Result.Skipped and the
// load goes on; a source that fails keeps the articles it gave before, so
// one bad fetch never empties an index.
//
// # Duplicates and retention
//
// The articles of all sources go through corpus.Dedup: syndicated and
// updated copies of a story are kept once, the other copies listed as its
// alternates. Options.Retention drops articles older than it.
package source
