package web

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/rag"
)

// axeVersion is the axe-core release .ci/run installs for the browser
// tests, into axeDir.
const (
	axeVersion = "4.14.1"
	axeDir     = "testdata/npm/node_modules/axe-core"
)

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join(axeDir, "axe.min.js"))
	return string(b), err
})

// requireAxe returns axe-core's script. It skips the test when axe-core is
// not installed, unless NEWSRAG_REQUIRE_BROWSER=1 (as in CI).
func requireAxe(t *testing.T) string {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		if os.Getenv("NEWSRAG_REQUIRE_BROWSER") == "1" {
			t.Fatalf("NEWSRAG_REQUIRE_BROWSER=1 but axe-core is missing (.ci/run installs axe-core@%s): %v", axeVersion, err)
		}
		t.Skipf("axe-core is missing; install it with: npm install --prefix web/testdata/npm axe-core@%s", axeVersion)
	}
	var pkg struct{ Version string }
	if b, err := os.ReadFile(filepath.Join(axeDir, "package.json")); err == nil && json.Unmarshal(b, &pkg) == nil && pkg.Version != axeVersion {
		t.Fatalf("axe-core %s is installed, the tests pin %s", pkg.Version, axeVersion)
	}
	return src
}

// axeCheck runs axe-core in the page (default rules, plus the experimental
// label-content-name-mismatch) and fails the test for each violation.
func axeCheck(t *testing.T, ctx context.Context, src, state string) {
	t.Helper()
	if !run(t, ctx, "axe loaded?", chromedp.Evaluate[bool](`typeof window.axe === 'object'`)) {
		// Evaluated through DevTools: the page's CSP does not apply.
		run(t, ctx, "inject axe-core", chromedp.Evaluate[any](src+"\n;true"))
	}
	type node struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	}
	type violation struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []node `json:"nodes"`
	}
	vs := run(t, ctx, "axe "+state, chromedp.Evaluate[[]violation](`axe.run(document, {
		rules: { 'label-content-name-mismatch': { enabled: true } },
		resultTypes: ['violations'],
	}).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`, chromedp.EvalAwaitPromise))
	for _, v := range vs {
		for _, n := range v.Nodes {
			t.Errorf("axe, %s: %s (%s) %s at %v: %s", state, v.ID, v.Impact, v.Help, n.Target, n.Summary)
		}
	}
}

// waitJS waits until the JavaScript expression is true.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// focused describes the focused element and whether its focus is visible:
// a focus-visible outline of at least 2px (on the element or, for a card's
// button, on the card-wide ::after).
func focused(t *testing.T, ctx context.Context) (desc string, visible bool) {
	t.Helper()
	type focus struct {
		Desc    string `json:"desc"`
		Visible bool   `json:"visible"`
	}
	r := run(t, ctx, "focused element", chromedp.Evaluate[focus](`(() => {
		const a = document.activeElement;
		if (!a || a === document.body) return { desc: 'body', visible: false };
		const ring = (s) => s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
		// The question box shows its focus on the whole composer, the
		// highlighted passage with a box-shadow.
		// Form fields show their focus however they got it.
		const visible = a.id === 'question' ? getComputedStyle(a.closest('.composer')).boxShadow.split('rgb').length > 2
			: a.matches('mark') ? getComputedStyle(a).boxShadow.split('rgb').length > 2
			: a.matches(':focus-visible, input, select') && (ring(getComputedStyle(a)) || ring(getComputedStyle(a, '::after')));
		return { desc: a.tagName.toLowerCase() + (a.id ? '#' + a.id : '') + (a.className ? '.' + String(a.className).split(' ').join('.') : '') + ' ' + (a.textContent || '').trim().slice(0, 40), visible };
	})()`))
	return r.Desc, r.Visible
}

