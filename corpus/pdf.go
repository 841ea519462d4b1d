package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ledongthuc/pdf"
)

// maxPDFPages bounds the page count a PDF may claim, so that a hostile
// file cannot keep the loader busy for ever.
const maxPDFPages = 100_000

// pdfContentPerText bounds the decompressed page content a PDF may have,
// as a multiple of the text limit: content streams hold positioning and
// drawing operators besides the text, but a small file whose streams
// inflate far beyond that is a decompression bomb.
const pdfContentPerText = 8

// parsePDF reads the text of a PDF, page by page, with pages separated by
// blank lines. The title is the document's Title metadata, if any. A PDF
// without a text layer (a scan) has no text and is skipped by the loader.
// Encrypted PDFs are not supported.
//
// PDF streams are compressed, so a small file can hold gigabytes of text:
// parsePDF fails as soon as the text passes maxText bytes, or the page
// content it has to decompress passes pdfContentPerText times that.
func parsePDF(data []byte, maxText int) (a Article, err error) {
	defer func() {
		// The PDF reader panics on some malformed files.
		if r := recover(); r != nil {
			a, err = Article{}, fmt.Errorf("malformed PDF: %v", r)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return Article{}, fmt.Errorf("reading PDF: %w", err)
	}
	n := r.NumPage()
	if n <= 0 {
		return Article{}, errors.New("reading PDF: no pages")
	}
	if n > maxPDFPages {
		return Article{}, fmt.Errorf("reading PDF: %d pages (the limit is %d)", n, maxPDFPages)
	}
	fonts := make(map[string]*pdf.Font)
	var pages []string
	contentLeft, textLen := int64(pdfContentPerText)*int64(maxText), 0
	for i := 1; i <= n; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		if contentLeft -= contentSize(p.V.Key("Contents"), contentLeft); contentLeft < 0 {
			return Article{}, fmt.Errorf("PDF pages decompress to over %d bytes of content (a decompression bomb?)", pdfContentPerText*maxText)
		}
		text, err := p.GetPlainText(fonts)
		if err != nil {
			return Article{}, fmt.Errorf("reading PDF page %d: %w", i, err)
		}
		if text = pdfPageText(text); text != "" {
			pages = append(pages, text)
			if textLen += len(text) + 2; textLen > maxText {
				return Article{}, fmt.Errorf("%w: over %d bytes of text", ErrTooMuchText, maxText)
			}
		}
	}
	title := r.Trailer().Key("Info").Key("Title").Text()
	return Article{
		Title: collapseSpace(strings.ToValidUTF8(title, "")),
		Text:  strings.Join(pages, "\n\n"),
	}, nil
}

// contentSize returns the decompressed size of a page's content (a stream
// or an array of streams), reading no more than limit+1 bytes of it.
func contentSize(v pdf.Value, limit int64) int64 {
	var streams []pdf.Value
	if v.Kind() == pdf.Array {
		for i := range v.Len() {
			streams = append(streams, v.Index(i))
		}
	} else {
		streams = []pdf.Value{v}
	}
	var n int64
	for _, s := range streams {
		if s.Kind() != pdf.Stream {
			continue
		}
		rc := s.Reader()
		m, _ := io.Copy(io.Discard, io.LimitReader(rc, limit+1-n))
		rc.Close()
		if n += m; n > limit {
			break
		}
	}
	return n
}

// pdfPageText tidies the text of one page: each line is trimmed and blank
// lines are dropped, so the only blank lines in the article are the ones
// between pages.
func pdfPageText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var lines []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(strings.ReplaceAll(line, "\x00", "")); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}
