package rag

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"

	"github.com/newsrag/newsrag/corpus"
)

// Second-stage re-ranking (hybrid mode). The first stage (BM25 and dense,
// fused) scores a chunk as a whole, so a chunk whose query terms are
// scattered over unrelated sentences ranks as high as one that states the
// answer in one sentence. The second stage re-scores the best candidates by
// their best sentence window: the share of the question's term weight (IDF)
// that one sentence, or two adjacent ones, contain, plus the question's
// bigrams found in order, with the article title counting as part of every
// window; a window holding a number is preferred when the question asks for
// one ("when", "how many", …; asked how far or how long, a number in its
// units: see measure.go). An article's first chunk, its lede, gets a
// small boost: a news article states its main facts first, and every chunk
// of an article shares its title, so without it the lede ties with the
// article's other chunks.
//
// The weights were tuned on the questions of half of squad-dev's articles
// and checked on the other half (see the eval report in the README).

// rerankDepth is how many candidates are re-scored (at least 3k).
const rerankDepth = 30

// rerankWeights are the second stage's weights. A zero weight switches its
// part off, which is how the tests show that each part earns its place.
type rerankWeights struct {
	share  float64 // share of the final score taken by the sentence match; 0: no re-ranking
	pair   float64 // a two-sentence window's match is discounted by this
	title  float64 // title terms count this much in every window
	bigram float64 // weight of the question's bigrams found in order
	number float64 // boost of a window holding a number, for questions asking for one
	lede   float64 // added to the score of an article's first chunk
}

// defaultRerank are the weights Retrievers use.
//
// lede was chosen on multihop-dev (news; `newsrag eval`, hybrid): 0, 0.02,
// 0.03, 0.05 and 0.1 gave MRR@10 0.663, 0.670, 0.672, 0.675, 0.673,
// Hits@4 0.787, 0.793, 0.795, 0.794, 0.793 and Hits@10 0.902 but for 0.893
// at 0.1; on squad-dev (Wikipedia) answer-recall@1 was 0.860, 0.860,
// 0.859, 0.859, 0.857, and on squad5 (TestRerankRegression) 0.840 up to
// 0.03, below from 0.04.
var defaultRerank = rerankWeights{share: 0.35, pair: 0.85, title: 1.0, bigram: 0.6, number: 0.3, lede: 0.03}

// queryWeights are the distinct known query terms with their IDF weights;
// at most 64 terms take part (the rest are the least informative).
type queryWeights struct {
	ids   []uint32 // term IDs, as in the store's bags
	w     []float64
	pos   map[string]int // term → index in ids
	pairs [][2]int       // adjacent query terms, by index in ids (at most 64)
	total float64        // including unknown terms, as in coverage
}

// newQueryWeights weighs the analysed query terms by their IDF in ts.
func newQueryWeights(terms []string, ts TermStats) (qw queryWeights) {
	maxIDF := unknownIDF(ts)
	var names []string
	for _, t := range terms {
		id, idf, ok := ts.Term(t)
		if !ok {
			qw.total += maxIDF
			continue
		}
		if slices.Contains(qw.ids, id) {
			continue
		}
		qw.ids = append(qw.ids, id)
		qw.w = append(qw.w, idf)
		names = append(names, t)
		qw.total += idf
	}
	if len(qw.ids) > 64 {
		// Keep the 64 heaviest.
		idx := make([]int, len(qw.ids))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(qw.w[b], qw.w[a]) })
		ids, w, ns := make([]uint32, 64), make([]float64, 64), make([]string, 64)
		for i := range 64 {
			ids[i], w[i], ns[i] = qw.ids[idx[i]], qw.w[idx[i]], names[idx[i]]
		}
		qw.ids, qw.w, names = ids, w, ns
	}
	qw.pos = make(map[string]int, len(names))
	for i, t := range names {
		qw.pos[t] = i
	}
	prev := -1
	for _, t := range terms {
		cur, ok := qw.pos[t]
		if !ok {
			cur = -1
		}
		if prev >= 0 && cur >= 0 && prev != cur && len(qw.pairs) < 64 && !slices.Contains(qw.pairs, [2]int{prev, cur}) {
			qw.pairs = append(qw.pairs, [2]int{prev, cur})
		}
		prev = cur
	}
	return qw
}

// pairWeight is the summed weight of the bigrams in mask: each weighs as
// its lighter term.
func (qw *queryWeights) pairWeight(mask uint64) float64 {
	var s float64
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		p := qw.pairs[i]
		s += min(qw.w[p[0]], qw.w[p[1]])
		mask &= mask - 1
	}
	return s
}

// weight is the summed weight of the query terms in mask.
func (qw *queryWeights) weight(mask uint64) float64 {
	var s float64
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		s += qw.w[i]
		mask &= mask - 1
	}
	return s
}

// mask returns the set of query terms among the analysed terms of text,
// and the set of the question's bigrams (by index in qw.pairs) that occur
// in text as adjacent terms.
func (qw *queryWeights) mask(a *Analyzer, text string) (m, bi uint64) {
	prev := -1
	forEachWord(text, func(w string, _, _ int) {
		t, ok := a.term(w)
		if !ok {
			return
		}
		cur, ok := qw.pos[t]
		if !ok {
			cur = -1
		}
		if cur >= 0 {
			m |= 1 << cur
			if prev >= 0 {
				for k, p := range qw.pairs {
					if p == [2]int{prev, cur} {
						bi |= 1 << k
					}
				}
			}
		}
		prev = cur
	})
	return m, bi
}

