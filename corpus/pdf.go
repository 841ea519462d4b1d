package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/ledongthuc/pdf"
)

// maxPDFPages bounds the page count a PDF may claim, so that a hostile
// file cannot keep the loader busy for ever.
const maxPDFPages = 100_000

// parsePDF reads the text of a PDF, page by page, with pages separated by
// blank lines. The title is the document's Title metadata, if any. A PDF
// without a text layer (a scan) has no text and is skipped by the loader.
// Encrypted PDFs are not supported.
func parsePDF(data []byte) (a Article, err error) {
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
	for i := 1; i <= n; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		text, err := p.GetPlainText(fonts)
		if err != nil {
			return Article{}, fmt.Errorf("reading PDF page %d: %w", i, err)
		}
		if text = pdfPageText(text); text != "" {
			pages = append(pages, text)
		}
	}
	title := r.Trailer().Key("Info").Key("Title").Text()
	return Article{
		Title: collapseSpace(strings.ToValidUTF8(title, "")),
		Text:  strings.Join(pages, "\n\n"),
	}, nil
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
