package corpus

import "time"

// Article is one news article: its metadata and its full text.
type Article struct {
	// ID is stable across runs: the file's path relative to the corpus root,
	// with forward slashes and without its extension (e.g. "world/kabul-fall").
	ID string `json:"id"`
	// Path is the file's path relative to the corpus root, extension included.
	Path      string    `json:"path"`
	Title     string    `json:"title"`
	Outlet    string    `json:"outlet,omitempty"`
	Published time.Time `json:"published,omitzero"`
	URL       string    `json:"url,omitempty"`
	Author    string    `json:"author,omitempty"`
	// Text is the article body as plain text, without front matter.
	Text string `json:"text"`
	// Hash is the hex SHA-256 of the metadata and text; it changes whenever
	// anything an index stores about the article changes.
	Hash string `json:"hash"`
}
