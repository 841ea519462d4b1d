package rag

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

// Scale benchmarks. The large indexes are built from generated articles
// whose sentences are drawn at random from a real corpus (squad-dev when
// $NEWSRAG_BENCH_CORPUS or ../../shared/bench/squad-dev/corpus exists, else
// the built-in default corpus), so the lexicon has real term statistics.
// Their vectors are random unit vectors (testfake.RandomEmbedder): the built-in
// model would take hours to embed 100k chunks on two cores, and the cost
// of a dense search does not depend on the values. Queries are real
// sentences' leading words; their vectors are random too, so the figures
// exclude embedding the question (see BenchmarkQueryEmbedding).
//
//	go test ./rag/ -run '^$' -bench 'Scale' -benchtime 200x -timeout 60m

// benchSentences returns the sentences of the benchmark source corpus.
func benchSentences(tb testing.TB) []string {
	tb.Helper()
	dir := os.Getenv("NEWSRAG_BENCH_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "bench", "squad-dev", "corpus")
	}
	var arts []corpus.Article
	if res, err := corpus.Load(context.Background(), dir, corpus.LoadOptions{}); err == nil && len(res.Articles) > 0 {
		arts = res.Articles
	} else {
		var derr error
		if arts, derr = corpus.Default(); derr != nil {
			tb.Fatal(derr)
		}
	}
	var out []string
	for _, a := range arts {
		for _, s := range sentences(a.Text) {
			if t := a.Text[s.Start:s.End]; CountWords(t) >= 5 {
				out = append(out, t)
			}
		}
	}
	return out
}

// syntheticArticles generates articles that chunk into about n chunks of
// real sentences: paragraphs of 3–6 random sentences, 8 paragraphs each.
func syntheticArticles(sents []string, n int, seed uint64) []corpus.Article {
	rng := rand.New(rand.NewPCG(seed, 2))
	// About 1.7 chunks per paragraph with the default chunking.
	paras := n * 10 / 17
	var arts []corpus.Article
	for i := 0; paras > 0; i++ {
		var b strings.Builder
		for p := 0; p < 8 && paras > 0; p++ {
			if p > 0 {
				b.WriteString("\n\n")
			}
			for s, ns := 0, 3+rng.IntN(4); s < ns; s++ {
				if s > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(sents[rng.IntN(len(sents))])
			}
			paras--
		}
		a := corpus.Article{ID: fmt.Sprintf("gen/%06d", i), Title: fmt.Sprintf("Generated article %d", i), Text: b.String()}
		a.Hash = testfake.Hash(a)
		arts = append(arts, a)
	}
	return arts
}

var (
	scaleMu      sync.Mutex
	scaleIndexes = map[int]*Index{}
)

// scaleIndex builds (once per size) an index of about n chunks.
func scaleIndex(b *testing.B, n int) *Index {
	b.Helper()
	scaleMu.Lock()
	defer scaleMu.Unlock()
	if ix, ok := scaleIndexes[n]; ok {
		return ix
	}
	arts := syntheticArticles(benchSentences(b), n, uint64(n))
	t0 := time.Now()
	ix, st, err := Build(context.Background(), arts, BuildConfig{Embedder: testfake.RandomEmbedder{Dim: 512}, BatchSize: 1024})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d chunks (%d articles) in %s", st.Chunks, st.Articles, time.Since(t0).Round(time.Millisecond))
	scaleIndexes[n] = ix
	return ix
}

// benchQueries returns question-like queries: the first 6–10 words of
// random sentences, with a question word in front.
func benchQueries(sents []string, n int) []string {
	rng := rand.New(rand.NewPCG(7, 7))
	lead := []string{"What", "When", "Who", "How many", "Which", "Why"}
	out := make([]string, n)
	for i := range out {
		w := strings.Fields(sents[rng.IntN(len(sents))])
		w = w[:min(len(w), 6+rng.IntN(5))]
		out[i] = lead[rng.IntN(len(lead))] + " " + strings.Join(w, " ") + "?"
	}
	return out
}

var scaleSizes = []int{1_000, 10_000, 100_000}

