package corpus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// DefaultMaxFileSize is the default of LoadOptions.MaxFileSize: 10 MiB.
const DefaultMaxFileSize int64 = 10 << 20

// DefaultMaxTextBytes is the default of LoadOptions.MaxTextBytes: 1 MiB,
// about 150,000 words, far more than any news article.
const DefaultMaxTextBytes = 1 << 20

// ErrTooMuchText: a file holds more text than LoadOptions.MaxTextBytes.
var ErrTooMuchText = errors.New("too much text")

// LoadOptions configures Load and LoadFS. The zero value is ready to use.
type LoadOptions struct {
	// MaxFileSize is the largest file, in bytes, that is read; larger files
	// are skipped. Default: DefaultMaxFileSize (10 MiB).
	MaxFileSize int64
	// MaxTextBytes is the most text, in bytes, one file may hold; files
	// with more are skipped. It bounds what a small compressed file (a PDF
	// whose streams inflate a thousandfold) costs to extract, chunk and
	// embed. Default: DefaultMaxTextBytes (1 MiB).
	MaxTextBytes int
	// Progress, if set, is called once the files to read are known, with
	// done = 0, and again after each of them has been read or skipped, with
	// the number done so far and the total. Calls are never concurrent.
	// Default: nil.
	Progress func(done, total int)
}

// LoadResult is what a load found.
type LoadResult struct {
	// Articles are the articles read, sorted by ID.
	Articles []Article
	// Skipped are the files that look like articles but could not be read,
	// sorted by path.
	Skipped []Skipped
}

// Skipped is a file that was not loaded, and why.
type Skipped struct {
	// Path is the file's path relative to the corpus root, slash-separated.
	Path string `json:"path"`
	// Reason says why the file was skipped, e.g. "invalid UTF-8".
	Reason string `json:"reason"`
}

// parser turns a file's content into an article with its metadata and raw
// text. The loader fills in ID, Path and Hash, normalises the text and
// falls back to the file name for a missing title. Parsers of compressed
// formats stop once the text passes maxText bytes (the loader checks the
// others' text afterwards: it is no larger than the file).
type parser func(data []byte, maxText int) (Article, error)

// format is how the loader reads one kind of file.
type format struct {
	parse parser
	// binary formats are not text, so the file itself is not checked for
	// NUL bytes and invalid UTF-8 (the text parsed from it still is).
	binary bool
	// toUTF8, if set, decodes the file into UTF-8 before it is checked.
	toUTF8 func([]byte) []byte
}

// formats maps a lower-case file extension to its format.
var formats = map[string]format{
	".md":       {parse: uncompressed(parseMarkdown)},
	".markdown": {parse: uncompressed(parseMarkdown)},
	".txt":      {parse: uncompressed(parseText)},
	".html":     {parse: uncompressed(parseHTML), toUTF8: htmlToUTF8},
	".htm":      {parse: uncompressed(parseHTML), toUTF8: htmlToUTF8},
	".pdf":      {parse: parsePDF, binary: true},
}

// uncompressed makes a parser of a format whose text is never larger than
// its file: it need not watch the text limit as it goes.
func uncompressed(parse func([]byte) (Article, error)) parser {
	return func(data []byte, _ int) (Article, error) { return parse(data) }
}

// unsupportedDocuments are document formats newsrag cannot read. Files with
// these extensions are reported as skipped, so a user sees why their
// article is missing; files with any other unknown extension (images,
// stylesheets, data files, ...) are ignored silently.
var unsupportedDocuments = map[string]bool{
	".doc": true, ".docx": true, ".odt": true, ".rtf": true, ".pages": true,
	".epub": true, ".mobi": true, ".azw": true, ".azw3": true, ".djvu": true,
	".xhtml": true, ".mhtml": true, ".mht": true, ".rst": true, ".adoc": true,
	".tex": true, ".org": true,
}

// Load reads every article under dir: see LoadFS. A missing dir, or one
// that is not a directory, is an error. Symbolic links are followed only
// while they stay inside dir: a link to a file elsewhere (say,
// notes.txt -> /etc/passwd) is skipped, so that nothing outside the
// corpus is indexed and served.
func Load(ctx context.Context, dir string, opts LoadOptions) (*LoadResult, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("corpus: %s is not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	defer root.Close()
	res, err := LoadFS(ctx, root.FS(), opts)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", dir, err)
	}
	return res, nil
}

