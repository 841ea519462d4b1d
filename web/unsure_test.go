package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/newsrag/newsrag/rag"
)

// unsureFake answers as the engine does when the passages may not answer
// the question: answerable, but unsure.
func unsureFake() *fakePipeline {
	f := newFake()
	f.answer = &rag.Answer{
		Answer: "Crowds gathered at the airport [1].", Answerable: true, Unsure: true, Answerability: 0.5,
		Mode: rag.ModeExtracted, Grounded: true, Complete: true,
		Citations: []rag.Citation{{N: 1, ArticleID: "world/kabul", Title: "Taliban enter Kabul", Outlet: "BBC",
			Quote: f.passages[0].Text, Start: f.passages[0].Start, End: f.passages[0].End}},
		Passages: f.passages,
	}
	return f
}

// TestUnsureInEveryDoor: the JSON API, the chat completion (its text and
// its newsrag field) and MCP's text say an unsure answer is unsure; the
// note is not passed back as history.
func TestUnsureInEveryDoor(t *testing.T) {
	f := unsureFake()
	s := newTestServer(t, f, Config{})

	rec := do(t, s.Handler(), request{method: "POST", path: "/api/ask", body: `{"question":"What happened at the airport?"}`})
	var a rag.Answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("/api/ask: %d %s", rec.Code, rec.Body)
	}
	if !a.Unsure || !strings.Contains(rec.Body.String(), `"unsure":true`) {
		t.Errorf("/api/ask does not say unsure: %s", rec.Body)
	}

	rec = chat(t, s, `{"model":"newsrag","messages":[{"role":"user","content":"What happened at the airport?"}]}`)
	var cc ChatCompletion
	if err := json.Unmarshal(rec.Body.Bytes(), &cc); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("chat: %d %s", rec.Code, rec.Body)
	}
	content := cc.Choices[0].Message.Content
	if !cc.Newsrag.Unsure || !strings.Contains(content, "Not sure") || strings.Index(content, "Not sure") > strings.Index(content, "Sources:") {
		t.Errorf("chat completion does not say unsure before its sources: %q, %+v", content, cc.Newsrag)
	}
	// The reply sent back as history loses the note with the sources.
	hist, _ := json.Marshal(content)
	chat(t, s, `{"model":"newsrag","messages":[{"role":"user","content":"Q1?"},{"role":"assistant","content":`+string(hist)+`},{"role":"user","content":"And then?"}]}`)
	f.mu.Lock()
	last := f.last
	f.mu.Unlock()
	if len(last.History) != 2 || last.History[1].Content != f.answer.Answer {
		t.Errorf("history passed on: %+v", last.History)
	}

	if got := answerTail(f.answer); !strings.HasPrefix(got, unsureNote+sourcesHeading) {
		t.Errorf("plain-text tail %q", got)
	}
	sure := *f.answer
	sure.Unsure = false
	if got := answerTail(&sure); strings.Contains(got, "Not sure") {
		t.Errorf("a sure answer's tail %q", got)
	}
}

// TestBrowserShowsUnsure: the page marks an unsure answer.
func TestBrowserShowsUnsure(t *testing.T) {
	requireBrowser(t)
	s := newTestServer(t, unsureFake(), Config{})
	base := serve(t, s)
	ctx := browser(t, 1280, 800)
	doSteps(t, ctx, "open", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#question")))
	ask(t, ctx, "anything")
	note := run(t, ctx, "notice", chromedp.Text(chromedp.CSS(".answer .notice.unsure")))
	if !strings.Contains(note, "Not sure") {
		t.Errorf("notice %q", note)
	}
}

// TestBrowserShowsCorrections: the page says which misspelt words of the
// question were corrected before searching.
func TestBrowserShowsCorrections(t *testing.T) {
	requireBrowser(t)
	f := unsureFake()
	f.answer.Unsure = false
	f.answer.Corrections = []rag.Correction{{From: "amunition", To: "ammunition"}}
	s := newTestServer(t, f, Config{})
	base := serve(t, s)
	ctx := browser(t, 1280, 800)
	doSteps(t, ctx, "open", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#question")))
	ask(t, ctx, "amunition")
	note := run(t, ctx, "notice", chromedp.Text(chromedp.CSS(".answer .notice.corrected")))
	if want := "Searched for ammunition (you typed “amunition”)."; note != want {
		t.Errorf("notice %q, want %q", note, want)
	}
}

// TestCorrectionsInEveryDoor: the JSON API (ask and search), the chat completion's newsrag
// field and the MCP tools' structured results say which misspelt words of
// the question were corrected.
func TestCorrectionsInEveryDoor(t *testing.T) {
	f := unsureFake()
	f.answer.Corrections = []rag.Correction{{From: "aiport", To: "airport"}}
	s := newTestServer(t, f, Config{})
	const want = `"corrections":[{"from":"aiport","to":"airport"}]`

	rec := do(t, s.Handler(), request{method: "POST", path: "/api/ask", body: `{"question":"What happened at the aiport?"}`})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/api/ask: %d %s", rec.Code, rec.Body)
	}
	rec = chat(t, s, `{"model":"newsrag","messages":[{"role":"user","content":"What happened at the aiport?"}]}`)
	var cc ChatCompletion
	if err := json.Unmarshal(rec.Body.Bytes(), &cc); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("chat: %d %s", rec.Code, rec.Body)
	}
	if !slices.Equal(cc.Newsrag.Corrections, f.answer.Corrections) {
		t.Errorf("chat completion's corrections %v", cc.Newsrag.Corrections)
	}
	rec = do(t, s.Handler(), request{method: "GET", path: "/api/search?q=aiport"})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/api/search: %d %s", rec.Code, rec.Body)
	}
	cs := mcpSession(t, f)
	for _, tool := range []string{"ask_news", "search_news"} {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"question": "What happened at the aiport?"}})
		if err != nil {
			t.Fatal(err)
		}
		if structured, _ := json.Marshal(res.StructuredContent); !strings.Contains(string(structured), want) {
			t.Errorf("MCP %s result %s", tool, structured)
		}
	}
}
