package rag

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// ExtractiveConfig configures the offline extractive answerer.
type ExtractiveConfig struct {
	// MaxSentences is the most sentences an answer quotes. Default 3.
	MaxSentences int `json:"max_sentences"`
	// MinRelative drops sentences scoring below this share of the best
	// sentence's score. Default 0.6.
	MinRelative float64 `json:"min_relative"`
	// MaxPassages is how many of the best passages sentences are taken
	// from. Default 5.
	MaxPassages int `json:"max_passages"`
}

func (c ExtractiveConfig) withDefaults() ExtractiveConfig {
	if c.MaxSentences <= 0 {
		c.MaxSentences = 3
	}
	if c.MinRelative <= 0 {
		c.MinRelative = 0.6
	}
	if c.MaxPassages <= 0 {
		c.MaxPassages = 5
	}
	return c
}

// sentenceCandidate is a sentence of a retrieved passage.
type sentenceCandidate struct {
	passage int // index into passages
	start   int // byte offsets in the article
	end     int
	text    string
	terms   []string
	score   float64
	lede    bool // the first sentence of the best passage's article
}

// extract picks the sentences of the best passages that best answer
// question: each sentence is scored by the share of the question's term
// weight it contains and its embedding's similarity to the question. It
// returns the answer text with [n] markers and the citations, whose quotes
// are the chosen sentences.
func (e *Engine) extract(ctx context.Context, ts TermStats, ledeArticle *corpus.Article, question string, qvec []float32, passages []Passage) (string, []Citation) {
	cfg := e.cfg.Extractive.withDefaults()
	if len(passages) == 0 {
		return "", nil
	}
	var cands []*sentenceCandidate
	// The lede (first sentence) of the best passage's article is a
	// candidate wherever among the passages it is: a news article's lede
	// states its main facts.
	lede := -1
	if a := ledeArticle; a != nil {
		lede = ledeStart(a.Text)
	}
	for pi, p := range passages {
		for _, s := range sentences(p.Text) {
			text := p.Text[s.Start:s.End]
			isLede := p.ArticleID == passages[0].ArticleID && p.Start+s.Start == lede
			if pi >= cfg.MaxPassages && !isLede || !isStatement(text) {
				continue // headings, questions, datelines, fragments
			}
			cands = append(cands, &sentenceCandidate{
				passage: pi, start: p.Start + s.Start, end: p.Start + s.End,
				text: text, terms: uniq(e.analyzer.Terms(nil, text)), lede: isLede,
			})
		}
	}
	if len(cands) == 0 {
		return "", nil
	}
	// Lexical: share of the question's IDF mass the sentence contains.
	qw := newQueryWeights(e.analyzer.Terms(nil, question), ts)
	idf := make(map[string]float64, len(qw.ids))
	for t, i := range qw.pos {
		idf[t] = qw.w[i]
	}
	total := qw.total
	// Dense: the question against each sentence. Sentence vectors are
	// cached, so repeated passages cost nothing after the first time.
	var dense []float32
	if qvec == nil { // bm25 retrieval did not embed the question
		if q, err := e.cfg.Embedder.EmbedQuery(ctx, question); err == nil {
			qvec = slices.Clone(q)
			embed.Normalize(qvec)
		}
	}
	if qvec != nil {
		texts := make([]string, len(cands))
		for i, c := range cands {
			texts[i] = c.text
		}
		if vs, err := e.sentences.embed(ctx, e.cfg.Embedder, texts); err == nil {
			dense = make([]float32, len(vs))
			for i, v := range vs {
				if len(v) == len(qvec) {
					dense[i] = dot(qvec, v)
				}
			}
		}
	}
	kind := answerKind(question)
	qwords := questionWords(question)
	qterms := uniq(e.analyzer.Terms(nil, question))
	for i, c := range cands {
		var got float64
		for _, t := range c.terms {
			got += idf[t]
		}
		lex := 0.0
		if total > 0 {
			lex = got / total
		}
		s := lex
		if dense != nil {
			s = 0.6*lex + 0.4*float64(dense[i])
		}
		// Prefer sentences of better-ranked passages, slightly.
		s += 0.05 * passages[c.passage].Score
		// Prefer sentences holding what the question asks for (a number
		// for "how many", a name for "who") beyond its own words, and
		// avoid those that only restate the question.
		if kind != kindNone && holdsKind(kind, c.text, qwords) {
			s += extractKindBonus
		}
		if c.lede {
			s += extractLedeBonus
		}
		if novel := 1 - termJaccardShare(c.terms, qterms); novel < extractMinNovel {
			s -= extractRestatePenalty
		}
		c.score = s
	}
	ranked := slices.Clone(cands)
	slices.SortStableFunc(ranked, func(a, b *sentenceCandidate) int { return cmp.Compare(b.score, a.score) })
	chosen := choose(ranked, passages, cfg)
	var b strings.Builder
	byN := map[int]*Citation{}
	var order []int
	for i, c := range chosen {
		p := passages[c.passage]
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("(")
		b.WriteString(Attribution(p.Outlet, p.Published))
		b.WriteString(") ")
		b.WriteString(strings.Join(strings.Fields(c.text), " "))
		b.WriteString(" [")
		b.WriteString(strconv.Itoa(p.N))
		b.WriteString("]")
		if ct, ok := byN[p.N]; ok {
			ct.Start, ct.End = min(ct.Start, c.start), max(ct.End, c.end)
			continue
		}
		byN[p.N] = &Citation{
			N: p.N, ArticleID: p.ArticleID, Title: p.Title, Outlet: p.Outlet,
			Published: p.Published, URL: p.URL, Start: c.start, End: c.end,
			AlsoPublished: p.AlsoPublished,
		}
		order = append(order, p.N)
	}
	cites := make([]Citation, 0, len(order))
	for _, n := range order {
		ct := byN[n]
		p := passages[slices.IndexFunc(passages, func(p Passage) bool { return p.N == n })]
		ct.Quote = p.Text[ct.Start-p.Start : ct.End-p.Start]
		cites = append(cites, *ct)
	}
	slices.SortFunc(cites, func(a, b Citation) int { return a.N - b.N })
	return b.String(), cites
}

