package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/rag"
)

// routeMCP is where Server mounts MCP's streamable HTTP transport.
const routeMCP = "/mcp"

// articleURIPrefix starts the URI of every article resource; the article's
// ID, path-escaped segment by segment, follows.
const articleURIPrefix = "newsrag://articles/"

// List paging of list_articles and resources/list.
const (
	defaultListLimit = 50
	maxListLimit     = 500
)

// mcpInstructions tell an MCP client's model what the server is for.
const mcpInstructions = `newsrag answers questions about a corpus of news articles and cites them.
Use ask_news for an answer with numbered citations, search_news for the passages themselves,
list_articles to see what the corpus holds and get_article (or the resource
newsrag://articles/{id}) to read one article in full. Cite articles by title and outlet.`

// NewMCPServer returns a Model Context Protocol server answering from p. Its
// tools are search_news, ask_news, get_article and list_articles; every
// article is also a resource, newsrag://articles/{id}. Bad arguments are
// reported as tool errors whose message says what to fix.
//
// Serve it over stdio with [ServeMCP]; [Server] serves it over streamable
// HTTP at /mcp.
func NewMCPServer(p Pipeline) *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: "newsrag", Title: "newsrag: cited answers from news articles", Version: version()},
		&mcp.ServerOptions{Instructions: mcpInstructions,
			Capabilities: &mcp.ServerCapabilities{Resources: &mcp.ResourceCapabilities{}}})
	t := mcpTools{p: p}
	mcp.AddTool(srv, &mcp.Tool{
		Name:  "search_news",
		Title: "Search the news articles",
		Description: "Find the passages of the news articles that best match a question or topic, best first, " +
			"each with its article's ID, title, outlet, publication date and URL, and its score. " +
			"Optionally only from one outlet or a date range.",
		Annotations: readOnly,
	}, t.search)
	mcp.AddTool(srv, &mcp.Tool{
		Name:  "ask_news",
		Title: "Ask the news articles",
		Description: "Answer a question from the news articles. The answer carries numbered markers [n] that refer to " +
			"the citations (article, outlet, date, quoted passage). When the articles hold no answer, answerable is " +
			"false and the answer says so. Pass earlier turns as history so that a follow-up is understood.",
		Annotations: readOnly,
	}, t.ask)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "get_article",
		Title:       "Read one article",
		Description: "Return one article's full text and metadata (title, outlet, date, URL, author) by its ID, as given by search_news, ask_news or list_articles.",
		Annotations: readOnly,
	}, t.article)
	mcp.AddTool(srv, &mcp.Tool{
		Name:  "list_articles",
		Title: "List the articles",
		Description: "List the articles in the corpus (ID, title, outlet, date, URL, length), sorted by ID, " +
			"optionally only from one outlet or a date range, a page at a time: pass next_offset as offset for the next page.",
		Annotations: readOnly,
	}, t.list)
	srv.AddResourceTemplate(&mcp.ResourceTemplate{
		URITemplate: articleURIPrefix + "{+id}",
		Name:        "article",
		Title:       "News article",
		Description: "One article of the corpus, as Markdown: title, outlet, date and URL, then the full text.",
		MIMEType:    "text/markdown",
	}, t.readArticle)
	srv.AddReceivingMiddleware(t.listResources)
	return srv
}

// ServeMCP serves an MCP server answering from p over r and w
// (newline-delimited JSON-RPC, as on a process's stdin and stdout) until
// ctx is cancelled or r ends. It closes neither.
func ServeMCP(ctx context.Context, p Pipeline, r io.Reader, w io.Writer) error {
	t := &mcp.IOTransport{Reader: io.NopCloser(r), Writer: nopWriteCloser{w}}
	err := NewMCPServer(p).Run(ctx, t)
	if err != nil && ctx.Err() == nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("mcp: %w", err)
	}
	return nil
}

// nopWriteCloser is an io.WriteCloser whose Close does nothing.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// mcpHandler serves the MCP server over streamable HTTP, statelessly: each
// POST is answered on its own, with JSON, so no stream outlives its
// request.
func (s *Server) mcpHandler() http.Handler {
	srv := NewMCPServer(s.p)
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, Logger: s.log})
}

// handleMCP serves POST /mcp: the MCP handler, with the client's rate limit
// in the request context so that a tool's question is charged by its length
// as on the other endpoints.
func (s *Server) handleMCP() echo.HandlerFunc {
	h := s.mcpHandler()
	return func(c echo.Context) error {
		h.ServeHTTP(c.Response(), s.withCharge(c))
		return nil
	}
}

// readOnly annotates tools that change nothing and reach nothing outside
// newsrag (an LLM, when configured, is part of newsrag).
var readOnly = &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: new(bool)}

// version is the module version newsrag was built at, or "devel".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// mcpTools holds the tool and resource handlers.
type mcpTools struct{ p Pipeline }

