package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsrag/newsrag/embed"
	"github.com/newsrag/newsrag/rag"
)

// keptEnv are the NEWSRAG_* variables the tests may inherit: they say where
// the built-in model and a test Weaviate cluster are, and whether tests
// that need the model, a browser, node or the cluster must not skip. (A
// cluster's URL alone does not make it the store: NEWSRAG_STORE does.)
var keptEnv = map[string]bool{
	"NEWSRAG_MODEL_DIR": true, "NEWSRAG_NPM_REGISTRY": true,
	"NEWSRAG_REQUIRE_MODEL": true, "NEWSRAG_REQUIRE_BROWSER": true, "NEWSRAG_REQUIRE_NODE": true,
	"NEWSRAG_WEAVIATE_URL": true, "NEWSRAG_REQUIRE_WEAVIATE": true,
}

// TestMain clears the developer's NEWSRAG_* settings, so that the tests see
// the defaults wherever they run.
func TestMain(m *testing.M) {
	clearSettings()
	dotenvFile = ""
	os.Exit(m.Run())
}

// clearSettings unsets every NEWSRAG_* variable but keptEnv.
func clearSettings() {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "NEWSRAG_") && !keptEnv[name] {
			os.Unsetenv(name)
		}
	}
}

// needModel skips the test when the built-in model cannot be had, unless
// NEWSRAG_REQUIRE_MODEL=1.
func needModel(t testing.TB) {
	t.Helper()
	if _, err := embed.Pull(context.Background(), embed.ModelConfig{}); err != nil {
		if os.Getenv("NEWSRAG_REQUIRE_MODEL") == "1" {
			t.Fatalf("built-in model unavailable: %v", err)
		}
		t.Skipf("built-in model unavailable: %v", err)
	}
}

// newsrag runs the CLI in-process with a private data directory.
func newsrag(t *testing.T, dataDir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("NEWSRAG_DATA_DIR", dataDir)
	t.Setenv("NEWSRAG_LLM_PROVIDER", "")
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ask"}, "accepts 1 arg"},
		{[]string{"ask", "   "}, "question is empty"},
		{[]string{"ask", "-k", "99", "q"}, "k must be between 1 and 50"},
		{[]string{"search", "--from", "yesterday", "q"}, "is not a date"},
		{[]string{"search", "--from", "2025-03-02", "--to", "2025-03-01", "q"}, "before"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"ask", "--nope", "q"}, "unknown flag"},
	}
	for _, tt := range tests {
		code, _, stderr := newsrag(t, dir, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("newsrag %q: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, exitUsage, tt.want)
		}
	}
}

func TestNoCommandPrintsHelp(t *testing.T) {
	code, stdout, stderr := newsrag(t, t.TempDir())
	if code != exitOK || !strings.Contains(stdout, "Available Commands") {
		t.Errorf("exit %d, stdout %q, stderr %q; want help and status 0", code, stdout, stderr)
	}
}

func TestHelpEverywhere(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"ask", "--help"}, {"search", "--help"}, {"ingest", "--help"}, {"serve", "--help"}, {"model", "pull", "--help"}} {
		code, stdout, _ := newsrag(t, t.TempDir(), args...)
		if code != 0 || !strings.Contains(stdout, "Usage:") {
			t.Errorf("newsrag %q: exit %d, output %q", args, code, stdout)
		}
	}
}

func TestAskJSONBuildsIndexFirst(t *testing.T) {
	needModel(t)
	dir := t.TempDir()
	code, stdout, stderr := newsrag(t, dir, "ask", "--json", "What do Ukraine's long-range drones target inside Russia?")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var ans rag.Answer
	if err := json.Unmarshal([]byte(stdout), &ans); err != nil {
		t.Fatalf("--json output is not one JSON document: %v\n%s", err, stdout)
	}
	if !ans.Answerable || ans.Mode != rag.ModeExtracted || len(ans.Citations) == 0 || len(ans.Passages) == 0 {
		t.Fatalf("answer: %+v", ans)
	}
	if ans.Citations[0].ArticleID != "long-range-drone-strikes-weakening-russia" {
		t.Errorf("cites %q", ans.Citations[0].ArticleID)
	}
	if !strings.Contains(stderr, "building it from the built-in corpus") {
		t.Errorf("no notice of the first build: %q", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, rag.IndexFileName)); err != nil {
		t.Errorf("index not written: %v", err)
	}

	// Text output: the answer, its label, then the numbered sources.
	code, stdout, _ = newsrag(t, dir, "ask", "What do Ukraine's long-range drones target inside Russia?")
	if code != 0 || !strings.Contains(stdout, "(extracted from the articles") || !strings.Contains(stdout, "Sources:") {
		t.Errorf("text output: %s", stdout)
	}
}