// Extraction weights: tuned on the questions of squad-dev's even-numbered
// articles.
const (
	extractKindBonus      = 0.1  // the sentence holds the kind of answer asked for
	extractMinNovel       = 0.25 // below this share of new terms a sentence restates the question
	extractRestatePenalty = 0.1
	extractOtherSource    = 0.8 // another article's best sentence is shown if it scores this share of the best
	extractLedeBonus      = 0.15
)

// ledeStart returns the byte offset of an article's first statement
// sentence, or -1.
func ledeStart(text string) int {
	head := text[:min(len(text), 2000)]
	for _, s := range sentences(head) {
		if isStatement(head[s.Start:s.End]) {
			return s.Start
		}
	}
	return -1
}

// choose picks the answer's sentences from ranked (best first): up to
// cfg.MaxSentences, each scoring at least cfg.MinRelative of the best and
// not repeating a chosen one. When all would come from one article, the
// best sentence of another article takes the last place if it scores at
// least extractOtherSource of the best, so that a second source's account,
// which may differ, is shown beside the first. The best sentence comes
// first; the rest follow in article order.
func choose(ranked []*sentenceCandidate, passages []Passage, cfg ExtractiveConfig) []*sentenceCandidate {
	best := ranked[0].score
	var chosen []*sentenceCandidate
	repeats := func(c *sentenceCandidate) bool {
		return slices.ContainsFunc(chosen, func(o *sentenceCandidate) bool {
			return o.start == c.start && passages[o.passage].ArticleID == passages[c.passage].ArticleID || termJaccard(o.terms, c.terms) >= 0.7
		})
	}
	for _, c := range ranked {
		if len(chosen) == cfg.MaxSentences || c.score < cfg.MinRelative*best {
			break
		}
		if !repeats(c) {
			chosen = append(chosen, c)
		}
	}
	art := func(c *sentenceCandidate) string { return passages[c.passage].ArticleID }
	if len(chosen) > 1 && !slices.ContainsFunc(chosen, func(c *sentenceCandidate) bool { return art(c) != art(chosen[0]) }) {
		for _, c := range ranked {
			if c.score < extractOtherSource*best {
				break
			}
			if art(c) != art(chosen[0]) && !repeats(c) {
				chosen[len(chosen)-1] = c
				break
			}
		}
	}
	rest := chosen[1:]
	slices.SortFunc(rest, func(a, b *sentenceCandidate) int {
		if c := cmp.Compare(a.passage, b.passage); c != 0 {
			return c
		}
		return cmp.Compare(a.start, b.start)
	})
	return chosen
}

// Attribution names an article's outlet and date as an answer shows them:
// "Sky News, 3 March 2025"; "no outlet named" and "undated" where the
// article does not say.
func Attribution(outlet string, published time.Time) string {
	o := strings.TrimSpace(outlet)
	if o == "" {
		o = "no outlet named"
	}
	if published.IsZero() {
		return o + ", undated"
	}
	return o + ", " + published.Format("2 January 2006")
}

// termJaccardShare is the share of a's terms that are in b (both sorted
// and de-duplicated).
func termJaccardShare(a, b []string) float64 {
	if len(a) == 0 {
		return 1
	}
	n := 0
	for _, t := range a {
		if _, ok := slices.BinarySearch(b, t); ok {
			n++
		}
	}
	return float64(n) / float64(len(a))
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// termJaccard is the Jaccard similarity of two sorted, de-duplicated term
// lists.
func termJaccard(a, b []string) float64 {
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch c := strings.Compare(a[i], b[j]); {
		case c == 0:
			inter++
			i++
			j++
		case c < 0:
			i++
		default:
			j++
		}
	}
	u := len(a) + len(b) - inter
	if u == 0 {
		return 1
	}
	return float64(inter) / float64(u)
}

// isStatement reports whether a sentence can answer: at least four words,
// ending like a sentence, and not a question (headings and subheads have no
// closing punctuation; a question is not an answer).
func isStatement(s string) bool {
	if CountWords(s) < 4 {
		return false
	}
	t := strings.TrimRight(s, `"'”’)]»`)
	if t == "" {
		return false
	}
	switch t[len(t)-1] {
	case '.', '!':
		return true
	}
	return strings.HasSuffix(t, "…") || strings.HasSuffix(t, ":")
}