// filterArgs are the optional filters search_news and list_articles take.
type filterArgs struct {
	Outlet string `json:"outlet,omitempty" jsonschema:"only articles from this outlet, e.g. BBC (case-insensitive)"`
	From   string `json:"from,omitempty" jsonschema:"only articles published on or after this date, YYYY-MM-DD"`
	To     string `json:"to,omitempty" jsonschema:"only articles published on or before this date, YYYY-MM-DD"`
}

// filters parses f.
func (f filterArgs) filters() (rag.Filters, error) {
	out := rag.Filters{Outlet: f.Outlet}
	var err error
	if out.From, err = rag.ParseFrom("from", f.From); err != nil {
		return out, err
	}
	out.To, err = rag.ParseTo("to", f.To)
	return out, err
}

type searchArgs struct {
	Question string `json:"question" jsonschema:"what to look for, in plain words"`
	K        int    `json:"k,omitempty" jsonschema:"how many passages to return, 1 to 50 (default 8)"`
	filterArgs
}

type searchResult struct {
	Passages    []rag.Passage    `json:"passages" jsonschema:"the passages found, best first; n numbers them from 1"`
	Corrections []rag.Correction `json:"corrections,omitempty" jsonschema:"misspelt words of the question corrected before searching: from (as typed) and to (searched for)"`
	Note        string           `json:"note,omitempty" jsonschema:"when nothing was found because no article passes the filters: that, and the corpus' outlets"`
}

func (t mcpTools) search(ctx context.Context, _ *mcp.CallToolRequest, in searchArgs) (*mcp.CallToolResult, searchResult, error) {
	req := rag.Request{Question: in.Question, K: in.K}
	var err error
	if req.Filters, err = in.filters(); err != nil {
		return nil, searchResult{}, toolError(err)
	}
	if err := req.Validate(); err != nil {
		return nil, searchResult{}, toolError(err)
	}
	if err := chargeContext(ctx, req.Question); err != nil {
		return nil, searchResult{}, toolError(err)
	}
	found, err := t.p.Search(ctx, req)
	if err != nil {
		return nil, searchResult{}, toolError(err)
	}
	res := searchResult{Passages: found.Passages, Corrections: found.Corrections}
	if len(found.Passages) == 0 {
		res.Passages = []rag.Passage{}
		res.Note = t.p.FilterMiss(req.Filters)
	}
	return nil, res, nil
}

type askArgs struct {
	Question string     `json:"question" jsonschema:"the question, in plain words"`
	History  []rag.Turn `json:"history,omitempty" jsonschema:"earlier turns of the conversation, oldest first: role is user or assistant"`
}

type askResult struct {
	Answer      string           `json:"answer" jsonschema:"the answer, with markers [n] that refer to citations"`
	Answerable  bool             `json:"answerable" jsonschema:"false when the articles hold no answer to the question"`
	Unsure      bool             `json:"unsure,omitempty" jsonschema:"true when the passages may not answer the question: treat the answer with care"`
	Corrections []rag.Correction `json:"corrections,omitempty" jsonschema:"misspelt words of the question corrected before searching: from (as typed) and to (searched for)"`
	Mode        rag.Mode         `json:"mode" jsonschema:"extracted (sentences quoted from the articles) or generated (written by an LLM)"`
	Citations   []rag.Citation   `json:"citations" jsonschema:"the cited passages: marker number n, article, outlet, date, URL and quote"`
}

func (t mcpTools) ask(ctx context.Context, _ *mcp.CallToolRequest, in askArgs) (*mcp.CallToolResult, askResult, error) {
	req := rag.Request{Question: in.Question, History: in.History}
	if err := req.Validate(); err != nil {
		return nil, askResult{}, toolError(err)
	}
	if err := chargeContext(ctx, req.Question); err != nil {
		return nil, askResult{}, toolError(err)
	}
	ans, err := t.p.Ask(ctx, req, rag.Stream{})
	if err != nil {
		return nil, askResult{}, toolError(err)
	}
	out := askResult{Answer: ans.Answer, Answerable: ans.Answerable, Unsure: ans.Unsure, Corrections: ans.Corrections, Mode: ans.Mode,
		Citations: ans.Citations}
	if out.Citations == nil {
		out.Citations = []rag.Citation{}
	}
	text := &mcp.TextContent{Text: ans.Answer + answerTail(ans)}
	return &mcp.CallToolResult{Content: []mcp.Content{text}}, out, nil
}

type articleArgs struct {
	ID string `json:"id" jsonschema:"the article's ID, e.g. as article_id in search_news results"`
}

func (t mcpTools) article(_ context.Context, _ *mcp.CallToolRequest, in articleArgs) (*mcp.CallToolResult, corpus.Article, error) {
	a, err := t.lookup(in.ID)
	if err != nil {
		return nil, corpus.Article{}, toolError(err)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: articleMarkdown(a)}}}, a, nil
}

// lookup returns the article with ID id.
func (t mcpTools) lookup(id string) (corpus.Article, error) {
	if !validArticleID(id) {
		return corpus.Article{}, fmt.Errorf("%w: %q is not an article ID; list_articles and search_news give the IDs", rag.ErrBadRequest, id)
	}
	return t.p.Article(id)
}

