package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsrag/newsrag/rag"
	"github.com/newsrag/newsrag/rag/eval"
)

// evalBench writes a two-article evaluation set.
func evalBench(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"corpus/alpha.md": "---\ntitle: Freedonia\n---\n\nThe capital of Freedonia is Zenda, a city of bridges.\n",
		"corpus/beta.md":  "---\ntitle: Sylvania\n---\n\nThe Blue River flows through Sylvania from the mountains.\n",
		"questions.jsonl": `{"id":"1","question":"What is the capital of Freedonia?","answers":["Zenda"],"sources":["alpha.md"]}` + "\n" +
			`{"id":"2","question":"Which river flows through Sylvania?","answers":["Blue River"],"sources":["beta.md"]}` + "\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEvalCommand(t *testing.T) {
	needModel(t)
	bench, cache := evalBench(t), t.TempDir()
	html := filepath.Join(t.TempDir(), "report.html")
	code, stdout, stderr := newsrag(t, t.TempDir(), "eval", "--compare", "--json", "--html", html, "--cache-dir", cache, bench)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep eval.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout)
	}
	if rep.Questions != 2 || len(rep.Runs) != 3 || rep.Index.Articles != 2 {
		t.Fatalf("report %+v: want 2 questions, 2 articles, 3 runs", rep)
	}
	for _, r := range rep.Runs {
		if m, _ := r.At(1); m.AnswerRecall != 1 && r.Retriever.Mode != rag.RetrieveDense {
			t.Errorf("%s answer-recall@1 = %v, want 1", r.Label(), m.AnswerRecall)
		}
	}
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("HTML report missing or without a chart (%v)", err)
	}

	// A second run reuses the index; the text table names every mode.
	code, stdout, stderr = newsrag(t, t.TempDir(), "eval", "--retriever", "bm25,hybrid", "--dense-weight", "0.2,0.5", "--limit", "1", "--cache-dir", cache, bench)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"cached", "bm25", "hybrid (dense 0.2)", "hybrid (dense 0.5)", "1 questions"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestEvalUsageErrors(t *testing.T) {
	bench := evalBench(t)
	for _, args := range [][]string{
		{"eval"},
		{"eval", "--retriever", "magic", bench},
		{"eval", "--dense-weight", "2", bench},
		{"eval", "-k", "0", bench},
		{"eval", "--limit", "-1", bench},
	} {
		if code, _, stderr := newsrag(t, t.TempDir(), args...); code != exitUsage {
			t.Errorf("newsrag %q: exit %d (%s), want %d", args, code, stderr, exitUsage)
		}
	}
}
