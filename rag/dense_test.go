package rag

import (
	"context"
	"math"
	"testing"

	"github.com/newsrag/newsrag/internal/testfake"
	chromem "github.com/philippgille/chromem-go"
)

// TestDenseSearchMatchesChromem checks the index's own vector scan against
// the chromem-go collection's exhaustive search, on one CPU's worth and on
// a split scan.
func TestDenseSearchMatchesChromem(t *testing.T) {
	ctx := context.Background()
	sents := benchSentences(t)
	for _, n := range []int{300, parallelScanMin + 500} {
		arts := syntheticArticles(sents, n, 3)
		ix, _, err := Build(ctx, arts, BuildConfig{Embedder: testfake.RandomEmbedder{Dim: 64}, BatchSize: 1024})
		if err != nil {
			t.Fatal(err)
		}
		for qi, q := range []string{"first query", "second query", "third"} {
			qv := testfake.RandomEmbedder{Dim: 64}.Vec(q)
			got, err := ix.denseSearch(ctx, qv, 20, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ix.chromemSearch(ctx, qv, 20)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d chunks, query %d: %d results, chromem %d", ix.Len(), qi, len(got), len(want))
			}
			for i := range got {
				if ix.chunks[got[i].Doc].ID != want[i].ID || math.Abs(float64(got[i].Score-want[i].Similarity)) > 1e-5 {
					t.Errorf("%d chunks, query %d, rank %d: %+v, chromem %+v", ix.Len(), qi, i, got[i], want[i])
				}
			}
		}
	}
}

func TestDenseSearchFiltered(t *testing.T) {
	ctx := context.Background()
	ix, _, err := Build(ctx, syntheticArticles(benchSentences(t), 200, 4), BuildConfig{Embedder: testfake.RandomEmbedder{Dim: 32}})
	if err != nil {
		t.Fatal(err)
	}
	even := func(d uint32) bool { return d%2 == 0 }
	got, err := ix.denseSearch(ctx, testfake.RandomEmbedder{Dim: 32}.Vec("q"), 1000, even)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != (ix.Len()+1)/2 {
		t.Errorf("%d results, want every even chunk (%d)", len(got), (ix.Len()+1)/2)
	}
	for i, s := range got {
		if !even(s.Doc) {
			t.Errorf("chunk %d passed the filter", s.Doc)
		}
		if i > 0 && s.Score > got[i-1].Score {
			t.Errorf("rank %d scores above rank %d", i, i-1)
		}
	}
}

func TestDot(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 47, 512, 515} {
		a, b := make([]float32, n), make([]float32, n)
		var want float64
		for i := range a {
			a[i], b[i] = float32(i%7)-3, float32(i%5)*0.5
			want += float64(a[i]) * float64(b[i])
		}
		if got := dot(a, b); math.Abs(float64(got)-want) > 1e-3 {
			t.Errorf("dot of %d: %v, want %v", n, got, want)
		}
		if got := dotGeneric(a, b); math.Abs(float64(got)-want) > 1e-3 {
			t.Errorf("dotGeneric of %d: %v, want %v", n, got, want)
		}
	}
}

func BenchmarkDot512(b *testing.B) {
	x, y := testfake.RandomEmbedder{Dim: 512}.Vec("x"), testfake.RandomEmbedder{Dim: 512}.Vec("y")
	for _, impl := range []struct {
		name string
		f    func(a, b []float32) float32
	}{{"dot", dot}, {"generic", dotGeneric}} {
		b.Run(impl.name, func(b *testing.B) {
			var s float32
			for i := 0; i < b.N; i++ {
				s += impl.f(x, y)
			}
			_ = s
		})
	}
}

// chromemSearch is the dense search through the chromem-go collection's own
// query, unfiltered: what denseSearch is checked and measured against.
func (ix *Index) chromemSearch(ctx context.Context, q []float32, n int) ([]chromem.Result, error) {
	n = min(n, ix.docs.Count()) // chromem refuses nResults > Count
	if n == 0 {
		return nil, nil
	}
	return ix.docs.QueryEmbedding(ctx, q, n, nil, nil)
}
