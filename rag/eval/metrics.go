package eval

import (
	"math"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/newsrag/newsrag/rag"
)

// Report is the result of Evaluate. Its JSON form is what
// "newsrag eval --json" prints.
type Report struct {
	Dataset    string    `json:"dataset"`
	Questions  int       `json:"questions"`
	Answerable int       `json:"answerable"`
	K          int       `json:"k"`
	Index      IndexInfo `json:"index"`
	Runs       []Run     `json:"runs"`
	Created    time.Time `json:"created"`
}

// IndexInfo describes the index an evaluation ran on.
type IndexInfo struct {
	Key            string          `json:"key"` // cache key: corpus hash and settings
	Path           string          `json:"path"`
	Cached         bool            `json:"cached"` // reused rather than built by this run
	Embedder       string          `json:"embedder"`
	Chunking       rag.ChunkConfig `json:"chunking"`
	Articles       int             `json:"articles"`
	Chunks         int             `json:"chunks"`
	MeanChunkWords float64         `json:"mean_chunk_words"`
	// Build figures are those of the run that built the index.
	BuildMS         float64 `json:"build_ms"`
	EmbedMS         float64 `json:"embed_ms"`
	Embedded        int     `json:"embedded"`
	ChunksPerSecond float64 `json:"chunks_per_second"`
}

// Run is one retriever's measurements.
type Run struct {
	Retriever rag.RetrievalConfig `json:"retriever"`
	// Recall holds the figures at k = 1, 3, 5, 10 (those not above K).
	Recall []KMetric `json:"recall"`
	// AnswerRecallCurve is answer-recall@k for k = 1..K.
	AnswerRecallCurve []float64 `json:"answer_recall_curve"`
	// ArticleHitCurve is article-hit@k for k = 1..K.
	ArticleHitCurve []float64 `json:"article_hit_curve"`
	// MRR is the mean reciprocal rank of the first passage holding a gold
	// answer (0 when none of the K does), over answerable questions.
	MRR float64 `json:"mrr"`
	// MeanWordsAt5 is the mean number of words in the top 5 passages.
	MeanWordsAt5 float64        `json:"mean_words_at_5"`
	Latency      Latency        `json:"latency"`
	Answers      *AnswerMetrics `json:"answers,omitempty"`
	// Evidence holds the MultiHop-RAG metrics, overall then per question
	// type, when the questions carry evidence.
	Evidence []EvidenceMetrics `json:"evidence,omitempty"`
}

// At returns the metrics at k, if measured.
func (r Run) At(k int) (KMetric, bool) {
	i := slices.IndexFunc(r.Recall, func(m KMetric) bool { return m.K == k })
	if i < 0 {
		return KMetric{}, false
	}
	return r.Recall[i], true
}

// KMetric is the retrieval quality at one depth k.
type KMetric struct {
	K int `json:"k"`
	// AnswerRecall: share of answerable questions with a gold answer
	// (case-insensitive) in one of the top k passages.
	AnswerRecall float64 `json:"answer_recall"`
	// ArticleHit: share of questions with gold sources that have a passage
	// from one of them in the top k.
	ArticleHit float64 `json:"article_hit"`
}

// Latency summarises per-question retrieval time, in milliseconds.
type Latency struct {
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Mean float64 `json:"mean_ms"`
}

