package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"time"
)

// Article is one news article: its metadata and its full text.
type Article struct {
	// ID is stable across runs: the file's path relative to the corpus root,
	// with forward slashes and without its extension (e.g. "world/kabul-fall").
	ID string `json:"id"`
	// Path is the file's path relative to the corpus root, extension included.
	Path string `json:"path"`
	// Title is the headline. It is never empty: when a file gives none, the
	// loader uses the file name without its extension.
	Title string `json:"title"`
	// Outlet is the publication the article appeared in, if known.
	Outlet string `json:"outlet,omitempty"`
	// Published is the publication date, if known (zero otherwise). Dates
	// given as YYYY-MM-DD are midnight UTC.
	Published time.Time `json:"published,omitzero"`
	// URL is where the article was published, if known.
	URL string `json:"url,omitempty"`
	// Author is the byline, if known.
	Author string `json:"author,omitempty"`
	// Text is the article body as plain text, without front matter. Line
	// endings are LF, trailing whitespace is trimmed from every line and
	// paragraphs are separated by blank lines; nothing else is changed, so
	// byte offsets into Text are stable quotes.
	Text string `json:"text"`
	// Hash is the hex SHA-256 of the metadata and text; it changes whenever
	// anything an index stores about the article changes. Alternates are
	// not part of it: they change no chunk or vector.
	Hash string `json:"hash"`
	// Alternates are other copies of this story (syndicated or updated
	// versions under other URLs or outlets) that Dedup folded into it.
	Alternates []Alternate `json:"alternates,omitempty"`
}

// Alternate is another copy of an article's story: where else it was
// published.
type Alternate struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Outlet    string    `json:"outlet,omitempty"`
	Published time.Time `json:"published,omitzero"`
	URL       string    `json:"url,omitempty"`
}

// Hash returns the content hash of a (see Article.Hash). Sources outside
// this package set an article's Hash with it after filling in its fields.
func Hash(a Article) string { return computeHash(a) }

// hashVersion is written first into every hash, so that a change to what is
// hashed changes every hash.
const hashVersion = "newsrag-article-v1"

// computeHash returns the hex SHA-256 over a's metadata (title, outlet,
// published, URL, author) and text. Each field is length-prefixed so that no
// two different articles hash the same input. ID, Path and Hash itself are
// not part of it: the hash says whether the content under an ID changed.
func computeHash(a Article) string {
	h := sha256.New()
	published := ""
	if !a.Published.IsZero() {
		published = a.Published.Format(time.RFC3339Nano)
	}
	for _, field := range []string{hashVersion, a.Title, a.Outlet, published, a.URL, a.Author, a.Text} {
		io.WriteString(h, strconv.Itoa(len(field)))
		io.WriteString(h, ":")
		io.WriteString(h, field)
	}
	return hex.EncodeToString(h.Sum(nil))
}
