package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsrag/newsrag/internal/testfake"
	"github.com/newsrag/newsrag/rag"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScoreRetrieval(t *testing.T) {
	qs := []Question{
		{ID: "a", Answers: []string{"Paris"}, Sources: []string{"a.md"}},
		{ID: "b", Answers: []string{"gold", "Au"}, Sources: []string{"c.md"}},
		{ID: "c", Answers: []string{"x-ray"}, Sources: []string{"d.md"}},
		{ID: "d"}, // unanswerable, no sources: counts only for words@5
	}
	results := []evalResult{
		{{Text: "no", Source: "b.md", Words: 1}, {Text: "in PARIS today", Source: "a.md", Words: 3}},
		{{Text: "a Gold medal", Source: "c.md", Words: 3}, {Text: "x", Source: "c.md", Words: 1}},
		{{Text: "nothing", Source: "a.md", Words: 1}, {Text: "x ray", Source: "b.md", Words: 2}},
		{{Text: "w", Source: "a.md", Words: 1}, {Text: "w", Source: "a.md", Words: 1}, {Text: "w", Source: "a.md", Words: 1},
			{Text: "w", Source: "a.md", Words: 1}, {Text: "w", Source: "a.md", Words: 1}, {Text: "beyond 5", Source: "a.md", Words: 2}},
	}
	run := scoreRetrieval(qs, results, 3)
	wantCurve := []float64{1.0 / 3, 2.0 / 3, 2.0 / 3}
	for i, w := range wantCurve {
		if !near(run.AnswerRecallCurve[i], w) || !near(run.ArticleHitCurve[i], w) {
			t.Errorf("@%d: answer recall %v, article hit %v; want %v", i+1, run.AnswerRecallCurve[i], run.ArticleHitCurve[i], w)
		}
	}
	if !near(run.MRR, (0.5+1+0)/3) {
		t.Errorf("MRR = %v, want 0.5", run.MRR)
	}
	// words in the top 5 of the K=3 kept: 4 + 4 + 3 + 3, over 4 questions.
	if !near(run.MeanWordsAt5, 14.0/4) {
		t.Errorf("words@5 = %v, want 3.5", run.MeanWordsAt5)
	}
	// Only k=1 and k=3 are reported when K=3.
	if len(run.Recall) != 2 || run.Recall[0].K != 1 || run.Recall[1].K != 3 {
		t.Fatalf("recall rows %+v, want k=1 and k=3", run.Recall)
	}
	if m, _ := run.At(3); !near(m.AnswerRecall, 2.0/3) {
		t.Errorf("At(3) = %+v", m)
	}
	if _, ok := run.At(5); ok {
		t.Error("At(5) reported beyond K")
	}
}

func TestLatencyPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := latencyOf(ds)
	if l.P50 != 50 || l.P95 != 95 || l.P99 != 99 || !near(l.Mean, 50.5) {
		t.Errorf("latency %+v, want p50 50, p95 95, p99 99, mean 50.5", l)
	}
	if (latencyOf(nil) != Latency{}) {
		t.Error("latency of nothing is not zero")
	}
}

func TestScoreAnswers(t *testing.T) {
	qs := []Question{
		{Answers: []string{"Zenda"}, Sources: []string{"alpha.md"}},
		{Answers: []string{"Blue River"}, Sources: []string{"beta.md"}},
		{Answers: []string{"cheese"}, Sources: []string{"gamma.md"}},
		{}, // unanswerable
		{}, // unanswerable
		{Answers: []string{"x"}},
	}
	pathOf := func(id string) string { return id + ".md" }
	answers := []*rag.Answer{
		{Answerable: true, Answerability: 0.9, Answer: "It is zenda [1].", Citations: []rag.Citation{{N: 1, ArticleID: "alpha"}}},
		{Answerable: true, Answerability: 0.7, Answer: "The Blue River [1][2].", Citations: []rag.Citation{{N: 1, ArticleID: "beta"}, {N: 2, ArticleID: "alpha"}, {N: 3, ArticleID: "beta"}},
			InvalidCitations: []int{9}},
		{Answerable: false, Answerability: 0.2, Answer: "The corpus does not appear to contain an answer."},
		{Answerable: false, Answerability: 0.1},
		{Answerable: true, Answerability: 0.6, Answer: "made up [1]", Citations: []rag.Citation{{N: 1, ArticleID: "alpha"}}},
		nil, // failed
	}
	m := scoreAnswers(qs, answers, 0.5, pathOf)
	want := AnswerMetrics{
		Asked: 6, Errors: 1,
		Contains:          2.0 / 3,       // answerable and answered: 3 (one failed)
		FirstSentence:     2.0 / 3,       // both hold the answer before their first marker
		CitationPrecision: (1 + 0.5) / 2, // answers citing gold among answerable ones
		CitationValidity:  4.0 / 5,       // one of five answers had an invalid marker
		Refusal:           1.0 / 2,       // one of two unanswerable refused
		FalseRefusal:      1.0 / 3,       // one of three answerable refused
	}
	if m.Asked != want.Asked || m.Errors != want.Errors || !near(m.Contains, want.Contains) ||
		!near(m.CitationPrecision, want.CitationPrecision) || !near(m.CitationValidity, want.CitationValidity) ||
		!near(m.Refusal, want.Refusal) || !near(m.FalseRefusal, want.FalseRefusal) || !near(m.FirstSentence, want.FirstSentence) {
		t.Errorf("got %+v\nwant %+v", *m, want)
	}
	// The sweep: at threshold t a question is declined when its
	// answerability is below t (the third, declined by the gate at 0.2 <
	// 0.5, counts as answered for t <= 0.2).
	for _, c := range []struct{ t, refusal, falseRefusal float64 }{
		{0, 0, 0}, {0.15, 0.5, 0}, {0.25, 0.5, 1.0 / 3}, {0.65, 1, 1.0 / 3}, {0.75, 1, 2.0 / 3}, {0.95, 1, 1},
	} {
		p := m.Sweep[int(c.t*20+0.5)]
		if !near(p.Threshold, c.t) || !near(p.Refusal, c.refusal) || !near(p.FalseRefusal, c.falseRefusal) {
			t.Errorf("sweep at %.2f: %+v, want refusal %.3f false refusal %.3f", c.t, p, c.refusal, c.falseRefusal)
		}
	}
}