func TestIngestDirectorySkipsBadFiles(t *testing.T) {
	needModel(t)
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "good.md"), []byte("---\ntitle: Port reopens\noutlet: Test Wire\npublished: 2025-01-02\n---\n\nThe port of Odesa reopened on Monday after repairs.\n"), 0o644)
	os.WriteFile(filepath.Join(src, "note.txt"), []byte("Grain deal\n\nShips carried grain through the corridor in January.\n"), 0o644)
	os.WriteFile(filepath.Join(src, "broken.md"), []byte("---\ntitle: [unclosed\n---\nbody\n"), 0o644)
	os.WriteFile(filepath.Join(src, "binary.txt"), []byte("abc\x00\x01\x02"), 0o644)
	dir := t.TempDir()
	code, stdout, stderr := newsrag(t, dir, "ingest", src)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "2 articles") || !strings.Contains(stdout, "2 skipped") {
		t.Errorf("summary: %s", stdout)
	}
	if !strings.Contains(stderr, "broken.md") || !strings.Contains(stderr, "binary.txt") {
		t.Errorf("skipped files not reported: %s", stderr)
	}
	// Unchanged re-ingest embeds nothing.
	_, stdout, _ = newsrag(t, dir, "ingest", src)
	if !strings.Contains(stdout, "0 chunks embedded") {
		t.Errorf("re-ingest: %s", stdout)
	}
	code, stdout, _ = newsrag(t, dir, "search", "--outlet", "test wire", "port repairs")
	if code != 0 || !strings.Contains(stdout, "Port reopens") || strings.Contains(stdout, "Grain deal") {
		t.Errorf("filtered search: %s", stdout)
	}
	// A misspelt query is searched for corrected, and says so.
	code, stdout, _ = newsrag(t, dir, "search", "port reapirs")
	if want := `(searched for "repairs" for "reapirs")`; code != 0 || !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, "Port reopens") {
		t.Errorf("misspelt search: exit %d, %s", code, stdout)
	}
	code, stdout, _ = newsrag(t, dir, "search", "--json", "grain corridoor")
	if want := `"corrections": [`; code != 0 || !strings.Contains(stdout, want) || !strings.Contains(stdout, `"to": "corridor"`) {
		t.Errorf("misspelt search --json: exit %d, %s", code, stdout)
	}
	code, stdout, _ = newsrag(t, dir, "search", "--outlet", "test wyre", "port repairs")
	if want := `No article in the corpus matches the filters (outlet "test wyre"). Its outlets: "Test Wire".`; code != 0 || strings.TrimSpace(stdout) != want {
		t.Errorf("search within a misspelt outlet: exit %d, %q; want %q", code, stdout, want)
	}
	code, stdout, _ = newsrag(t, dir, "search", "--json", "--outlet", "test wyre", "port repairs")
	if code != 0 || !strings.Contains(stdout, `"passages": []`) || !strings.Contains(stdout, `"note": "No article in the corpus matches the filters`) {
		t.Errorf("search --json within a misspelt outlet: exit %d, %s", code, stdout)
	}
	code, _, stderr = newsrag(t, dir, "ingest", filepath.Join(src, "missing"))
	if code == 0 || !strings.Contains(stderr, "missing") {
		t.Errorf("missing dir: exit %d, %s", code, stderr)
	}
}

func TestCorruptIndexNamesTheFix(t *testing.T) {
	needModel(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, rag.IndexFileName), []byte("NEWSRAGX not really an index, just garbage"), 0o644)
	code, _, stderr := newsrag(t, dir, "search", "drones")
	if code != exitError || !strings.Contains(stderr, "newsrag ingest --rebuild") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr = newsrag(t, dir, "ingest", "--rebuild"); code != 0 {
		t.Fatalf("rebuild: %s", stderr)
	}
	if code, _, _ = newsrag(t, dir, "search", "drones"); code != 0 {
		t.Errorf("search after rebuild failed")
	}
}

func TestSettingsDoNotLeakIntoTests(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "NEWSRAG_") && !keptEnv[name] {
			t.Errorf("%s is set in the tests' environment", name)
		}
	}
	t.Setenv("NEWSRAG_TOP_K", "2")
	t.Setenv("NEWSRAG_MODEL_DIR", "/models")
	clearSettings()
	if _, set := os.LookupEnv("NEWSRAG_TOP_K"); set {
		t.Error("clearSettings kept NEWSRAG_TOP_K")
	}
	if os.Getenv("NEWSRAG_MODEL_DIR") != "/models" {
		t.Error("clearSettings removed NEWSRAG_MODEL_DIR")
	}
}

// TestTopKReachesRetrieval: NEWSRAG_TOP_K configures the engine every
// command opens (serve included), not only the CLI's requests.
func TestTopKReachesRetrieval(t *testing.T) {
	t.Setenv("NEWSRAG_TOP_K", "2")
	s, err := loadSettings()
	if err != nil {
		t.Fatal(err)
	}
	if k := s.retrieval().K; k != 2 {
		t.Errorf("retrieval k = %d, want 2", k)
	}
}