// tabTo presses Tab (or Shift+Tab) until the focused element matches css,
// at most limit times, checking that every stop shows its focus.
func tabTo(t *testing.T, ctx context.Context, css string, back bool, limit int) {
	t.Helper()
	var mods []chromedp.KeyOption
	if back {
		mods = append(mods, chromedp.KeyModifiers(1<<3)) // Shift
	}
	for range limit {
		doSteps(t, ctx, "tab", chromedp.KeyEvent(kb.Tab, mods...))
		desc, visible := focused(t, ctx)
		if !visible {
			t.Errorf("focus on %s is not visible", desc)
		}
		if run(t, ctx, "focus matches", chromedp.Evaluate[bool](`document.activeElement.matches(`+jsString(css)+`)`)) {
			return
		}
	}
	desc, _ := focused(t, ctx)
	t.Fatalf("%s not reached by keyboard in %d steps; focus is on %s", css, limit, desc)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func pressKey(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	doSteps(t, ctx, "key", chromedp.KeyEvent(key))
}

func expectFocus(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	expr := `document.activeElement && document.activeElement.matches(` + jsString(css) + `)`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		desc, _ := focused(t, ctx)
		t.Fatalf("focus is on %s, want %s", desc, css)
	}
}

func setDark(t *testing.T, ctx context.Context, dark bool) {
	t.Helper()
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	}); err != nil {
		t.Fatal(err)
	}
}

