package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-shiori/go-readability"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// droppedHTML are the elements whose content is never article text:
// scripts, styles, navigation, forms, embedded media and photo captions.
const droppedHTML = "script, style, noscript, template, nav, form, button, select, textarea, iframe, svg, canvas, video, audio, figcaption"

// boilerplateHTML are page regions that are not the article: they are
// dropped before the main content is looked for, unless they are inside
// an <article> or <main> element (an article's own header stays).
const boilerplateHTML = "nav, header, footer, aside, [role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true]"

// parseHTML reads an HTML article. The main content is found with
// go-readability (Mozilla's Readability algorithm) after the page's own
// navigation, header, footer and asides are removed; when it finds none,
// the <main> or <article> element, else the <body>, is used. Scripts, styles, navigation, forms and photo
// captions are dropped. Block elements (paragraphs, headings, list items,
// ...) become paragraphs separated by blank lines; whitespace inside a
// paragraph is collapsed, except in <pre>.
//
// The title is readability's (the page's <title> or og:title, with the
// site name removed), else the first <h1>. Byline, site name, publication
// time and the canonical URL fill Author, Outlet, Published and URL.
func parseHTML(data []byte) (Article, error) {
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		return Article{}, fmt.Errorf("parsing HTML: %w", err)
	}
	page := goquery.NewDocumentFromNode(doc)
	a := Article{
		URL: firstNonEmpty(
			attr(page, `link[rel~=canonical]`, "href"),
			attr(page, `meta[property="og:url"]`, "content"),
		),
	}
	meta := pageMetadata(page) // before readability rewrites the document
	page.Find(boilerplateHTML).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.ParentsFiltered("article, main, [role=main]").Length() == 0
	}).Remove()

	var content *html.Node
	if r, err := readability.FromDocument(doc, nil); err == nil {
		a.Title = r.Title
		a.Author = r.Byline
		a.Outlet = r.SiteName
		if r.PublishedTime != nil {
			a.Published = r.PublishedTime.UTC().Truncate(time.Second)
		}
		if r.Node != nil && strings.TrimSpace(r.TextContent) != "" {
			content = r.Node
		}
	}
	if content == nil {
		main := page.Find("main, article, [role=main]").First()
		if main.Length() == 0 {
			main = page.Find("body")
		}
		if main.Length() > 0 {
			content = main.Get(0)
		}
	}
	a.Title = firstNonEmpty(a.Title, meta.Title)
	a.Outlet = firstNonEmpty(a.Outlet, meta.Outlet)
	a.Author = firstNonEmpty(a.Author, meta.Author)
	if a.Published.IsZero() {
		a.Published = meta.Published
	}
	if a.Title == "" {
		a.Title = strings.TrimSpace(page.Find("title").First().Text())
	}
	if a.Title == "" {
		a.Title = collapseSpace(page.Find("h1").First().Text())
	}
	a.Title = collapseSpace(a.Title)
	a.Author = collapseSpace(a.Author)
	a.Outlet = collapseSpace(a.Outlet)
	if content != nil {
		sel := goquery.NewDocumentFromNode(content).Selection
		sel.Find(droppedHTML).Remove()
		a.Text = htmlText(content)
	}
	return a, nil
}

// ParseHTML reads an article page the way Load reads an .html file: the
// page is decoded to UTF-8, its main text extracted and normalised, and its
// metadata read (title, outlet, author, publication time and canonical URL
// from the page's own tags, Open Graph and JSON-LD). ID and Path are left
// empty; Hash is set. A page that is not text, or has no text, is an error.
func ParseHTML(data []byte) (Article, error) {
	data = htmlToUTF8(data)
	if reason := checkText(data); reason != "" {
		return Article{}, errors.New(reason)
	}
	a, err := parseHTML(data)
	if err != nil {
		return Article{}, err
	}
	if reason := checkText([]byte(a.Text)); reason != "" {
		return Article{}, errors.New(reason)
	}
	a.Text = normalizeText(a.Text)
	if a.Text == "" {
		return Article{}, errors.New("no text")
	}
	a.Hash = computeHash(a)
	return a, nil
}

// htmlToUTF8 decodes an HTML page into UTF-8 the way a browser would: by
// its byte order mark, else its <meta charset>, else by sniffing (invalid
// UTF-8 without a declared charset is read as windows-1252). Pages that
// are UTF-8 already are returned unchanged.
func htmlToUTF8(data []byte) []byte {
	enc, name, _ := charset.DetermineEncoding(data, "")
	if name == "utf-8" {
		return data
	}
	decoded, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return data // the UTF-8 check then reports it
	}
	return decoded
}

// attr returns the trimmed attribute of the first element matching sel.
func attr(doc *goquery.Document, sel, name string) string {
	v, _ := doc.Find(sel).First().Attr(name)
	return strings.TrimSpace(v)
}

// blockElements start a new paragraph in the text of an HTML page.
var blockElements = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Div: true, atom.Dl: true,
	atom.Dt: true, atom.Fieldset: true, atom.Figure: true, atom.Footer: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Hgroup: true, atom.Hr: true, atom.Li: true, atom.Main: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Tr: true, atom.Ul: true, atom.Body: true, atom.Html: true,
}

// htmlText renders the text of n: one paragraph per block element, blank
// lines between paragraphs, <br> as a line break.
func htmlText(n *html.Node) string {
	var (
		paragraphs []string
		cur        strings.Builder
	)
	flush := func() {
		if p := strings.TrimSpace(cur.String()); p != "" {
			paragraphs = append(paragraphs, p)
		}
		cur.Reset()
	}
	var walk func(n *html.Node, pre bool)
	walk = func(n *html.Node, pre bool) {
		switch n.Type {
		case html.TextNode:
			if pre {
				cur.WriteString(n.Data)
				return
			}
			s := collapseSpace(n.Data)
			if s == "" {
				if n.Data != "" && cur.Len() > 0 && !strings.HasSuffix(cur.String(), " ") && !strings.HasSuffix(cur.String(), "\n") {
					cur.WriteByte(' ')
				}
				return
			}
			if startsWithSpace(n.Data) && cur.Len() > 0 && !strings.HasSuffix(cur.String(), " ") && !strings.HasSuffix(cur.String(), "\n") {
				cur.WriteByte(' ')
			}
			cur.WriteString(s)
			if endsWithSpace(n.Data) {
				cur.WriteByte(' ')
			}
			return
		case html.CommentNode, html.DoctypeNode:
			return
		case html.ElementNode:
			if n.DataAtom == atom.Br {
				trimTrailingSpace(&cur)
				cur.WriteByte('\n')
				return
			}
		}
		block := n.Type == html.ElementNode && blockElements[n.DataAtom]
		if block {
			flush()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, pre || n.DataAtom == atom.Pre)
		}
		if block {
			flush()
		}
	}
	walk(n, false)
	flush()
	return strings.Join(paragraphs, "\n\n")
}

// collapseSpace replaces runs of white space with one space and trims.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func startsWithSpace(s string) bool { return s != "" && strings.TrimLeft(s, " \t\n\r\f") != s }
func endsWithSpace(s string) bool   { return s != "" && strings.TrimRight(s, " \t\n\r\f") != s }

func trimTrailingSpace(b *strings.Builder) {
	s := strings.TrimRight(b.String(), " ")
	b.Reset()
	b.WriteString(s)
}