type listArgs struct {
	filterArgs
	Offset int `json:"offset,omitempty" jsonschema:"how many articles to skip (default 0)"`
	Limit  int `json:"limit,omitempty" jsonschema:"how many articles to return, 1 to 500 (default 50)"`
}

type listResult struct {
	Articles []ArticleSummary `json:"articles" jsonschema:"the articles of this page, without their text"`
	Total    int              `json:"total" jsonschema:"how many articles pass the filters"`
	// NextOffset is 0 on the last page.
	NextOffset int `json:"next_offset,omitempty" jsonschema:"the offset of the next page; absent on the last page"`
}

func (t mcpTools) list(_ context.Context, _ *mcp.CallToolRequest, in listArgs) (*mcp.CallToolResult, listResult, error) {
	f, err := in.filters()
	if err != nil {
		return nil, listResult{}, toolError(err)
	}
	if in.Limit == 0 {
		in.Limit = defaultListLimit
	}
	switch {
	case in.Limit < 1 || in.Limit > maxListLimit:
		return nil, listResult{}, fmt.Errorf("limit must be between 1 and %d, got %d", maxListLimit, in.Limit)
	case in.Offset < 0:
		return nil, listResult{}, fmt.Errorf("offset must not be negative, got %d", in.Offset)
	case !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From):
		return nil, listResult{}, fmt.Errorf("'to' (%s) is before 'from' (%s)", in.To, in.From)
	}
	out := listResult{Articles: []ArticleSummary{}}
	for _, a := range t.p.Articles() {
		if !f.Match(a) {
			continue
		}
		if out.Total >= in.Offset && len(out.Articles) < in.Limit {
			out.Articles = append(out.Articles, summarize(a))
		}
		out.Total++
	}
	if next := in.Offset + len(out.Articles); next < out.Total {
		out.NextOffset = next
	}
	return nil, out, nil
}

// readArticle reads the resource newsrag://articles/{id}.
func (t mcpTools) readArticle(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	id, err := url.PathUnescape(strings.TrimPrefix(uri, articleURIPrefix))
	if err != nil {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	a, err := t.lookup(id)
	if err != nil {
		if errors.Is(err, rag.ErrNotFound) || errors.Is(err, rag.ErrBadRequest) {
			return nil, mcp.ResourceNotFoundError(uri)
		}
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{
		{URI: uri, MIMEType: "text/markdown", Text: articleMarkdown(a)},
	}}, nil
}

// listResources answers resources/list with the articles, a page at a
// time (the cursor is the offset of the page), so that the list follows
// the index as it is built or replaced. Other methods pass through.
func (t mcpTools) listResources(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		lr, ok := req.(*mcp.ListResourcesRequest)
		if method != "resources/list" || !ok {
			return next(ctx, method, req)
		}
		offset := 0
		if lr.Params != nil && lr.Params.Cursor != "" {
			n, err := strconv.Atoi(lr.Params.Cursor)
			if err != nil || n < 0 {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("invalid cursor %q", lr.Params.Cursor)}
			}
			offset = n
		}
		arts := t.p.Articles()
		res := &mcp.ListResourcesResult{Resources: []*mcp.Resource{}}
		for _, a := range arts[min(offset, len(arts)):min(offset+maxListLimit, len(arts))] {
			res.Resources = append(res.Resources, &mcp.Resource{
				URI: articleURI(a.ID), Name: a.ID, Title: a.Title, MIMEType: "text/markdown",
				Description: strings.Join(articleMeta(a), ", "), Size: int64(len(a.Text)),
			})
		}
		if offset+maxListLimit < len(arts) {
			res.NextCursor = strconv.Itoa(offset + maxListLimit)
		}
		return res, nil
	}
}

// articleURI is the resource URI of the article with ID id.
func articleURI(id string) string {
	segs := strings.Split(id, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return articleURIPrefix + strings.Join(segs, "/")
}

// articleMeta lists what is known of a's outlet, date, author and URL.
func articleMeta(a corpus.Article) []string {
	var meta []string
	for _, m := range []string{a.Outlet, date(a.Published), a.Author, a.URL} {
		if m != "" {
			meta = append(meta, m)
		}
	}
	return meta
}

// articleMarkdown renders a as Markdown: its title as heading, the known
// metadata, then its text.
func articleMarkdown(a corpus.Article) string {
	var b strings.Builder
	b.WriteString("# " + a.Title + "\n\n")
	if meta := articleMeta(a); len(meta) > 0 {
		b.WriteString(strings.Join(meta, " · ") + "\n\n")
	}
	b.WriteString(a.Text)
	return b.String()
}

// date formats a publication date, or "" when unknown.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// toolError turns a pipeline error into the message an MCP client's model
// reads: what to fix for bad input, and no internals otherwise.
func toolError(err error) error {
	return errors.New(classify(err).message)
}