func ask(t *testing.T, ctx context.Context, question string) {
	t.Helper()
	n := run(t, ctx, "turns", chromedp.Evaluate[int](`document.querySelectorAll('.turn .answer-foot:not([hidden])').length`))
	doSteps(t, ctx, "ask "+question, chromedp.SendKeys(chromedp.CSS("#question"), question+kb.Enter))
	// The answer's foot shows on the stream's last event, a moment before the
	// page is idle again (edit and regenerate are disabled until then).
	waitJS(t, ctx, "the answer to "+question, `document.querySelectorAll('.turn .answer-foot:not([hidden])').length > `+itoa(n)+
		` && document.getElementById('stop').hidden`)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestBrowserConversations checks that conversations survive a reload,
// that switching between them shows the right one, and that deleting can
// be undone.
func TestBrowserConversations(t *testing.T) {
	requireBrowser(t)
	f := newFake()
	base := serve(t, newTestServer(t, f, Config{}))
	ctx := browser(t, 1366, 900)
	doSteps(t, ctx, "open", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#question")))
	waitJS(t, ctx, "the archive", `document.querySelectorAll('#lib-list .lib-open').length > 0`)
	ask(t, ctx, "What happened at the airport?")
	ask(t, ctx, "Who gathered there?")

	questions := func() string {
		return run(t, ctx, "questions", chromedp.Evaluate[string](`[...document.querySelectorAll('.turn .bubble')].map((b) => b.textContent).join(' | ')`))
	}
	chats := func() []string {
		return run(t, ctx, "chats", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#chats .chat-title')].map((b) => b.textContent)`))
	}
	const first = "What happened at the airport? | Who gathered there?"
	doSteps(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".turn .answer-text .cite")))
	if q := questions(); q != first {
		t.Errorf("after reload the page shows %q, want %q", q, first)
	}
	if a := run(t, ctx, "answers", chromedp.Evaluate[int](`document.querySelectorAll('.turn .answer-foot:not([hidden])').length`)); a != 2 {
		t.Errorf("%d answers after reload, want 2", a)
	}

	startNewChat(t, ctx)
	ask(t, ctx, "Anything about Brussels?")
	if c := chats(); len(c) != 2 || c[0] != "Anything about Brussels?" || c[1] != "What happened at the airport?" {
		t.Errorf("side panel lists %q", c)
	}
	doSteps(t, ctx, "switch to the first", chromedp.Click(chromedp.CSS(`#chats li:nth-child(2) .chat-open`)))
	waitJS(t, ctx, "the first conversation", `document.querySelectorAll('.turn').length === 2`)
	if q := questions(); q != first {
		t.Errorf("after switching the page shows %q, want %q", q, first)
	}
	// A follow-up in a switched-to conversation carries that conversation.
	ask(t, ctx, "and then?")
	f.mu.Lock()
	hist := f.last.History
	f.mu.Unlock()
	if len(hist) != 4 || hist[0].Content != "What happened at the airport?" || hist[2].Content != "Who gathered there?" {
		t.Errorf("follow-up history %+v", hist)
	}
	doSteps(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".turn .answer-text .cite")))
	if q := questions(); q != first+" | and then?" {
		t.Errorf("after reload the current conversation is %q", q)
	}

	// Delete the other conversation; undo brings it back.
	doSteps(t, ctx, "delete", chromedp.Click(chromedp.CSS(`#chats li:nth-child(2) .chat-delete`)))
	expectFocus(t, ctx, "#chats .deleted button")
	if c := chats(); len(c) != 1 {
		t.Errorf("after delete the side panel lists %q", c)
	}
	if n := run(t, ctx, "stored", chromedp.Evaluate[int](`JSON.parse(localStorage.getItem('newsrag.conversations')).length`)); n != 1 {
		t.Errorf("%d conversations stored after delete, want 1", n)
	}
	pressKey(t, ctx, kb.Enter) // Undo, by keyboard
	waitJS(t, ctx, "undo", `document.querySelectorAll('#chats .chat-title').length === 2`)
	if c := chats(); len(c) != 2 || c[1] != "Anything about Brussels?" {
		t.Errorf("after undo the side panel lists %q", c)
	}
	// Deleting the conversation on screen leaves an empty one.
	doSteps(t, ctx, "delete the current", chromedp.Click(chromedp.CSS(`#chats li:first-child .chat-delete`)))
	waitJS(t, ctx, "an empty conversation", `!document.querySelector('.turn') && !document.getElementById('welcome').hidden`)

	// Editing the first question replaces it and what followed it.
	ask(t, ctx, "First question?")
	ask(t, ctx, "Second question?")
	// The first turn's Edit, clicked from script: a mouse click at the
	// button's place could land elsewhere if the page is still scrolling to
	// the answer just finished (seen once in CI: the test timed out here).
	waitJS(t, ctx, "the first turn's Edit enabled", `!document.querySelector('.turn .edit').disabled`)
	run(t, ctx, "edit", chromedp.Evaluate[bool](`document.querySelector('.turn .edit').click(), true`))
	waitJS(t, ctx, "the question being edited", `!document.getElementById('editing').hidden`)
	if v := run(t, ctx, "the question to edit", chromedp.Evaluate[string](`document.getElementById('question').value`)); v != "First question?" {
		t.Errorf("editing puts %q in the question box", v)
	}
	doSteps(t, ctx, "resend", chromedp.SetValue(chromedp.CSS("#question"), "Edited question?"), chromedp.Click(chromedp.CSS("#send")))
	waitJS(t, ctx, "the edited answer", `document.querySelectorAll('.turn').length === 1 && !!document.querySelector('.answer-foot:not([hidden])')`)
	if q := questions(); q != "Edited question?" {
		t.Errorf("after the edit the conversation is %q", q)
	}
	f.mu.Lock()
	if f.last.Question != "Edited question?" || len(f.last.History) != 0 {
		t.Errorf("the edited question was asked as %+v", f.last)
	}
	f.mu.Unlock()
}