// TestAnswerThreshold: NEWSRAG_ANSWER_THRESHOLD decides what is answered
// ("What did Keir Starmer say about Europe?" is answered at the default,
// with answerability about 0.4, and declined from 0.9), NEWSRAG_SURE_THRESHOLD
// what is flagged unsure, and a threshold that is no probability is a
// usage error that names the setting.
func TestAnswerThreshold(t *testing.T) {
	needModel(t)
	dir := t.TempDir()
	const q = "What did Keir Starmer say about Europe?"
	ask := func() map[string]any {
		t.Helper()
		code, out, errOut := newsrag(t, dir, "ask", "--json", q)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := ask(); got["answerable"] != true || got["unsure"] != true {
		t.Errorf("default thresholds: answerable %v, unsure %v; want an unsure answer", got["answerable"], got["unsure"])
	}
	t.Setenv("NEWSRAG_ANSWER_THRESHOLD", "0.1")
	t.Setenv("NEWSRAG_SURE_THRESHOLD", "0.2")
	if got := ask(); got["answerable"] != true || got["unsure"] == true {
		t.Errorf("NEWSRAG_SURE_THRESHOLD=0.2: answerable %v, unsure %v; want a sure answer", got["answerable"], got["unsure"])
	}
	t.Setenv("NEWSRAG_SURE_THRESHOLD", "")
	t.Setenv("NEWSRAG_ANSWER_THRESHOLD", "0.9")
	if got := ask(); got["answerable"] != false {
		t.Errorf("NEWSRAG_ANSWER_THRESHOLD=0.9: answerable %v, want declined", got["answerable"])
	}
	for _, bad := range [][2]string{{"NEWSRAG_ANSWER_THRESHOLD", "1.5"}, {"NEWSRAG_ANSWER_THRESHOLD", "-1"}, {"NEWSRAG_SURE_THRESHOLD", "1.5"}} {
		t.Setenv("NEWSRAG_ANSWER_THRESHOLD", "")
		t.Setenv("NEWSRAG_SURE_THRESHOLD", "")
		t.Setenv(bad[0], bad[1])
		code, _, errOut := newsrag(t, dir, "ask", q)
		if code != exitUsage || !strings.Contains(errOut, bad[0]) {
			t.Errorf("%s=%s: exit %d, stderr %q; want a usage error naming it", bad[0], bad[1], code, errOut)
		}
	}
}

// TestToDateIsEndOfDay: the CLI reads --to as the API reads to, to the end
// of the day.
func TestToDateIsEndOfDay(t *testing.T) {
	q := queryFlags{from: "2025-03-01", to: "2025-03-01"}
	req, err := q.request("q")
	if err != nil {
		t.Fatal(err)
	}
	afternoon := time.Date(2025, 3, 1, 15, 0, 0, 0, time.UTC)
	if afternoon.Before(req.Filters.From) || afternoon.After(req.Filters.To) {
		t.Errorf("--from/--to 2025-03-01 = [%v, %v] excludes %v", req.Filters.From, req.Filters.To, afternoon)
	}
}

// TestMaxArticleBytes: NEWSRAG_MAX_ARTICLE_BYTES reaches the loader.
func TestMaxArticleBytes(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "short.txt"), []byte("Short\n\nA short note."), 0o644)
	os.WriteFile(filepath.Join(src, "long.txt"), []byte("Long\n\n"+strings.Repeat("A long report. ", 20)), 0o644)
	t.Setenv("NEWSRAG_MAX_ARTICLE_BYTES", "100")
	t.Setenv("NEWSRAG_DATA_DIR", t.TempDir())
	s, err := loadSettings()
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.loader(s.logger(io.Discard), nil).Load(context.Background(), []string{src}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Articles) != 1 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "too much text") {
		t.Errorf("articles %d, skipped %+v; want short loaded and long skipped for its length", len(res.Articles), res.Skipped)
	}
}

// TestAskLLMReplies runs ask against an OpenAI-compatible server whose
// replies are whole, cut off, or not a reply at all.
func TestAskLLMReplies(t *testing.T) {
	needModel(t)
	dir := t.TempDir()
	if code, _, stderr := newsrag(t, dir, "ingest"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	event := func(content string) string {
		b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": content}}}})
		return "data: " + string(b) + "\n\n"
	}
	tests := []struct {
		name, contentType, body string
		wantCode                int
		wantOut, wantErr        string
	}{
		{"cut off", "text/event-stream", event("Refineries ") + event("and"), exitError, "INCOMPLETE", "incomplete"},
		{"html page", "text/html", "<html>502 Bad Gateway</html>", exitError, "", "not an event stream"},
		{"whole completion", "application/json", `{"choices":[{"message":{"content":"Refineries and depots [1]."},"finish_reason":"stop"}]}`, exitOK, "Refineries and depots [1].", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			t.Setenv("NEWSRAG_DATA_DIR", dir)
			t.Setenv("NEWSRAG_LLM_PROVIDER", "openai")
			t.Setenv("NEWSRAG_LLM_MODEL", "m")
			t.Setenv("NEWSRAG_LLM_BASE_URL", srv.URL+"/v1")
			t.Setenv("NEWSRAG_LLM_RETRIES", "-1")
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"ask", "What do Ukraine's long-range drones target inside Russia?"}, &out, &errb)
			if code != tt.wantCode || !strings.Contains(out.String(), tt.wantOut) || !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out.String(), errb.String(), tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}
