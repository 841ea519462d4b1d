package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
	"github.com/newsrag/newsrag/rag"
)

const chromiumPath = "/usr/bin/chromium"

// requireBrowser skips the test when Chromium is missing, unless
// NEWSRAG_REQUIRE_BROWSER=1 (as in CI), where that is a failure.
func requireBrowser(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("NEWSRAG_REQUIRE_BROWSER") == "1" {
			t.Fatalf("NEWSRAG_REQUIRE_BROWSER=1 but %s is missing: %v", chromiumPath, err)
		}
		t.Skipf("%s is missing; install Debian's chromium package to run browser tests", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
}

// browser starts a fresh headless Chromium with the given viewport and
// returns its context. JavaScript exceptions, console errors and CSP
// violations fail the test.
func browser(t *testing.T, width, height int64) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(width), int(height)),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	var mu sync.Mutex
	var problems []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			desc := d.Text
			if d.Exception != nil {
				desc += " " + d.Exception.Description
			}
			problems = append(problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, desc))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
			}
		}
	})
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	// Content-Security-Policy violations are not console messages: record
	// them in the page, from before its own scripts run.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation',
			(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
	}); err != nil {
		t.Fatalf("installing the CSP listener: %v", err)
	}
	t.Cleanup(func() {
		if csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp || []`)); err != nil {
			t.Errorf("reading CSP violations: %v", err)
		} else if len(csp) > 0 {
			t.Errorf("Content-Security-Policy violations: %v", csp)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("page: %s", p)
		}
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// screenshot saves the viewport as a PNG under dir, and also under
// $NEWSRAG_SCREENSHOT_DIR when set (to look at the page by hand).
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	for _, d := range []string{dir, os.Getenv("NEWSRAG_SCREENSHOT_DIR")} {
		if d == "" {
			continue
		}
		path := filepath.Join(d, name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}

func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func doSteps(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// The default corpus, indexed once per test binary with the built-in model.
var (
	defaultOnce sync.Once
	defaultDir  string
	defaultErr  error
)

// defaultEngine is the real rag.Engine over the default corpus, with the
// built-in model and the default (hybrid) retrieval, answering extractively
// (no LLM): the answerability decision sees what it sees in use.
func defaultEngine(t *testing.T) *rag.Engine {
	t.Helper()
	ctx := context.Background()
	emb := testfake.Builtin(t)
	defaultOnce.Do(func() {
		if defaultDir, defaultErr = os.MkdirTemp("", "newsrag-web-*"); defaultErr != nil {
			return
		}
		var eng *rag.Engine
		if eng, defaultErr = rag.Open(ctx, rag.Config{DataDir: defaultDir, Embedder: emb}); defaultErr != nil {
			return
		}
		arts, err := corpus.Default()
		if err != nil {
			defaultErr = err
			return
		}
		_, defaultErr = eng.Ingest(ctx, arts, rag.IngestOptions{})
	})
	if defaultErr != nil {
		t.Fatalf("index the default corpus: %v", defaultErr)
	}
	eng, err := rag.Open(ctx, rag.Config{DataDir: defaultDir, Embedder: emb})
	if err != nil {
		t.Fatalf("rag.Open: %v", err)
	}
	return eng
}

var spaces = strings.NewReplacer("\n", " ", "\t", " ")

func squash(s string) string { return strings.Join(strings.Fields(spaces.Replace(s)), " ") }

// TestBrowserAskAndCite asks the real engine a question through the page,
// waits for the streamed answer, clicks a citation, checks that the passage
// shown and highlighted belongs to the cited article, and takes screenshots
// at desktop and phone width.
func TestBrowserAskAndCite(t *testing.T) {
	requireBrowser(t)
	eng := defaultEngine(t)
	s := newTestServer(t, eng, Config{})
	base := serve(t, s)
	shots := t.TempDir()

	for _, vp := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		t.Run(vp.name, func(t *testing.T) {
			ctx := browser(t, vp.width, vp.height)
			doSteps(t, ctx, "open the page",
				chromedp.Navigate(base+"/"),
				chromedp.WaitVisible(chromedp.CSS("#suggestions .chip")))
			screenshot(t, ctx, shots, vp.name+"-welcome")

			const question = "Which countries are in the coalition of the willing?"
			doSteps(t, ctx, "ask",
				chromedp.SendKeys(chromedp.CSS("#question"), question+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(".answer .answer-meta")))
			answer := run(t, ctx, "answer text", chromedp.Text(chromedp.CSS(".answer-text")))
			if strings.TrimSpace(answer) == "" {
				t.Fatal("empty answer")
			}
			mode := run(t, ctx, "mode", chromedp.Text(chromedp.CSS(".answer-meta .badge")))
			if !strings.Contains(mode, "Extracted") {
				t.Errorf("mode badge %q", mode)
			}
			if q := run(t, ctx, "question", chromedp.Text(chromedp.CSS(".question"))); !strings.Contains(q, question) {
				t.Errorf("question shown as %q", q)
			}
			screenshot(t, ctx, shots, vp.name+"-answer")

			doSteps(t, ctx, "click the first citation",
				chromedp.Click(chromedp.CSS(".answer-text button.cite")),
				chromedp.WaitVisible(chromedp.CSS(".cite-card blockquote")))
			cardTitle := run(t, ctx, "card title", chromedp.Text(chromedp.CSS(".cite-card .card-title")))
			quote := run(t, ctx, "quote", chromedp.Text(chromedp.CSS(".cite-card blockquote")))
			screenshot(t, ctx, shots, vp.name+"-citation")

			doSteps(t, ctx, "open the article",
				chromedp.Click(chromedp.CSS(".cite-card button.primary")),
				chromedp.WaitVisible(chromedp.CSS("#reader mark.passage")))
			readerTitle := run(t, ctx, "reader title", chromedp.Text(chromedp.CSS("#reader-title")))
			marked := run(t, ctx, "highlight", chromedp.Evaluate[string](
				`[...document.querySelectorAll('#reader mark.passage')].map(m => m.textContent).join(' ')`))
			// The reader scrolls smoothly: give it up to 3 s on a loaded machine.
			var inView bool
			for try := 0; try < 30 && !inView; try++ {
				if try > 0 {
					time.Sleep(100 * time.Millisecond)
				}
				inView = run(t, ctx, "highlight in view", chromedp.Evaluate[bool](
					`(() => { const r = document.querySelector('#reader mark.passage').getBoundingClientRect();
					          return r.top >= 0 && r.top < innerHeight; })()`))
			}
			time.Sleep(300 * time.Millisecond) // let the scroll settle for the screenshot
			screenshot(t, ctx, shots, vp.name+"-article")

			var cited *corpus.Article
			for _, a := range eng.Articles() {
				if a.Title == cardTitle {
					cited = &a
				}
			}
			if cited == nil {
				t.Fatalf("the citation card's title %q names no article", cardTitle)
			}
			text := squash(cited.Text)
			if readerTitle != cited.Title {
				t.Errorf("reader shows %q, the citation names %q", readerTitle, cited.Title)
			}
			if q := squash(quote); q == "" || !strings.Contains(text, q) {
				t.Errorf("the quoted passage is not in %q:\n%s", cited.ID, quote)
			}
			if m := squash(marked); m == "" || !strings.Contains(text, m) || !strings.Contains(m, squash(quote)[:min(40, len(squash(quote)))]) {
				t.Errorf("the highlighted text is not the quoted passage of %q:\nmark:  %s\nquote: %s", cited.ID, marked, quote)
			}
			if !inView {
				t.Error("the highlighted passage is not scrolled into view")
			}

			// Keyboard: Escape closes the article and focus returns.
			doSteps(t, ctx, "close with Escape",
				chromedp.KeyEvent(kb.Escape),
				chromedp.WaitNotVisible(chromedp.CSS("#reader")))

			// A question the archive cannot answer says so.
			startNewChat(t, ctx)
			doSteps(t, ctx, "ask the unanswerable",
				chromedp.SendKeys(chromedp.CSS("#question"), "What is the boiling point of tungsten?"+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(".answer .answer-meta")))
			if n := run(t, ctx, "unanswerable notice", chromedp.Evaluate[int](`document.querySelectorAll('.notice.unanswerable').length`)); n != 1 {
				t.Errorf("%d unanswerable notices, want 1", n)
			}
			screenshot(t, ctx, shots, vp.name+"-unanswerable")
		})
	}
}

// hostile is text that would run script or create elements if it were ever
// inserted as HTML.
const hostile = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b id="bold">bold</b>`

// TestBrowserRendersHostileTextAsText streams an answer containing HTML and
// opens an article containing <script>: both must show as text, create no
// element and run nothing.
func TestBrowserRendersHostileTextAsText(t *testing.T) {
	requireBrowser(t)
	f := newFake()
	// Multi-byte text before the passage checks the byte-to-UTF-16 offsets:
	// "é" is 2 bytes and 1 UTF-16 unit, "—" 3 and 1, "🎉" 4 and 2.
	prefix := "Résumé — 🎉 before. " + hostile + "\n\n"
	f.articles[0].Text = prefix + f.articles[0].Text
	shift := len(prefix)
	f.passages[0].Start += shift
	f.passages[0].End += shift
	f.tokens = []string{"Answer with ", hostile, " and a citation [1]. ", "**Bold** via Markdown."}
	f.answer = &rag.Answer{
		Answer: strings.Join(f.tokens, ""), Answerable: true, Mode: rag.ModeGenerated, Model: `<i>model</i>`,
		Citations: []rag.Citation{{N: 1, ArticleID: "world/kabul", Title: `Taliban <script>enter</script> Kabul`,
			Quote: f.passages[0].Text, Start: f.passages[0].Start, End: f.passages[0].End}},
		Passages: f.passages,
	}
	s := newTestServer(t, f, Config{})
	base := serve(t, s)
	ctx := browser(t, 1280, 800)
	doSteps(t, ctx, "ask",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#question")),
		chromedp.SendKeys(chromedp.CSS("#question"), "anything"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".answer .answer-meta")))
	answer := run(t, ctx, "answer", chromedp.Text(chromedp.CSS(".answer-text")))
	if !strings.Contains(answer, "<script>window.__pwned = 1</script>") || !strings.Contains(answer, `<img src=x`) {
		t.Errorf("the HTML in the answer is not shown as text: %q", answer)
	}
	doSteps(t, ctx, "open the article",
		chromedp.Click(chromedp.CSS(".answer-text button.cite")),
		chromedp.WaitVisible(chromedp.CSS(".cite-card button.primary")),
		chromedp.Click(chromedp.CSS(".cite-card button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#reader mark.passage")))
	article := run(t, ctx, "article", chromedp.Text(chromedp.CSS("#reader-body")))
	if !strings.Contains(article, "<script>window.__pwned = 1</script>") {
		t.Errorf("the article's <script> is not shown as text: %q", article)
	}
	if m := run(t, ctx, "mark", chromedp.Text(chromedp.CSS("#reader mark.passage"))); m != f.passages[0].Text {
		t.Errorf("highlighted %q, want %q", m, f.passages[0].Text)
	}
	counts := run(t, ctx, "elements", chromedp.Evaluate[map[string]int](`({
		pwned: window.__pwned === undefined ? 0 : 1,
		scripts: document.querySelectorAll('script:not([src])').length,
		imgs: document.querySelectorAll('main img, dialog img').length,
		bold: document.querySelectorAll('#bold').length,
		strong: document.querySelectorAll('.answer-text strong').length,
	})`))
	want := map[string]int{"pwned": 0, "scripts": 0, "imgs": 0, "bold": 0, "strong": 1}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s = %d, want %d", k, counts[k], v)
		}
	}
	screenshot(t, ctx, t.TempDir(), "hostile")
}