// TestBrowserCopyRegenerateQueue checks copying an answer, regenerating
// it, a question sent while another is answered (queued, not dropped),
// the length counter, and that new answers are scrolled into view.
func TestBrowserCopyRegenerateQueue(t *testing.T) {
	requireBrowser(t)
	f := newFake()
	f.tokenDelay = 250 * time.Millisecond // slow enough to ask while an answer is written
	f.articles[0].URL = "https://news.example/kabul"
	f.passages[0].URL = f.articles[0].URL
	f.passages[0].Published = f.articles[0].Published
	p := f.passages[0]
	f.answer = &rag.Answer{
		Answer: strings.Join(f.tokens, ""), Answerable: true, Mode: rag.ModeExtracted, Passages: f.passages,
		Citations: []rag.Citation{{N: 1, ArticleID: p.ArticleID, Title: p.Title, Outlet: p.Outlet, Published: p.Published,
			URL: p.URL, Quote: p.Text, Start: p.Start, End: p.End,
			AlsoPublished: []corpus.Alternate{{ID: "paper.example/kabul", Title: "Kabul falls", Outlet: "Paper", URL: "https://paper.example/kabul"}}}},
	}
	base := serve(t, newTestServer(t, f, Config{}))
	ctx := browser(t, 1366, 900)
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: "granted", Origin: base,
		}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
	doSteps(t, ctx, "open", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#question")))
	ask(t, ctx, "What happened at the airport?")

	doSteps(t, ctx, "copy", chromedp.Click(chromedp.CSS(".answer-foot .tools button:first-child")))
	waitJS(t, ctx, "copied", `document.querySelector('.answer-foot .tools button').textContent.includes('Copied')`)
	clip := run(t, ctx, "clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	for _, want := range []string{"What happened at the airport?", "Crowds gathered at the airport [1].", "Sources:",
		"[1] Taliban enter Kabul (BBC, ", "“Crowds gathered at the airport.”", "https://news.example/kabul",
		"also in Paper https://paper.example/kabul"} {
		if !strings.Contains(clip, want) {
			t.Errorf("clipboard lacks %q:\n%s", want, clip)
		}
	}
	if n := run(t, ctx, "original links", chromedp.Evaluate[int](`document.querySelectorAll('.source-card a[href="https://news.example/kabul"]').length`)); n != 1 {
		t.Errorf("%d Original links on the source card, want 1", n)
	}
	if also := run(t, ctx, "other copies", chromedp.Text(chromedp.CSS(".source-card .source-also"))); also != "Also in Paper" {
		t.Errorf("the source card names the other copies as %q", also)
	}

	doSteps(t, ctx, "regenerate", chromedp.Click(chromedp.CSS(".answer-foot .tools button:last-child")))
	waitJS(t, ctx, "the regenerated answer", `document.querySelector('.answer-foot:not([hidden])') !== null`)
	if n := f.asks.Load(); n != 2 {
		t.Errorf("%d questions asked after regenerate, want 2", n)
	}
	if n := run(t, ctx, "turns", chromedp.Evaluate[int](`document.querySelectorAll('.turn').length`)); n != 1 {
		t.Errorf("%d turns after regenerate, want 1", n)
	}
	f.mu.Lock()
	if f.last.Question != "What happened at the airport?" || len(f.last.History) != 0 {
		t.Errorf("regenerate asked %+v", f.last)
	}
	f.mu.Unlock()

	// Two more questions while answers are written: both are answered, in order.
	doSteps(t, ctx, "ask twice",
		chromedp.SendKeys(chromedp.CSS("#question"), "Second question?"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#stop")),
		chromedp.SendKeys(chromedp.CSS("#question"), "Third question?"+kb.Enter))
	waitJS(t, ctx, "a queued question", `[...document.querySelectorAll('.status')].some((s) => s.textContent.includes('Queued'))`)
	waitJS(t, ctx, "three answers", `document.querySelectorAll('.answer-foot:not([hidden])').length === 3`)
	if n := f.asks.Load(); n != 4 {
		t.Errorf("%d questions asked, want 4", n)
	}
	f.mu.Lock()
	if f.last.Question != "Third question?" || len(f.last.History) != 4 || f.last.History[2].Content != "Second question?" {
		t.Errorf("the queued question was asked as %+v", f.last)
	}
	f.mu.Unlock()
	// The newest answer is on screen, not under the composer.
	time.Sleep(200 * time.Millisecond)
	if !run(t, ctx, "in view", chromedp.Evaluate[bool](`(() => {
		const m = document.getElementById('main').getBoundingClientRect();
		const a = document.querySelector('.turn:last-child .answer').getBoundingClientRect();
		return a.top >= m.top && a.top < m.bottom - 100;
	})()`)) {
		t.Error("the newest answer is not scrolled into view")
	}

	// A question that is too long is refused with a message, not cut.
	long := strings.Repeat("word ", 999) + "last."
	doSteps(t, ctx, "paste", chromedp.SetValue(chromedp.CSS("#question"), long),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const q = document.getElementById('question');
			q.dispatchEvent(new Event('input'));
			q.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
		})()`))
	count := run(t, ctx, "counter", chromedp.Text(chromedp.CSS("#question-count")))
	if !strings.Contains(count, "5,000 / 2,000") || !strings.Contains(count, "too long") {
		t.Errorf("length counter %q", count)
	}
	if v := run(t, ctx, "kept", chromedp.Evaluate[int](`document.getElementById('question').value.length`)); v != len(long) {
		t.Errorf("the question box holds %d characters, want all %d", v, len(long))
	}
	if n := run(t, ctx, "turns", chromedp.Evaluate[int](`document.querySelectorAll('.turn').length`)); n != 3 {
		t.Errorf("%d turns: the long question was sent", n)
	}

	// A long question that fits is sent whole, and shown folded.
	fits := strings.Repeat("word ", 300) + "end?"
	doSteps(t, ctx, "a long question", chromedp.SetValue(chromedp.CSS("#question"), fits),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('question').dispatchEvent(new Event('input'))`),
		chromedp.Click(chromedp.CSS("#send")))
	waitJS(t, ctx, "four answers", `document.querySelectorAll('.answer-foot:not([hidden])').length === 4`)
	f.mu.Lock()
	if f.last.Question != fits {
		t.Errorf("the long question was sent as %d characters, want %d", len(f.last.Question), len(fits))
	}
	f.mu.Unlock()
	if h := run(t, ctx, "folded height", chromedp.Evaluate[float64](`document.querySelector('.turn:last-child .bubble.folded').getBoundingClientRect().height`)); h > 220 {
		t.Errorf("the folded question is %.0f px high", h)
	}
	doSteps(t, ctx, "unfold", chromedp.Click(chromedp.CSS(".turn:last-child .question > button")))
	if n := run(t, ctx, "unfolded", chromedp.Evaluate[int](`document.querySelectorAll('.turn:last-child .bubble.folded').length`)); n != 0 {
		t.Error("the question does not unfold")
	}
}

