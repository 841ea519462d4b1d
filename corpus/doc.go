// Package corpus holds the articles newsrag ships as its default corpus and
// the loader that reads a user's directory of articles.
//
// It knows files and formats; it knows nothing about vectors or indexes.
//
// # Default corpus
//
// Default returns the five articles in corpus/articles, embedded in the
// binary. Each is a Markdown file with YAML front matter holding only what
// the article's own text supports, with the evidence for each date in a
// YAML comment; a field the text does not support is left out.
//
// # Loading a directory
//
// Load and LoadFS read every article under a directory, recursively:
//
//   - .md, .markdown: optional YAML front matter (title, outlet or source,
//     published or date as YYYY-MM-DD or RFC 3339, url, author); the body
//     is the text, verbatim. Without a front-matter title, the first
//     "# heading" is the title.
//   - .txt: the first non-empty line is the title, the rest is the text.
//   - .html, .htm: the main content (go-readability), without scripts,
//     styles, navigation, page header and footer, forms or captions; one
//     paragraph per block element. Title, byline, site name, publication
//     time and canonical URL become the metadata. Pages in other encodings
//     are decoded as a browser would (BOM, <meta charset>, sniffing).
//   - .pdf: the text of each page, pages separated by blank lines; the
//     title is the document's Title metadata.
//
// A file that gives no title is titled by its file name without extension.
// An article's ID is its path relative to the root, slash-separated, without
// extension ("world/kabul.md" is "world/kabul"), and its Hash is the SHA-256
// of its metadata and text.
//
// Hidden files and directories (".git", ".DS_Store") and files of unknown
// types (images, stylesheets, ...) are ignored silently. Files that are
// documents in a format the loader cannot read (.docx, .odt, .rtf, .epub,
// ...) are reported as skipped, so a user learns why an article is missing.
// No bad file stops a load: unreadable files, files over
// LoadOptions.MaxFileSize, broken front matter, binary content (NUL bytes),
// invalid UTF-8 (HTML is decoded first, see above), malformed or encrypted
// PDFs, files without text and duplicate IDs are each skipped with a
// reason in LoadResult.Skipped.
//
// Text is normalised lightly and only so: a byte order mark is removed,
// line endings become LF, trailing whitespace is trimmed from each line and
// leading and trailing blank lines are dropped. Paragraphs (blank lines)
// and everything else are kept, so byte offsets into Article.Text are
// stable quotes.
package corpus