// TestBrowserShowsErrors checks that a failure mid-stream and a server that
// is down are reported in the page, not only in the console.
func TestBrowserShowsErrors(t *testing.T) {
	requireBrowser(t)
	f := newFake()
	f.failAfter = 1
	f.failErr = &rag.LLMError{Provider: "openai", Status: 500, Err: errors.New("upstream exploded")}
	s := newTestServer(t, f, Config{})
	base, stop := serveStoppable(t, s)
	ctx := browser(t, 390, 844)
	doSteps(t, ctx, "ask",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#question")),
		chromedp.SendKeys(chromedp.CSS("#question"), "what happened?"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".answer .error")))
	msg := run(t, ctx, "error", chromedp.Text(chromedp.CSS(".answer .error")))
	if !strings.Contains(msg, "upstream exploded") || !strings.Contains(msg, "incomplete") {
		t.Errorf("error shown as %q", msg)
	}
	shots := t.TempDir()
	screenshot(t, ctx, shots, "error")

	stop() // the server goes away
	doSteps(t, ctx, "ask with the server down",
		chromedp.SendKeys(chromedp.CSS("#question"), "anyone there?"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".turn + .turn .answer .error")))
	msg = run(t, ctx, "error", chromedp.Text(chromedp.CSS(".turn + .turn .answer .error")))
	if !strings.Contains(msg, "Server unreachable") {
		t.Errorf("server down shown as %q", msg)
	}
	screenshot(t, ctx, shots, "server-down")
}