func TestReadQuestions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, body string
		n          int
		wantErr    bool
	}{
		{"ok", `{"id":"1","question":"q?","answers":["a"],"sources":["x.md"]}` + "\n\n" + `{"question":"r?","answers":[]}` + "\n", 2, false},
		{"bad json", `{"id":1,`, 0, true},
		{"no question", `{"id":"1","answers":["a"]}`, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".jsonl")
			os.WriteFile(p, []byte(tc.body), 0o644)
			qs, err := ReadQuestions(p)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if len(qs) != tc.n {
				t.Fatalf("%d questions, want %d", len(qs), tc.n)
			}
			if tc.n == 2 && (qs[1].ID != "3" || qs[1].Answerable()) {
				t.Errorf("second question %+v: want id from its line number, unanswerable", qs[1])
			}
		})
	}
}

// tinyBench writes a hand-made evaluation set to a temp dir.
func tinyBench(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"corpus/alpha.md": "---\ntitle: Freedonia\n---\n\nThe capital of Freedonia is Zenda, a city of bridges.\n",
		"corpus/beta.md":  "---\ntitle: Sylvania\n---\n\nThe Blue River flows through Sylvania from the mountains.\n",
		"corpus/gamma.md": "---\ntitle: Grand Fenwick\n---\n\nGrand Fenwick exports wine and builds small rockets.\n",
		"questions.jsonl": strings.Join([]string{
			`{"id":"q1","question":"What is the capital of Freedonia?","answers":["zenda"],"sources":["alpha.md"]}`,
			`{"id":"q2","question":"Which river flows through Sylvania?","answers":["Blue River"],"sources":["beta.md"]}`,
			`{"id":"q3","question":"What does Grand Fenwick export besides rockets?","answers":["cheese"],"sources":["gamma.md"]}`,
			`{"id":"q4","question":"What is the population of Mars?","answers":[],"sources":[]}`,
		}, "\n") + "\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEvaluateTinyBench(t *testing.T) {
	ctx := context.Background()
	dir := tinyBench(t)
	emb := testfake.NewEmbedder()
	cfg := Config{Dir: dir, CacheDir: t.TempDir(), Embedder: emb, K: 3,
		Retrievers: []rag.RetrievalConfig{{Mode: rag.RetrieveBM25}, {Mode: rag.RetrieveHybrid, DenseWeight: 0.3}}}
	rep, err := Evaluate(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Questions != 4 || rep.Answerable != 3 || rep.Index.Articles != 3 || rep.Index.Chunks != 3 || rep.Index.Cached {
		t.Fatalf("report header %+v", rep)
	}
	if len(rep.Runs) != 2 {
		t.Fatalf("%d runs, want 2", len(rep.Runs))
	}
	for _, run := range rep.Runs {
		// q1 and q2 find their answer first; q3's gold answer is nowhere.
		if m, _ := run.At(1); !near(m.AnswerRecall, 2.0/3) || !near(m.ArticleHit, 1) {
			t.Errorf("%s @1: %+v, want answer recall 2/3, article hit 1", run.Label(), m)
		}
		if !near(run.MRR, 2.0/3) {
			t.Errorf("%s MRR = %v, want 2/3", run.Label(), run.MRR)
		}
	}

	// The second run reuses the cached index: nothing is embedded again.
	calls := emb.Calls.Load()
	rep2, err := Evaluate(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep2.Index.Cached || emb.Calls.Load() != calls || rep2.Index.Key != rep.Index.Key {
		t.Errorf("second run: cached %v, embedded %d more texts; want the cached index", rep2.Index.Cached, emb.Calls.Load()-calls)
	}
	if rep2.Index.Embedded != rep.Index.Embedded || rep2.Index.BuildMS != rep.Index.BuildMS {
		t.Errorf("cached build figures %+v differ from the build's %+v", rep2.Index, rep.Index)
	}
}

func TestEvaluateCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	dir := tinyBench(t)
	cache := t.TempDir()
	base := Config{Dir: dir, CacheDir: cache, Embedder: testfake.NewEmbedder(), K: 3,
		Retrievers: []rag.RetrievalConfig{{Mode: rag.RetrieveBM25}}}
	first, err := Evaluate(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	other := testfake.NewEmbedder()
	other.Model = "hash-2"
	for _, tc := range []struct {
		name   string
		change func(*Config)
	}{
		{"chunking", func(c *Config) { c.Chunking = rag.ChunkConfig{MaxWords: 7} }},
		{"embedder", func(c *Config) { c.Embedder = other }},
		{"corpus", func(c *Config) {
			p := filepath.Join(dir, "corpus", "gamma.md")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, append(b, []byte("\nIt also makes cheese.\n")...), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.change(&cfg)
			rep, err := Evaluate(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Index.Cached || rep.Index.Key == first.Index.Key {
				t.Errorf("after changing the %s the cached index was reused (key %s)", tc.name, rep.Index.Key)
			}
			again, err := Evaluate(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !again.Index.Cached {
				t.Errorf("the index rebuilt for the changed %s was not cached", tc.name)
			}
		})
	}
}

func TestEvalReportJSONSchema(t *testing.T) {
	ctx := context.Background()
	rep, err := Evaluate(ctx, Config{Dir: tinyBench(t), CacheDir: t.TempDir(), Embedder: testfake.NewEmbedder(),
		Retrievers: []rag.RetrievalConfig{rag.DefaultRetrievalConfig}, Answers: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	check := func(what string, m map[string]any, want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := keys(m); !slices.Equal(got, want) {
			t.Errorf("%s keys %v, want %v", what, got, want)
		}
	}
	check("report", doc, "dataset", "questions", "answerable", "k", "index", "runs", "created")
	check("index", doc["index"].(map[string]any), "key", "path", "cached", "embedder", "chunking", "articles", "chunks",
		"mean_chunk_words", "build_ms", "embed_ms", "embedded", "chunks_per_second")
	run := doc["runs"].([]any)[0].(map[string]any)
	check("run", run, "retriever", "recall", "answer_recall_curve", "article_hit_curve", "mrr", "mean_words_at_5", "latency", "answers")
	check("recall", run["recall"].([]any)[0].(map[string]any), "k", "answer_recall", "article_hit")
	check("latency", run["latency"].(map[string]any), "p50_ms", "p95_ms", "p99_ms", "mean_ms")
	check("answers", run["answers"].(map[string]any), "asked", "errors", "contains", "citation_precision",
		"citation_validity", "refusal", "false_refusal", "first_sentence_contains", "sweep")
	sw := run["answers"].(map[string]any)["sweep"].([]any)
	if len(sw) != 21 {
		t.Fatalf("sweep has %d points, want 21 (thresholds 0, 0.05, …, 1)", len(sw))
	}
	check("sweep point", sw[0].(map[string]any), "threshold", "refusal", "false_refusal")
	if lo, hi := sw[0].(map[string]any), sw[20].(map[string]any); lo["refusal"].(float64) > hi["refusal"].(float64) ||
		lo["false_refusal"].(float64) > hi["false_refusal"].(float64) {
		t.Errorf("sweep does not rise from threshold 0 to 1: %v … %v", lo, hi)
	}
	if n := len(run["answer_recall_curve"].([]any)); n != 10 {
		t.Errorf("recall curve has %d points, want 10 (default K)", n)
	}
	if ks := run["recall"].([]any); len(ks) != 4 {
		t.Errorf("%d recall rows, want k=1,3,5,10", len(ks))
	}
}

func TestEvalReportOutputs(t *testing.T) {
	rep, err := Evaluate(context.Background(), Config{Dir: tinyBench(t), CacheDir: t.TempDir(), Embedder: testfake.NewEmbedder(),
		Retrievers: []rag.RetrievalConfig{{Mode: rag.RetrieveBM25}, {Mode: rag.RetrieveDense}, rag.DefaultRetrievalConfig}})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"R@1", "R@10", "MRR", "bm25", "dense", retrieverLabel(rag.DefaultRetrievalConfig), "p99 ms"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	var page bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	if n := strings.Count(html, "<svg"); n != 4 {
		t.Errorf("%d charts, want one per run (3) and one comparing them", n)
	}
	if !strings.Contains(html, `aria-label="answer-recall at k, all retrievers"`) {
		t.Error("no comparison chart")
	}
	for _, external := range []string{"<script src", "<link", "<img", "url(", "@import"} {
		if strings.Contains(html, external) {
			t.Errorf("report is not self-contained: it contains %q", external)
		}
	}
}

func TestEvaluateErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Evaluate(ctx, Config{Dir: t.TempDir(), CacheDir: t.TempDir(), Embedder: testfake.NewEmbedder()}); err == nil {
		t.Error("a directory without questions.jsonl evaluated")
	}
	if _, err := Evaluate(ctx, Config{Dir: tinyBench(t), CacheDir: t.TempDir(), Embedder: testfake.NewEmbedder(),
		Retrievers: []rag.RetrievalConfig{{Mode: "magic"}}}); err == nil {
		t.Error("an unknown retriever evaluated")
	}
	if _, err := Evaluate(ctx, Config{Dir: tinyBench(t)}); err == nil {
		t.Error("evaluated without an embedder")
	}
}

func TestEvaluateEvery(t *testing.T) {
	rep, err := Evaluate(context.Background(), Config{Dir: tinyBench(t), CacheDir: t.TempDir(), Embedder: testfake.NewEmbedder(), Every: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Questions 1 and 3 of 4: two answerable.
	if rep.Questions != 2 || rep.Answerable != 2 {
		t.Errorf("every 2nd question: %d questions, %d answerable; want 2, 2", rep.Questions, rep.Answerable)
	}
}

// TestEvalReportSweep: with answers to a set holding both kinds of
// question, the table gains the first-sentence column and the page a
// refusal curve per run.
func TestEvalReportSweep(t *testing.T) {
	rep, err := Evaluate(context.Background(), Config{Dir: tinyBench(t), CacheDir: t.TempDir(), Embedder: testfake.NewEmbedder(), Answers: true})
	if err != nil {
		t.Fatal(err)
	}
	var table, page bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "first sentence") {
		t.Errorf("table lacks the first-sentence column:\n%s", table.String())
	}
	html := page.String()
	if !strings.Contains(html, `aria-label="refusal against false refusal, `) || strings.Count(html, "<circle") < 21 {
		t.Error("no refusal curve with a point per threshold")
	}
}

func TestEvaluateConcurrentRunsBuildOnce(t *testing.T) {
	ctx := context.Background()
	dir, cache := tinyBench(t), t.TempDir()
	emb := testfake.NewEmbedder()
	cfg := Config{Dir: dir, CacheDir: cache, Embedder: emb, K: 3, Retrievers: []rag.RetrievalConfig{{Mode: rag.RetrieveBM25}}}
	reps := make([]*Report, 3)
	errs := make([]error, len(reps))
	var wg sync.WaitGroup
	for i := range reps {
		wg.Go(func() { reps[i], errs[i] = Evaluate(ctx, cfg) })
	}
	wg.Wait()
	built := 0
	for i, rep := range reps {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !rep.Index.Cached {
			built++
		}
	}
	if built != 1 || emb.Calls.Load() != int64(reps[0].Index.Chunks) {
		t.Errorf("%d of %d concurrent runs built the index, %d texts embedded for %d chunks; want one build", built, len(reps), emb.Calls.Load(), reps[0].Index.Chunks)
	}
}

// TestEvaluateSentences: --sentences writes each extracted answer's
// candidate sentences with their features and labels, the training data
// of rag/extracttrain.
func TestEvaluateSentences(t *testing.T) {
	var buf bytes.Buffer
	cfg := Config{Dir: tinyBench(t), CacheDir: t.TempDir(), Embedder: testfake.NewEmbedder(), K: 3, Answers: true,
		Relevance: rag.RelevanceConfig{Threshold: 1e-9}, Sentences: &buf}
	if _, err := Evaluate(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rows := map[string]SentenceRow{}
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var r SentenceRow
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		rows[r.ID] = r
	}
	r, ok := rows["q1"]
	if !ok {
		t.Fatalf("no row for q1 in %v", rows)
	}
	if r.Dataset == "" || r.Question != "What is the capital of Freedonia?" || len(r.Sentences) == 0 {
		t.Fatalf("row %+v", r)
	}
	found := false
	for _, s := range r.Sentences {
		if s.HoldsAnswer {
			found = true
			if !s.GoldSource || s.Source != "alpha.md" || s.Features == (rag.SentenceFeatures{}) {
				t.Errorf("answering sentence %+v: want gold source alpha.md and features", s)
			}
		}
	}
	if !found {
		t.Errorf("no sentence of q1 is labelled as holding its answer: %+v", r.Sentences)
	}
}
