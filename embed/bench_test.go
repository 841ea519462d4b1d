package embed

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// prefixText returns a word prefix of a reference text with exactly n
// tokens if there is one, else the longest prefix of the long reference
// text with at most n tokens.
func prefixText(tb testing.TB, m *USELite, n int) string {
	tb.Helper()
	cases := referenceCases(tb)
	for _, c := range cases {
		fields := strings.Fields(c.Text)
		for i := 1; i <= len(fields); i++ {
			s := strings.Join(fields[:i], " ")
			if m.CountTokens(s) == n {
				return s
			}
		}
	}
	fields := strings.Fields(cases[len(cases)-1].Text)
	best := ""
	for i := 1; i <= len(fields); i++ {
		s := strings.Join(fields[:i], " ")
		if m.CountTokens(s) > n {
			break
		}
		best = s
	}
	return best
}

// batchTexts returns the 256 passages of about 128 tokens that
// BenchmarkEmbedBatch256 embeds.
func batchTexts(tb testing.TB, m *USELite) []string {
	base := prefixText(tb, m, 124)
	texts := make([]string, 256)
	for i := range texts {
		// Vary the texts a little; each stays within 128 tokens.
		texts[i] = base + " " + []string{"again", "today", "now", "here"}[i%4]
	}
	return texts
}

func BenchmarkEmbedPassage128(b *testing.B) {
	m := testModel(b)
	text := prefixText(b, m, 128)
	b.Logf("%d tokens, kernel %s, GOMAXPROCS %d", m.CountTokens(text), kernel.name, runtime.GOMAXPROCS(0))
	ctx := context.Background()
	start := cpuTime()
	for b.Loop() {
		if _, err := m.EmbedQuery(ctx, text); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
	if kb, ok := hugePagesKB(); ok {
		b.Logf("%d MB of the process in huge pages", kb/1024)
	}
}

// hugePagesKB returns the process's memory in transparent huge pages
// (AnonHugePages of /proc/self/smaps_rollup, Linux), for telling a slow run
// whose weights did not get huge pages from one on a busy machine.
func hugePagesKB() (int, bool) {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "AnonHugePages:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb, err == nil
		}
	}
	return 0, false
}

func BenchmarkEmbedQuery13(b *testing.B) {
	m := testModel(b)
	text := prefixText(b, m, 13)
	b.Logf("%d tokens: %q, kernel %s, GOMAXPROCS %d", m.CountTokens(text), text, kernel.name, runtime.GOMAXPROCS(0))
	ctx := context.Background()
	start := cpuTime()
	defer reportCPU(b, start)
	for b.Loop() {
		if _, err := m.EmbedQuery(ctx, text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbedBatch256 embeds 256 passages of about 128 tokens with
// EmbedDocuments on all cores and reports passages per second.
func BenchmarkEmbedBatch256(b *testing.B) {
	m := testModel(b)
	texts := batchTexts(b, m)
	b.Logf("GOMAXPROCS %d, %d tokens, kernel %s", runtime.GOMAXPROCS(0), m.CountTokens(texts[0]), kernel.name)
	ctx := context.Background()
	start := cpuTime()
	for b.Loop() {
		if _, err := m.EmbedDocuments(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "passages/s")
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(len(texts)*b.N), "cpu-ms/passage")
	}
}

// BenchmarkLoadUSELite loads the model from the cache (verifying hashes).
func BenchmarkLoadUSELite(b *testing.B) {
	testModel(b) // make sure it is cached
	ctx := context.Background()
	for b.Loop() {
		if _, err := LoadUSELite(ctx, ModelConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbedPassage128Kernels is BenchmarkEmbedPassage128 with each
// kernel this machine can run, the portable one included.
func BenchmarkEmbedPassage128Kernels(b *testing.B) {
	m := testModel(b)
	text := prefixText(b, m, 128)
	ctx := context.Background()
	for name, kern := range kernels() {
		b.Run(name, func(b *testing.B) {
			withKernel(b, kern, func() {
				start := cpuTime()
				for b.Loop() {
					if _, err := m.EmbedQuery(ctx, text); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, start)
			})
		})
	}
}