// TestBrowserAPIKeyAndFollowUp starts a server that needs an API key: the
// page must ask for it, keep it, show the status line while the answer
// streams, and send the conversation so far with a follow-up question.
func TestBrowserAPIKeyAndFollowUp(t *testing.T) {
	requireBrowser(t)
	f := newFake()
	f.tokenDelay = 400 * time.Millisecond
	s := newTestServer(t, f, Config{APIKey: "secret-key"})
	base := serve(t, s)
	shots := t.TempDir()
	ctx := browser(t, 1280, 800)
	doSteps(t, ctx, "open the page",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#key-dialog #key-input")))
	screenshot(t, ctx, shots, "key-dialog")
	doSteps(t, ctx, "enter the key",
		chromedp.SendKeys(chromedp.CSS("#key-input"), "secret-key"+kb.Enter),
		chromedp.WaitReady(chromedp.CSS("#lib-list .lib-open")))
	if k := run(t, ctx, "stored key", chromedp.Evaluate[string](`localStorage.getItem('newsrag.apiKey')`)); k != "secret-key" {
		t.Errorf("stored key %q", k)
	}

	doSteps(t, ctx, "ask",
		chromedp.SendKeys(chromedp.CSS("#question"), "What happened at the airport?"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".answer .status")),
		chromedp.WaitVisible(chromedp.CSS(".answer-text p")))
	status := run(t, ctx, "status", chromedp.Text(chromedp.CSS(".answer .status")))
	if !strings.Contains(status, "writing") {
		t.Errorf("status line while streaming: %q", status)
	}
	screenshot(t, ctx, shots, "streaming")
	doSteps(t, ctx, "follow-up",
		chromedp.WaitVisible(chromedp.CSS(".answer .answer-meta")),
		chromedp.SendKeys(chromedp.CSS("#question"), "and Germany?"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".turn + .turn .answer-meta")))
	screenshot(t, ctx, shots, "follow-up")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let colour transitions finish
	screenshot(t, ctx, shots, "follow-up-dark")

	f.mu.Lock()
	last := f.last
	f.mu.Unlock()
	if last.Question != "and Germany?" || len(last.History) != 2 ||
		last.History[0].Role != "user" || last.History[0].Content != "What happened at the airport?" ||
		last.History[1].Role != "assistant" || last.History[1].Content != "Crowds gathered at the airport [1]." {
		t.Errorf("follow-up request %+v", last)
	}
}

// startNewChat presses "New chat" in the side panel, opening the panel
// first where it is a drawer (narrow screens).
func startNewChat(t *testing.T, ctx context.Context) {
	t.Helper()
	if run(t, ctx, "drawer?", chromedp.Evaluate[bool](`getComputedStyle(document.getElementById('toggle-sidebar')).display !== 'none'`)) {
		doSteps(t, ctx, "open the side panel",
			chromedp.Click(chromedp.CSS("#toggle-sidebar")),
			chromedp.WaitVisible(chromedp.CSS("#new-chat")),
			chromedp.Sleep(300*time.Millisecond)) // the drawer slides in
	}
	doSteps(t, ctx, "new chat",
		chromedp.Click(chromedp.CSS("#new-chat")),
		chromedp.WaitNotPresent(chromedp.CSS(".turn")))
}