// AnswerMetrics scores answers produced by rag.Engine.Ask.
type AnswerMetrics struct {
	Asked  int `json:"asked"`
	Errors int `json:"errors"` // questions whose answering failed
	// Contains: share of answerable questions whose answer text contains a
	// gold answer (case-insensitive).
	Contains float64 `json:"contains"`
	// FirstSentence: share of answerable questions whose answer's first
	// sentence (up to its first citation marker) contains a gold answer.
	FirstSentence float64 `json:"first_sentence_contains"`
	// CitationPrecision: mean, over answers citing anything, of the share
	// of cited articles that are gold sources.
	CitationPrecision float64 `json:"citation_precision"`
	// CitationValidity: share of answers with no invalid citation marker.
	CitationValidity float64 `json:"citation_validity"`
	// Refusal: share of unanswerable questions answered "not in the
	// corpus" (0 when the set has none).
	Refusal float64 `json:"refusal"`
	// FalseRefusal: share of answerable questions answered "not in the
	// corpus".
	FalseRefusal float64 `json:"false_refusal"`
	// Sweep is refusal against false refusal as the answerability
	// threshold varies (only for sets with both kinds of question).
	Sweep []SweepPoint `json:"sweep,omitempty"`
}

// SweepPoint is refusal and false refusal at one answerability threshold:
// a question is declined when its answerability is below Threshold, or
// when it was declined for another reason (nothing to extract, the LLM
// declined).
type SweepPoint struct {
	Threshold    float64 `json:"threshold"`
	Refusal      float64 `json:"refusal"`
	FalseRefusal float64 `json:"false_refusal"`
}

// evalHit is a retrieved passage as scoring sees it.
type evalHit struct {
	Text   string
	Source string // the article's path relative to the corpus root
	Words  int
}

// evalResult is the ranked passages retrieved for one question.
type evalResult []evalHit

// reportKs are the depths reported in tables.
var reportKs = []int{1, 3, 5, 10}

// scoreRetrieval computes retrieval metrics for results[i], the ranked
// passages for qs[i], down to depth k.
func scoreRetrieval(qs []Question, results []evalResult, k int) *Run {
	ansHits := make([]int, k+1) // questions whose first answer is at rank r
	artHits := make([]int, k+1)
	var nAns, nSrc int
	var rr, words5 float64
	for i, q := range qs {
		res := results[i]
		if len(res) > k {
			res = res[:k]
		}
		for j, h := range res {
			if j < 5 {
				words5 += float64(h.Words)
			}
		}
		if q.Answerable() {
			nAns++
			if r := firstAnswer(q.Answers, res); r > 0 {
				ansHits[r]++
				rr += 1 / float64(r)
			}
		}
		if len(q.Sources) > 0 {
			nSrc++
			if r := firstSource(q.Sources, res); r > 0 {
				artHits[r]++
			}
		}
	}
	run := &Run{
		AnswerRecallCurve: cumulative(ansHits, nAns),
		ArticleHitCurve:   cumulative(artHits, nSrc),
		MeanWordsAt5:      words5 / float64(max(len(qs), 1)),
	}
	if nAns > 0 {
		run.MRR = rr / float64(nAns)
	}
	for _, kk := range reportKs {
		if kk <= k {
			run.Recall = append(run.Recall, KMetric{K: kk, AnswerRecall: run.AnswerRecallCurve[kk-1], ArticleHit: run.ArticleHitCurve[kk-1]})
		}
	}
	return run
}

// cumulative turns counts of first hits by rank (1-based) into shares at
// depth 1..len(hits)-1.
func cumulative(hits []int, n int) []float64 {
	out := make([]float64, len(hits)-1)
	sum := 0
	for r := 1; r < len(hits); r++ {
		sum += hits[r]
		if n > 0 {
			out[r-1] = float64(sum) / float64(n)
		}
	}
	return out
}

// firstAnswer returns the 1-based rank of the first passage containing one
// of the answers, case-insensitively, or 0.
func firstAnswer(answers []string, res evalResult) int {
	lower := make([]string, 0, len(answers))
	for _, a := range answers {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			lower = append(lower, a)
		}
	}
	for j, h := range res {
		t := strings.ToLower(h.Text)
		for _, a := range lower {
			if strings.Contains(t, a) {
				return j + 1
			}
		}
	}
	return 0
}

// firstSource returns the 1-based rank of the first passage from one of
// the gold sources, or 0.
func firstSource(sources []string, res evalResult) int {
	for j, h := range res {
		if isGold(sources, h.Source) {
			return j + 1
		}
	}
	return 0
}