// BenchmarkScaleRetrieve measures top-10 retrieval per mode and index size,
// reporting the median and 95th percentile per query.
func BenchmarkScaleRetrieve(b *testing.B) {
	qs := benchQueries(benchSentences(b), 1000)
	for _, n := range scaleSizes {
		for _, mode := range []string{RetrieveHybrid, RetrieveBM25, RetrieveDense} {
			b.Run(fmt.Sprintf("%s/%dk", mode, n/1000), func(b *testing.B) {
				ix := scaleIndex(b, n)
				r := NewRetriever(RetrievalConfig{Mode: mode, DenseWeight: DefaultRetrievalConfig.DenseWeight}, testfake.RandomEmbedder{Dim: 512})
				ctx := context.Background()
				lat := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					t0 := time.Now()
					if _, err := r.Retrieve(ctx, ix, Request{Question: qs[i%len(qs)], K: 10}); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				b.StopTimer()
				reportLatency(b, lat)
				b.ReportMetric(float64(ix.Len()), "chunks")
			})
		}
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(p float64) float64 {
		i := min(max(int(math.Ceil(p*float64(len(lat))))-1, 0), len(lat)-1)
		return float64(lat[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}

// BenchmarkScaleDenseSearch isolates the dense top-100 search: the index's
// own scan, and the chromem-go collection's query it replaced.
func BenchmarkScaleDenseSearch(b *testing.B) {
	for _, n := range scaleSizes {
		for _, impl := range []string{"scan", "chromem"} {
			b.Run(fmt.Sprintf("%s/%dk", impl, n/1000), func(b *testing.B) {
				ix := scaleIndex(b, n)
				q := testfake.RandomEmbedder{Dim: 512}.Vec("query")
				ctx := context.Background()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					var err error
					if impl == "scan" {
						_, err = ix.denseSearch(ctx, q, 100, nil)
					} else {
						_, err = ix.chromemSearch(ctx, q, 100)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkScaleLoad measures loading a persisted 100k-chunk index.
func BenchmarkScaleLoad(b *testing.B) {
	ix := scaleIndex(b, 100_000)
	path := filepath.Join(b.TempDir(), IndexFileName)
	if err := ix.Save(path); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Load(context.Background(), path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
}

// TestScaleMemory reports the memory a 100k-chunk index holds: live heap
// after a collection, and the process's resident set. It runs only with
// NEWSRAG_SCALE=1 (it takes about a minute).
func TestScaleMemory(t *testing.T) {
	if os.Getenv("NEWSRAG_SCALE") != "1" {
		t.Skip("set NEWSRAG_SCALE=1 to build a 100k-chunk index")
	}
	arts := syntheticArticles(benchSentences(t), 100_000, 100_000)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix, _, err := Build(context.Background(), arts, BuildConfig{Embedder: testfake.RandomEmbedder{Dim: 512}, BatchSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	arts = nil // the index holds its own copy of the articles
	peak := residentMB()
	report := func(what string, ix *Index) {
		runtime.GC()
		debug.FreeOSMemory()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap := float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc)) / (1 << 20)
		rss := residentMB()
		t.Logf("%s %d chunks: live heap %.0f MB (vectors alone %.0f MB), resident %.0f MB (peak while building %.0f MB)",
			what, ix.Len(), heap, float64(len(ix.vectors)*4)/(1<<20), rss, peak)
		if rss > 1024 {
			t.Errorf("resident %.0f MB, want at most 1024 MB", rss)
		}
	}
	report("built", ix)
	path := filepath.Join(t.TempDir(), IndexFileName)
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	ix = nil
	loaded, err := Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	report("loaded", loaded)
	runtime.KeepAlive(loaded)
}

// residentMB is the process's resident set size, from /proc (0 elsewhere).
func residentMB() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res float64
	fmt.Sscan(string(b), &size, &res)
	return res * float64(os.Getpagesize()) / (1 << 20)
}

// BenchmarkIngestBuiltin measures ingest (chunking, embedding with the
// built-in model, indexing) of real articles, in chunks per second.
func BenchmarkIngestBuiltin(b *testing.B) {
	emb := testfake.Builtin(b)
	arts, err := corpus.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var chunks int
	var took time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		ix, _, err := Build(context.Background(), arts, BuildConfig{Embedder: emb})
		if err != nil {
			b.Fatal(err)
		}
		took += time.Since(t0)
		chunks += ix.Len()
	}
	b.ReportMetric(float64(chunks)/took.Seconds(), "chunks/s")
}

// BenchmarkQueryEmbedding is the cost of embedding a question with the
// built-in model, which hybrid and dense retrieval add to the figures
// above.
func BenchmarkQueryEmbedding(b *testing.B) {
	emb := testfake.Builtin(b)
	qs := benchQueries(benchSentences(b), 100)
	b.ResetTimer()
	lat := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := emb.EmbedQuery(context.Background(), qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatency(b, lat)
}