// TestBrowserFilters asks the same question with and without filters: the
// sources must follow the filters.
func TestBrowserFilters(t *testing.T) {
	requireBrowser(t)
	base := serve(t, newTestServer(t, defaultEngine(t), Config{}))
	ctx := browser(t, 1366, 900)
	doSteps(t, ctx, "open", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#suggestions .chip")))
	sources := func() []string {
		return run(t, ctx, "sources", chromedp.Evaluate[[]string](`[...document.querySelectorAll('.turn:last-child .source-card')].map((c) =>
			c.querySelector('.source-title').textContent + ' / ' + c.querySelector('.source-meta').textContent)`))
	}
	const q = "Which countries are in the coalition of the willing?"
	ask(t, ctx, q)
	all := sources()
	if !strings.Contains(strings.Join(all, "\n"), "Who’s in, who’s out?") {
		t.Fatalf("unfiltered sources %q lack the coalition article", all)
	}

	doSteps(t, ctx, "filter by outlet",
		chromedp.Click(chromedp.CSS("#filters summary")),
		chromedp.WaitVisible(chromedp.CSS("#f-outlet")),
		chromedp.SetValue(chromedp.CSS("#f-outlet"), "Sky News"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('f-outlet').dispatchEvent(new Event('input'))`))
	if s := run(t, ctx, "summary", chromedp.Text(chromedp.CSS("#filters-summary"))); s != "Sky News" {
		t.Errorf("filter summary %q", s)
	}
	ask(t, ctx, q)
	for _, s := range sources() {
		if !strings.Contains(s, "/ Sky News") {
			t.Errorf("with outlet Sky News, source %q", s)
		}
	}

	doSteps(t, ctx, "filter by date",
		chromedp.SetValue(chromedp.CSS("#f-outlet"), ""),
		chromedp.SetValue(chromedp.CSS("#f-to"), "2021-12-31"))
	ask(t, ctx, q)
	got := sources()
	if len(got) == 0 {
		t.Fatal("no sources with the date filter")
	}
	for _, s := range got {
		if !strings.Contains(s, "2021") {
			t.Errorf("with articles up to 2021, source %q", s)
		}
	}
	if f := run(t, ctx, "filter note", chromedp.Text(chromedp.CSS(".turn:last-child .question-foot"))); !strings.Contains(f, "to 2021-12-31") {
		t.Errorf("the question does not say its filter: %q", f)
	}
}

// TestBrowserKeyboardAndAxe goes through the page by keyboard only, checking
// that focus is always visible and lands where it should, runs axe-core in
// every state (no violations allowed), and takes screenshots at desktop and
// phone size in light and dark.
func TestBrowserKeyboardAndAxe(t *testing.T) {
	requireBrowser(t)
	axe := requireAxe(t)
	base := serve(t, newTestServer(t, defaultEngine(t), Config{}))
	shots := t.TempDir()
	for _, vp := range []struct {
		name          string
		width, height int64
		dark          bool
	}{
		{"desktop", 1366, 900, false}, {"desktop-dark", 1366, 900, true},
		{"phone", 390, 844, false}, {"phone-dark", 390, 844, true},
	} {
		t.Run(vp.name, func(t *testing.T) {
			ctx := browser(t, vp.width, vp.height)
			setDark(t, ctx, vp.dark)
			phone := vp.width < 600
			shot := func(name string) {
				time.Sleep(250 * time.Millisecond) // transitions and smooth scrolling
				screenshot(t, ctx, shots, vp.name+"-"+name)
			}
			doSteps(t, ctx, "open", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#suggestions .chip")))
			expectFocus(t, ctx, "#question")
			axeCheck(t, ctx, axe, "at load")
			shot("welcome")

			// Back from the question box to the example questions; Enter asks.
			tabTo(t, ctx, ".chip", true, 6)
			pressKey(t, ctx, kb.Enter)
			expectFocus(t, ctx, "#question")
			doSteps(t, ctx, "type", chromedp.KeyEvent("x"))
			if v := run(t, ctx, "typed", chromedp.Evaluate[string](`document.getElementById('question').value`)); v != "x" {
				t.Errorf("typing after choosing an example gives %q, want the key in the question box", v)
			}
			doSteps(t, ctx, "erase", chromedp.KeyEvent(kb.Backspace))
			waitJS(t, ctx, "the answer", `document.querySelector('.answer-foot:not([hidden])') !== null`)
			axeCheck(t, ctx, axe, "after an answer")
			shot("answer")

			// To a citation marker; Enter opens its card, Escape closes it.
			tabTo(t, ctx, ".answer-text .cite", true, 12)
			pressKey(t, ctx, kb.Enter)
			expectFocus(t, ctx, ".cite-card button.primary")
			axeCheck(t, ctx, axe, "with the passage card")
			shot("citation")
			pressKey(t, ctx, kb.Escape)
			waitJS(t, ctx, "the card closed", `document.querySelector('.cite-card').hidden`)
			expectFocus(t, ctx, ".answer-text .cite")

			// The card again, then the reader; Escape returns focus.
			pressKey(t, ctx, kb.Enter)
			expectFocus(t, ctx, ".cite-card button.primary")
			pressKey(t, ctx, kb.Enter)
			waitJS(t, ctx, "the reader", `document.getElementById('reader').open && !!document.querySelector('#reader mark.passage')`)
			expectFocus(t, ctx, "#reader mark.passage")
			axeCheck(t, ctx, axe, "with the reader")
			shot("reader")
			pressKey(t, ctx, kb.Escape)
			expectFocus(t, ctx, ".cite-card button.primary")

			// The source cards are buttons too.
			tabTo(t, ctx, ".source-open", true, 12)

			// The side panel: a drawer on phones, a column on desktops.
			if phone {
				tabTo(t, ctx, "#toggle-sidebar", true, 20)
				pressKey(t, ctx, kb.Enter)
				expectFocus(t, ctx, "#new-chat")
				time.Sleep(300 * time.Millisecond)
				tabTo(t, ctx, ".chat-open", false, 3)
			} else {
				tabTo(t, ctx, ".chat-open", true, 20)
			}
			if c := run(t, ctx, "current", chromedp.Evaluate[string](`document.activeElement.getAttribute('aria-current') || ''`)); c != "true" {
				t.Errorf("the conversation on screen is not marked current (aria-current=%q)", c)
			}
			axeCheck(t, ctx, axe, "with the side panel")
			shot("sidebar")
			if phone {
				pressKey(t, ctx, kb.Escape)
				expectFocus(t, ctx, "#toggle-sidebar")
			}

			// The article browser, from the header.
			tabTo(t, ctx, "#library-button", false, 20)
			pressKey(t, ctx, kb.Enter)
			expectFocus(t, ctx, "#lib-q")
			doSteps(t, ctx, "search titles", chromedp.KeyEvent("drone"))
			waitJS(t, ctx, "one article", `document.querySelectorAll('#lib-list .lib-open').length === 1`)
			axeCheck(t, ctx, axe, "with the article browser")
			shot("library")
			tabTo(t, ctx, ".lib-open", false, 12) // date fields have a stop per part
			pressKey(t, ctx, kb.Enter)
			waitJS(t, ctx, "the reader over the browser", `document.getElementById('reader').open`)
			if title := run(t, ctx, "reader title", chromedp.Text(chromedp.CSS("#reader-title"))); !strings.Contains(title, "drone") {
				t.Errorf("the reader shows %q", title)
			}
			pressKey(t, ctx, kb.Escape)
			expectFocus(t, ctx, ".lib-open")
			pressKey(t, ctx, kb.Escape)
			expectFocus(t, ctx, "#library-button")
		})
	}
}

// slowStart is a pipeline whose index is still being built.
type slowStart struct {
	*fakePipeline
	ready atomic.Bool
}

func (s *slowStart) Ready() bool { return s.ready.Load() }

// TestBrowserWhileIndexing opens the page while the server builds its
// first index: the page says how far it has got and answers a question
// asked meanwhile once the index is ready.
func TestBrowserWhileIndexing(t *testing.T) {
	requireBrowser(t)
	p := &slowStart{fakePipeline: newFake()}
	prog := &IndexProgress{}
	prog.Set(40, 120)
	base := serve(t, newTestServer(t, p, Config{IndexProgress: prog}))
	ctx := browser(t, 1366, 900)
	doSteps(t, ctx, "open", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#question")))
	waitJS(t, ctx, "the progress", `document.getElementById('corpus-line').textContent.includes('40 of 120')`)
	doSteps(t, ctx, "ask", chromedp.SendKeys(chromedp.CSS("#question"), "What happened at the airport?"+kb.Enter))
	waitJS(t, ctx, "waiting", `document.querySelector('.turn .status').textContent.includes('indexing 40 of 120')`)
	if n := p.asks.Load(); n != 0 {
		t.Errorf("%d questions sent before the index was ready", n)
	}
	prog.Set(120, 120)
	p.ready.Store(true)
	waitJS(t, ctx, "the answer", `document.querySelector('.answer-foot:not([hidden])') !== null`)
	if n := p.asks.Load(); n != 1 {
		t.Errorf("%d questions sent, want 1", n)
	}
}