// isGold reports whether the article at path p (relative to the corpus
// root) is one of the gold sources.
func isGold(sources []string, p string) bool {
	p = path.Clean(strings.ReplaceAll(p, "\\", "/"))
	for _, s := range sources {
		if path.Clean(strings.ReplaceAll(s, "\\", "/")) == p {
			return true
		}
	}
	return false
}

// latencyOf summarises durations.
func latencyOf(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Latency{
		P50:  ms(percentile(s, 0.50)),
		P95:  ms(percentile(s, 0.95)),
		P99:  ms(percentile(s, 0.99)),
		Mean: ms(sum / time.Duration(len(s))),
	}
}

// percentile returns the nearest-rank p-quantile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// scoreAnswers scores answers[i], the answer to qs[i] (nil when answering
// failed). pathOf maps an article ID to its path relative to the corpus.
func scoreAnswers(qs []Question, answers []*rag.Answer, threshold float64, pathOf func(id string) string) *AnswerMetrics {
	m := &AnswerMetrics{Asked: len(qs)}
	var nAns, nUnans, contains, firstContains, valid, refused, falseRefused, nCiting int
	var precision float64
	for i, q := range qs {
		a := answers[i]
		if a == nil {
			m.Errors++
			continue
		}
		if len(a.InvalidCitations) == 0 {
			valid++
		}
		if !q.Answerable() {
			nUnans++
			if !a.Answerable {
				refused++
			}
			continue
		}
		nAns++
		if !a.Answerable {
			falseRefused++
		}
		if firstAnswer(q.Answers, evalResult{{Text: a.Answer}}) > 0 {
			contains++
		}
		if first, _, _ := strings.Cut(a.Answer, "]"); firstAnswer(q.Answers, evalResult{{Text: first}}) > 0 {
			firstContains++
		}
		seen := map[string]bool{}
		gold := 0
		for _, c := range a.Citations {
			if seen[c.ArticleID] {
				continue
			}
			seen[c.ArticleID] = true
			if isGold(q.Sources, pathOf(c.ArticleID)) {
				gold++
			}
		}
		if len(seen) > 0 {
			nCiting++
			precision += float64(gold) / float64(len(seen))
		}
	}
	share := func(n, d int) float64 {
		if d == 0 {
			return 0
		}
		return float64(n) / float64(d)
	}
	m.Contains = share(contains, nAns)
	m.CitationValidity = share(valid, len(qs)-m.Errors)
	m.Refusal = share(refused, nUnans)
	m.FalseRefusal = share(falseRefused, nAns)
	m.FirstSentence = share(firstContains, nAns)
	if nAns > 0 && nUnans > 0 {
		m.Sweep = sweep(qs, answers, threshold)
	}
	if nCiting > 0 {
		m.CitationPrecision = precision / float64(nCiting)
	}
	return m
}

// sweep computes refusal and false refusal at thresholds 0, 0.05, …, 1,
// from each answer's answerability; threshold is the one the answers were
// given with, so an answer declined at or above it was declined for
// another reason and stays declined.
func sweep(qs []Question, answers []*rag.Answer, threshold float64) []SweepPoint {
	var out []SweepPoint
	for i := 0; i <= 20; i++ {
		t := float64(i) / 20
		var nAns, nUnans, ref, fr int
		for j, q := range qs {
			a := answers[j]
			if a == nil {
				continue
			}
			declined := a.Answerability < t || (!a.Answerable && a.Answerability >= threshold)
			if q.Answerable() {
				nAns++
				if declined {
					fr++
				}
			} else {
				nUnans++
				if declined {
					ref++
				}
			}
		}
		out = append(out, SweepPoint{Threshold: t, Refusal: float64(ref) / float64(max(1, nUnans)), FalseRefusal: float64(fr) / float64(max(1, nAns))})
	}
	return out
}
