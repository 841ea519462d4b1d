package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/newsrag/newsrag/rag/eval"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMirror checks that the mirror keeps the articles the refusal corpus
// left out, keeps their questions' answers and asks the others' questions
// as unanswerable.
func TestMirror(t *testing.T) {
	dir := t.TempDir()
	full, refusal, out := filepath.Join(dir, "full"), filepath.Join(dir, "refusal"), filepath.Join(dir, "mirror")
	for _, a := range []string{"A.md", "B.md", "C.md"} {
		write(t, filepath.Join(full, "corpus", a), "text of "+a)
	}
	write(t, filepath.Join(refusal, "corpus", "B.md"), "text of B.md")
	write(t, filepath.Join(full, "questions.jsonl"),
		`{"id":"1","question":"about A?","answers":["a"],"sources":["A.md"]}
{"id":"2","question":"about B?","answers":["b"],"sources":["B.md"]}
{"id":"3","question":"about C?","answers":["c"],"sources":["C.md"]}
`)
	if err := run(out, full, refusal); err != nil {
		t.Fatal(err)
	}
	es, err := os.ReadDir(filepath.Join(out, "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"A.md", "C.md"}) {
		t.Errorf("mirror corpus %v, want [A.md C.md]", names)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "corpus", "C.md")); string(b) != "text of C.md" {
		t.Errorf("C.md copied as %q", b)
	}
	qs, err := eval.ReadQuestions(filepath.Join(out, "questions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"1": true, "2": false, "3": true}
	if len(qs) != len(want) {
		t.Fatalf("%d questions, want %d", len(qs), len(want))
	}
	for _, q := range qs {
		if q.Answerable() != want[q.ID] || (len(q.Sources) > 0) != want[q.ID] {
			t.Errorf("question %s: answers %v, sources %v; answerable should be %v", q.ID, q.Answers, q.Sources, want[q.ID])
		}
	}
}

func TestMirrorNothingLeft(t *testing.T) {
	dir := t.TempDir()
	full, refusal := filepath.Join(dir, "full"), filepath.Join(dir, "refusal")
	write(t, filepath.Join(full, "corpus", "A.md"), "a")
	write(t, filepath.Join(refusal, "corpus", "A.md"), "a")
	write(t, filepath.Join(full, "questions.jsonl"), `{"id":"1","question":"q","answers":["a"],"sources":["A.md"]}`+"\n")
	if err := run(filepath.Join(dir, "out"), full, refusal); err == nil {
		t.Error("mirroring a refusal corpus that holds every article succeeded")
	}
}