// LoadFS reads every article in fsys: Markdown (.md, .markdown) with
// optional YAML front matter, plain text (.txt), HTML (.html, .htm) and PDF
// (.pdf), found recursively. Hidden files and directories (names starting
// with ".") are ignored, as are files of unknown types; files that look
// like documents in a format newsrag cannot read (.docx, .rtf, ...) are
// skipped with a reason.
//
// A bad file never stops the load: an unreadable file, a file larger than
// opts.MaxFileSize, broken front matter, binary content or invalid UTF-8,
// a malformed PDF, a file without text, or a second file with the same ID
// ("a.md" and "a.txt") is reported in LoadResult.Skipped and the load goes
// on. LoadFS returns an error only when the root of fsys cannot be read or
// ctx is done (checked between files: a file being parsed is finished).
func LoadFS(ctx context.Context, fsys fs.FS, opts LoadOptions) (*LoadResult, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.MaxTextBytes <= 0 {
		opts.MaxTextBytes = DefaultMaxTextBytes
	}
	res := &LoadResult{}
	var paths []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			if p == "." {
				return err
			}
			res.Skipped = append(res.Skipped, Skipped{Path: p, Reason: "unreadable: " + errReason(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		ext := strings.ToLower(path.Ext(p))
		switch {
		case formats[ext].parse != nil:
			paths = append(paths, p)
		case unsupportedDocuments[ext]:
			res.Skipped = append(res.Skipped, Skipped{Path: p, Reason: fmt.Sprintf("unsupported format %s (convert it to .md, .txt, .html or .pdf)", ext)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walking corpus: %w", err)
	}

	articles, skipped, err := loadFiles(ctx, fsys, paths, opts)
	if err != nil {
		return nil, err
	}
	res.Skipped = append(res.Skipped, skipped...)
	// IDs must be unique: of files that differ only in extension
	// ("a.md", "a.txt"), the first by path is kept.
	slices.SortFunc(articles, func(a, b Article) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Path, b.Path))
	})
	for i, a := range articles {
		if i > 0 && a.ID == res.Articles[len(res.Articles)-1].ID {
			kept := res.Articles[len(res.Articles)-1].Path
			res.Skipped = append(res.Skipped, Skipped{Path: a.Path, Reason: fmt.Sprintf("duplicate ID %q (%s has it)", a.ID, kept)})
			continue
		}
		res.Articles = append(res.Articles, a)
	}
	slices.SortFunc(res.Skipped, func(a, b Skipped) int { return cmp.Compare(a.Path, b.Path) })
	return res, nil
}

// loadFiles reads and parses paths on a few goroutines.
func loadFiles(ctx context.Context, fsys fs.FS, paths []string, opts LoadOptions) ([]Article, []Skipped, error) {
	type result struct {
		article Article
		reason  string
	}
	results := make([]result, len(paths))
	jobs := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex // serialises Progress calls
		done int
	)
	if opts.Progress != nil {
		opts.Progress(0, len(paths))
	}
	workers := min(runtime.GOMAXPROCS(0), len(paths))
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				a, reason := loadFile(fsys, paths[i], opts)
				results[i] = result{a, reason}
				mu.Lock()
				done++
				if opts.Progress != nil {
					opts.Progress(done, len(paths))
				}
				mu.Unlock()
			}
		})
	}
feed:
	for i := range paths {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}

	var articles []Article
	var skipped []Skipped
	for i, r := range results {
		if r.reason != "" {
			skipped = append(skipped, Skipped{Path: paths[i], Reason: r.reason})
			continue
		}
		articles = append(articles, r.article)
	}
	return articles, skipped, nil
}

// loadFile reads one article. On failure it returns the reason to skip it.
func loadFile(fsys fs.FS, p string, opts LoadOptions) (a Article, reason string) {
	defer func() {
		// A parser bug on hostile input must not take the whole load down.
		if r := recover(); r != nil {
			a, reason = Article{}, fmt.Sprintf("cannot parse: %v", r)
		}
	}()
	data, reason := readFile(fsys, p, opts.MaxFileSize)
	if reason != "" {
		return Article{}, reason
	}
	f := formats[strings.ToLower(path.Ext(p))]
	if f.toUTF8 != nil {
		data = f.toUTF8(data)
	}
	if !f.binary {
		if reason := checkText(data); reason != "" {
			return Article{}, reason
		}
	}
	a, err := f.parse(data, opts.MaxTextBytes)
	if err == nil && len(a.Text) > opts.MaxTextBytes {
		err = fmt.Errorf("%w: %d bytes", ErrTooMuchText, len(a.Text))
	}
	if errors.Is(err, ErrTooMuchText) {
		return Article{}, fmt.Sprintf("%v (the limit is %d)", err, opts.MaxTextBytes)
	}
	if err != nil {
		return Article{}, err.Error()
	}
	if reason := checkText([]byte(a.Text)); reason != "" {
		return Article{}, reason
	}
	a.Text = normalizeText(a.Text)
	if a.Text == "" {
		return Article{}, "no text"
	}
	a.Path = p
	a.ID = strings.TrimSuffix(p, path.Ext(p))
	if a.Title == "" {
		a.Title = fileTitle(p)
	}
	a.Hash = computeHash(a)
	return a, ""
}

// readFile returns the content of the regular file p, or the reason it
// cannot be read. Files over maxSize are refused before they are read.
func readFile(fsys fs.FS, p string, maxSize int64) ([]byte, string) {
	info, err := fs.Stat(fsys, p) // follows symbolic links, within the root for Load
	if err != nil {
		if li, lerr := fs.Lstat(fsys, p); lerr == nil && li.Mode()&fs.ModeSymlink != 0 && !errors.Is(err, fs.ErrNotExist) {
			return nil, "a symbolic link to outside the corpus directory (not followed)"
		}
		return nil, "unreadable: " + errReason(err)
	}
	if !info.Mode().IsRegular() {
		return nil, "not a regular file"
	}
	if info.Size() > maxSize {
		return nil, fmt.Sprintf("too large: %d bytes (the limit is %d)", info.Size(), maxSize)
	}
	f, err := fsys.Open(p)
	if err != nil {
		return nil, "unreadable: " + errReason(err)
	}
	defer f.Close()
	// The file may have grown since Stat: never read more than the limit.
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, "unreadable: " + errReason(err)
	}
	if int64(len(data)) > maxSize {
		return nil, fmt.Sprintf("too large: over %d bytes", maxSize)
	}
	return data, ""
}

// errReason describes a file-system error without repeating the path,
// which Skipped already holds.
func errReason(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}