// sentenceMatch is the best sentence window's share of the query weight in
// the candidate's chunk, in [0,1]. Windows are one sentence or two adjacent ones, and
// may reach one sentence beyond the chunk on either side (within its
// paragraph), since a chunk's first sentence often names its subject only
// in the sentence before. number, when the question asks for one, tells
// the windows that hold it (see numberCheck).
func (r *Retriever) sentenceMatch(qw *queryWeights, title uint64, c *candidate, number func(string) bool) float64 {
	if qw.total == 0 {
		return 0
	}
	ch := c.Chunk
	text := c.Article.Text
	var spans []span
	before, after := contextSentence(text, ch.Start, ch.End)
	if before.End > before.Start {
		spans = append(spans, before)
	}
	first := len(spans)
	for _, s := range sentences(text[ch.Start:ch.End]) {
		spans = append(spans, span{ch.Start + s.Start, ch.Start + s.End})
	}
	last := len(spans) - 1
	if after.End > after.Start {
		spans = append(spans, after)
	}
	masks := make([]uint64, len(spans))
	bis := make([]uint64, len(spans))
	nums := make([]bool, len(spans))
	for i, s := range spans {
		masks[i], bis[i] = qw.mask(r.analyzer, text[s.Start:s.End])
		if number != nil {
			nums[i] = number(text[s.Start:s.End])
		}
	}
	best := 0.0
	score := func(m, bi uint64, num bool) float64 {
		v := qw.weight(m) + r.weights.title*qw.weight(title&^m) + r.weights.bigram*qw.pairWeight(bi)
		if num {
			v *= 1 + r.weights.number
		}
		return v
	}
	for i := first; i <= last; i++ {
		best = max(best, score(masks[i], bis[i], nums[i]))
		if i+1 < len(masks) {
			best = max(best, r.weights.pair*score(masks[i]|masks[i+1], bis[i]|bis[i+1], nums[i] || nums[i+1]))
		}
		if i == first && i > 0 {
			best = max(best, r.weights.pair*score(masks[i]|masks[i-1], bis[i]|bis[i-1], nums[i] || nums[i-1]))
		}
	}
	return best / qw.total
}

// contextSentence returns the sentences just before start and just after
// end in text, within the same paragraph (empty spans when there are none).
func contextSentence(text string, start, end int) (before, after span) {
	const reach = 400
	lo := max(0, start-reach)
	if i := strings.LastIndex(text[lo:start], "\n\n"); i >= 0 {
		lo += i + 2
	}
	if ss := sentences(text[lo:start]); len(ss) > 0 {
		s := ss[len(ss)-1]
		before = span{lo + s.Start, lo + s.End}
	}
	hi := min(len(text), end+reach)
	if i := strings.Index(text[end:hi], "\n\n"); i >= 0 {
		hi = end + i
	}
	if ss := sentences(text[end:hi]); len(ss) > 0 {
		after = span{end + ss[0].Start, end + ss[0].End}
	}
	return before, after
}

// hasNumber reports whether text holds a word with a digit.
func hasNumber(text string) bool {
	for _, r := range text {
		if r >= '0' && r <= '9' {
			return true
		}
	}
	return false
}

// numericQuestion reports whether a question asks for a number, a date or
// a quantity ("when", "how many", "what year", …).
func numericQuestion(q string) bool {
	q = " " + strings.ToLower(q) + " "
	for _, p := range numericCues {
		if strings.Contains(q, p) {
			return true
		}
	}
	return false
}

var numericCues = []string{
	" when ", " what year", " which year", " what date", " what day", " what month", " what century",
	" what decade", " what time", " how many", " how much", " how long", " how old", " how far",
	" how large", " how big", " how high", " how tall", " how deep", " how fast", " how often",
	" what percentage", " what percent", " what proportion", " what fraction", " what amount",
	" what number", " how large", " in what year", " what age", " at what age", " how wide", " how heavy",
}

// rerank re-scores the first n candidates of list (sorted by fused score)
// by blending in their sentence match, and re-sorts them.
func (r *Retriever) rerank(question string, qw queryWeights, list []*candidate, n int) {
	n = min(n, len(list))
	if n <= 1 {
		return
	}
	number := numberCheck(question)
	if len(qw.ids) == 0 {
		return
	}
	titles := map[*corpus.Article]uint64{}
	for _, c := range list[:n] {
		tm, ok := titles[c.Article]
		if !ok {
			tm, _ = qw.mask(r.analyzer, c.Article.Title)
			titles[c.Article] = tm
		}
		c.score = (1-r.weights.share)*c.score + r.weights.share*r.sentenceMatch(&qw, tm, c, number)
		if strings.TrimSpace(c.Article.Text[:c.Chunk.Start]) == "" { // the article's first chunk
			c.score += r.weights.lede
		}
	}
	slices.SortFunc(list[:n], func(a, b *candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.rank, b.rank)
	})
}
