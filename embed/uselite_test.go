package embed

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
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
		modelVal, modelErr = LoadUSELite(context.Background(), ModelConfig{Progress: os.Stderr})
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

func TestReferenceEmbeddings(t *testing.T) {
	m := testModel(t)
	ws := newWorkspace()
	for i, c := range referenceCases(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			// The reference sees only the first 128 tokens.
			ids := c.Tokens[:min(len(c.Tokens), useMaxTokens)]
			got := make([]float32, useDim)
			m.enc.forward(ws, ids, got)
			cos, maxDiff := compare(got, c.Embedding)
			if cos < 0.99999 {
				t.Errorf("cosine %.7f < 0.99999 (max abs diff %.2g)", cos, maxDiff)
			}
			t.Logf("cosine %.8f, max abs diff %.2g", cos, maxDiff)
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
