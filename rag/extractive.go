package rag

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// ExtractiveConfig configures the offline extractive answerer.
type ExtractiveConfig struct {
	// MaxSentences is the most sentences an answer quotes. Default 3.
	MaxSentences int `json:"max_sentences"`
	// MaxPassages is how many of the best passages sentences are taken
	// from; a later passage adds its sentences when its article is one of
	// theirs (more of an article already cited, no new sources). Default 5.
	MaxPassages int `json:"max_passages"`
	// Model scores the candidate sentences. Default: DefaultExtractModel.
	Model *ExtractModel `json:"-"`
	// Trace, when set, receives every candidate sentence of each extracted
	// answer with its features and score: the training data of
	// rag/extracttrain.
	Trace func(question string, sentences []ExtractedSentence) `json:"-"`
}

func (c ExtractiveConfig) withDefaults() ExtractiveConfig {
	if c.MaxSentences <= 0 {
		c.MaxSentences = 3
	}
	if c.Model == nil {
		c.Model = &DefaultExtractModel
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
	index   int      // its place among its passage's sentences
	of      int      // its passage's sentences
	lede    bool     // the first sentence of the best passage's article
	held    []string // the question's terms it holds, sorted

	features SentenceFeatures
	score    float64 // the model's logit
}

// extract picks the sentences of the best passages that best answer
// question: each sentence is scored by the share of the question's term
// weight it contains and its embedding's similarity to the question. It
// returns the answer text with [n] markers and the citations, whose quotes
// are the chosen sentences.
func (e *Engine) extract(ctx context.Context, ts TermStats, article func(i int) *corpus.Article, question string, qvec []float32, passages []Passage) (string, []Citation) {
	return e.answerFrom(question, e.scoreCandidates(ctx, ts, article, question, qvec, passages), passages, article)
}

// answerFrom is extract from the candidates scoreCandidates returned for
// question and passages. article gives passage i's article (nil: none
// known), where withContext finds sentences beyond a passage's ends.
func (e *Engine) answerFrom(question string, cands []*sentenceCandidate, passages []Passage, article func(i int) *corpus.Article) (string, []Citation) {
	cfg := e.cfg.Extractive.withDefaults()
	model := cfg.Model
	if len(cands) == 0 {
		return "", nil
	}
	ranked := slices.Clone(cands)
	slices.SortStableFunc(ranked, func(a, b *sentenceCandidate) int { return cmp.Compare(b.score, a.score) })
	chosen := choose(ranked, passages, cfg.MaxSentences, model)
	chosen = withContext(question, chosen, cands, passages, cfg.MaxSentences, article)
	if cfg.Trace != nil {
		trace := make([]ExtractedSentence, len(cands))
		for i, c := range cands {
			trace[i] = ExtractedSentence{ArticleID: passages[c.passage].ArticleID, Passage: c.passage, Start: c.start,
				Text: c.text, Features: c.features, Score: c.score, Chosen: slices.Index(chosen, c) + 1}
		}
		cfg.Trace(question, trace)
	}
	// Asked when, a sentence's "seven days ago" is resolved against its
	// article's date after its marker.
	asksDate := askOf(question) == askDate
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
		if asksDate {
			if notes := datedPhrases(c.text, p.Published); len(notes) > 0 {
				b.WriteString(" (" + strings.Join(notes, "; ") + ")")
			}
		}
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
		i := slices.IndexFunc(passages, func(p Passage) bool { return p.N == n })
		if p := passages[i]; ct.Start >= p.Start && ct.End-p.Start <= len(p.Text) {
			ct.Quote = p.Text[ct.Start-p.Start : ct.End-p.Start]
		} else { // a sentence withContext took from beyond the passage
			ct.Quote = article(i).Text[ct.Start:ct.End]
		}
		cites = append(cites, *ct)
	}
	slices.SortFunc(cites, func(a, b Citation) int { return a.N - b.N })
	return b.String(), cites
}

// scoreCandidates returns the candidate sentences of passages (the best
// ones and the lede of the best passage's article), in passage order, each
// scored by the configured sentence model. article gives passage i's
// article (nil: none known), from which a sentence the chunker cut at a
// passage's edge is taken whole.
func (e *Engine) scoreCandidates(ctx context.Context, ts TermStats, article func(i int) *corpus.Article, question string, qvec []float32, passages []Passage) []*sentenceCandidate {
	cfg := e.cfg.Extractive.withDefaults()
	if len(passages) == 0 {
		return nil
	}
	if article == nil {
		article = func(int) *corpus.Article { return nil }
	}
	var cands []*sentenceCandidate
	// The lede (first sentence) of the best passage's article is a
	// candidate wherever among the passages it is: a news article's lede
	// states its main facts.
	lede := -1
	if a := article(0); a != nil {
		lede = ledeStart(a.Text)
	}
	topArticles := map[string]bool{}
	for _, p := range passages[:min(len(passages), cfg.MaxPassages)] {
		topArticles[p.ArticleID] = true
	}
	for pi, p := range passages {
		if pi >= cfg.MaxPassages && !topArticles[p.ArticleID] {
			continue
		}
		ss := sentences(p.Text)
		a := article(pi)
		for si, s := range ss {
			start, end := p.Start+s.Start, p.Start+s.End
			text := p.Text[s.Start:s.End]
			if si == 0 || si == len(ss)-1 {
				// An over-long sentence the chunker cut at the passage's
				// edge is a candidate whole.
				if ws, we := wholeSentence(a, p, start, end); ws != start || we != end {
					start, end, text = ws, we, a.Text[ws:we]
				}
			}
			isLede := p.ArticleID == passages[0].ArticleID && start == lede
			if !isStatement(text) && !holdsFacts(text) {
				continue // headings, questions, datelines, fragments
			}
			cands = append(cands, &sentenceCandidate{
				passage: pi, start: start, end: end,
				text: text, terms: uniq(e.analyzer.Terms(nil, text)), lede: isLede,
				index: si, of: len(ss),
			})
		}
	}
	if len(cands) == 0 {
		return nil
	}
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
	candidateFeatures(e.analyzer, question, newQueryWeights(e.analyzer.Terms(nil, question), ts), cands, passages, dense)
	for _, c := range cands {
		c.score = cfg.Model.Score(c.features)
	}
	return cands
}

// extractMinNovel: below this share of new terms a sentence restates the
// question.
const extractMinNovel = 0.25

// candidateFeatures sets the SentenceFeatures of one question's
// candidates; qw weighs the question's terms, dense holds the candidates'
// cosines with the question (nil: none).
func candidateFeatures(a *Analyzer, question string, qw queryWeights, cands []*sentenceCandidate, passages []Passage, dense []float32) {
	sc := newSentenceScorer(a, question, qw)
	for i, c := range cands {
		f := &c.features
		sc.lexical(c, f)
		if dense != nil {
			f[sfDense] = float64(dense[i])
		}
		// The lede stands for its article, the best passage's.
		pi := c.passage
		if c.lede {
			pi = 0
		}
		f[sfRank] = 1 / float64(1+pi)
		if top := passages[0].Score; top > 0 {
			f[sfPassageScore] = passages[pi].Score / top
		}
		if c.of > 1 {
			f[sfPosition] = float64(c.index) / float64(c.of-1)
		}
		if c.lede {
			f[sfLede] = 1
		}
		if passages[c.passage].ArticleID == passages[0].ArticleID {
			f[sfTopArticle] = 1
		}
	}
	sc.localLex(cands)
	// rare_near: the rare terms of the sentences beside it in its passage.
	for i, c := range cands {
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < len(cands) && cands[j].passage == c.passage && abs(cands[j].index-c.index) == 1 {
				c.features[sfRareNear] = max(c.features[sfRareNear], cands[j].features[sfRare])
			}
		}
	}
	topLex, topDense := 0, 0
	for i, c := range cands {
		c.features[sfLexDense] = c.features[sfLex] * c.features[sfDense]
		if c.features[sfLex] > cands[topLex].features[sfLex] {
			topLex = i
		}
		if c.features[sfDense] > cands[topDense].features[sfDense] {
			topDense = i
		}
	}
	cands[topLex].features[sfLexTop] = 1
	cands[topDense].features[sfDenseTop] = 1
}

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

// choose picks the answer's sentences from ranked (best first) by the
// choice rules of ChooseSentences.
func choose(ranked []*sentenceCandidate, passages []Passage, max int, m *ExtractModel) []*sentenceCandidate {
	cs := make([]ChoiceCandidate, len(ranked))
	for i, c := range ranked {
		cs[i] = ChoiceCandidate{Score: c.score, ArticleID: passages[c.passage].ArticleID, Start: c.start, Terms: c.terms}
	}
	idx := ChooseSentences(cs, max, m)
	chosen := make([]*sentenceCandidate, len(idx))
	for i, j := range idx {
		chosen[i] = ranked[j]
	}
	return chosen
}

// ChoiceCandidate is a candidate sentence as the choice rules see it.
type ChoiceCandidate struct {
	Score     float64 // the sentence model's score (a log-probability up to a constant)
	ArticleID string
	Start     int      // the sentence's offset in its article
	Terms     []string // its analysed terms, sorted and unique
}

// ChooseSentences picks an answer's sentences from ranked (best first) and
// returns their indexes, best first: the best, then up to max-1 more whose
// probability under m is at least m.Keep times the best's, none repeating
// a chosen one (the same sentence, or terms overlapping by a Jaccard
// similarity of 0.7). When all would come from one article, the best
// sentence of another article takes the last place if its probability is
// at least m.OtherSource times the best's, so that a second source's
// account, which may differ, is shown beside the first. The extractive
// answerer and the sentence model's trainer (rag/extracttrain) both use it.
func ChooseSentences(ranked []ChoiceCandidate, max int, m *ExtractModel) []int {
	if len(ranked) == 0 || max <= 0 {
		return nil
	}
	best := ranked[0].Score
	keep, other := best+math.Log(m.Keep), best+math.Log(m.OtherSource)
	var chosen []int
	repeats := func(c int) bool {
		return slices.ContainsFunc(chosen, func(o int) bool {
			co, cc := ranked[o], ranked[c]
			return co.Start == cc.Start && co.ArticleID == cc.ArticleID || termJaccard(co.Terms, cc.Terms) >= 0.7
		})
	}
	for c := range ranked {
		if len(chosen) == max || len(chosen) > 0 && ranked[c].Score < keep {
			break
		}
		if !repeats(c) {
			chosen = append(chosen, c)
		}
	}
	art := func(i int) string { return ranked[i].ArticleID }
	if !slices.ContainsFunc(chosen, func(c int) bool { return art(c) != art(chosen[0]) }) {
		for c := range ranked {
			if ranked[c].Score < other {
				break
			}
			if art(c) != art(chosen[0]) && !repeats(c) {
				if len(chosen) == max {
					chosen[len(chosen)-1] = c
				} else {
					chosen = append(chosen, c)
				}
				break
			}
		}
	}
	return chosen
}

// withContext adds to the chosen sentences what a reader needs to follow
// them:
//   - before a sentence that refers back ("this deal", "they") and lacks
//     the kind of answer the question asks for (a name for "who", a number
//     for "how many"), the sentence before it, when that one holds it: "the
//     UK, France and Ukraine will work together on a peace deal" before "the
//     countries committed to this deal would form a coalition";
//   - before a sentence that restates the question (fewer than a quarter
//     of its terms are new) and refers back, the sentence before it,
//     whatever the question asks: "All of this set the stage for Merit's
//     role in the NSFNET project" says what did only in the sentence
//     before;
//   - after a sentence that ends with a colon ("Dmitry Peskov said:"), the
//     sentence it introduces.
//
// The sentence added comes from the candidates (in passage order) or, past
// the ends of its passage, from its article (article: nil when none is
// known); one already chosen is not repeated. The answer stays within max
// sentences: an added sentence takes the place of the last chosen one after
// the sentence it serves whose article another chosen sentence also quotes
// (a second source stays), and is left out when there is none. Last, a
// sentence that refers back and holds none of the question's terms follows
// the sentence it leans on when that one is chosen too (antecedentsFirst).
func withContext(question string, chosen, cands []*sentenceCandidate, passages []Passage, max int, article func(i int) *corpus.Article) []*sentenceCandidate {
	k := answerKind(question)
	qwords := questionWords(question)
	art := func(c *sentenceCandidate) string { return passages[c.passage].ArticleID }
	neighbour := func(c *sentenceCandidate, d int) *sentenceCandidate {
		if j := slices.IndexFunc(cands, func(o *sentenceCandidate) bool {
			return o.passage == c.passage && o.index == c.index+d
		}); j >= 0 {
			return cands[j]
		}
		if article == nil {
			return nil
		}
		if d < 0 && c.index == 0 {
			return sentenceBefore(article(c.passage), c)
		}
		if d > 0 && c.index == c.of-1 {
			return sentenceAfter(article(c.passage), c)
		}
		return nil
	}
	out := slices.Clone(chosen)
	for i := 0; i < len(out); i++ {
		c := out[i]
		var add *sentenceCandidate
		before := false
		switch {
		case strings.HasSuffix(strings.TrimSpace(c.text), ":"):
			if add = neighbour(c, 1); add != nil && article != nil {
				add = closeQuote(article(add.passage), add)
			}
		case k != kindNone && leansOnPrevious(c.text) && !holdsKind(k, c.text, qwords):
			if add, before = neighbour(c, -1), true; add != nil && !holdsKind(k, add.text, qwords) {
				add = nil
			}
		case c.features[sfRestates] == 1 && leansOnPrevious(c.text):
			add, before = neighbour(c, -1), true
		}
		if add == nil || slices.ContainsFunc(out, func(o *sentenceCandidate) bool {
			return o.passage == add.passage && o.start == add.start
		}) {
			continue
		}
		if len(out) == max {
			drop := -1
			for j := len(out) - 1; j > i && drop < 0; j-- {
				if slices.ContainsFunc(out, func(o *sentenceCandidate) bool { return o != out[j] && art(o) == art(out[j]) }) {
					drop = j
				}
			}
			if drop < 0 {
				continue
			}
			out = slices.Delete(out, drop, drop+1)
		}
		if before {
			out = slices.Insert(out, i, add)
		} else {
			out = slices.Insert(out, i+1, add)
		}
		i++
	}
	return antecedentsFirst(out, passages)
}

// antecedentsFirst puts a chosen sentence just before an earlier-placed
// chosen sentence that leans on it: one that refers back ("He said …"),
// holds none of the question's terms, and follows it directly in the
// article, which names him. The answer then reads in the article's order
// there.
func antecedentsFirst(out []*sentenceCandidate, passages []Passage) []*sentenceCandidate {
	for i := 0; i < len(out); i++ {
		c := out[i]
		if len(c.held) > 0 || !leansOnPrevious(c.text) {
			continue
		}
		j := slices.IndexFunc(out[i+1:], func(o *sentenceCandidate) bool {
			return passages[o.passage].ArticleID == passages[c.passage].ArticleID &&
				o.end <= c.start && c.start-o.end <= 3 // only the space between
		})
		if j < 0 {
			continue
		}
		prev := out[i+1+j]
		out = slices.Insert(slices.Delete(out, i+1+j, i+2+j), i, prev)
		i++
	}
	return out
}

// maxWholeSentence bounds, in bytes, a sentence that wholeSentence
// completes beyond its passage (about 450 words): past it the piece stays
// as the passage has it.
const maxWholeSentence = 3000

// wholeSentence returns the span in a of the whole sentence of which
// [start, end), the first or last sentence of passage p, is a piece: the
// chunker cuts a sentence too long for one chunk at word boundaries, so a
// passage can open or end inside one. It returns start, end unchanged when
// the passage does not cut a sentence there, when a is nil or not p's
// article, or when the whole sentence is longer than maxWholeSentence.
func wholeSentence(a *corpus.Article, p Passage, start, end int) (int, int) {
	if a == nil || a.ID != p.ArticleID || p.End > len(a.Text) || p.Start < 0 {
		return start, end
	}
	cutStart := start == p.Start && cutBefore(a.Text, p.Start)
	cutEnd := end == p.Start+len(strings.TrimRightFunc(p.Text, unicode.IsSpace)) && cutAfter(a.Text, p.End)
	if !cutStart && !cutEnd {
		return start, end
	}
	// Sentences end at blank lines: the whole one lies within its
	// paragraph (several lines when the text is hard-wrapped).
	from := max(0, start-maxWholeSentence)
	if i := strings.LastIndex(a.Text[:start], "\n\n"); i >= 0 {
		from = max(from, i+2)
	}
	to := len(a.Text)
	if i := strings.Index(a.Text[end:], "\n\n"); i >= 0 {
		to = end + i
	}
	to = min(to, end+maxWholeSentence)
	for _, s := range sentences(a.Text[from:to]) {
		ws, we := from+s.Start, from+s.End
		if ws <= start && we >= end {
			// A span that reached a bound of the scan may be a piece
			// itself: keep the passage's.
			if ws == from && from > 0 && a.Text[from-1] != '\n' ||
				we == to && to < len(a.Text) && a.Text[to] != '\n' ||
				we-ws > maxWholeSentence {
				return start, end
			}
			return ws, we
		}
	}
	return start, end
}

// cutBefore reports whether offset i of text falls inside a sentence: the
// text before it, past spaces, is neither a line break nor the end of a
// sentence.
func cutBefore(text string, i int) bool {
	t := strings.TrimRight(text[:i], " \t")
	if t == "" || strings.HasSuffix(t, "\n") {
		return false
	}
	t = strings.TrimRight(t, `"'”’)]»`)
	r, _ := utf8.DecodeLastRuneInString(t)
	return !strings.ContainsRune(".!?…", r)
}

// cutAfter reports whether offset i of text falls inside a sentence: the
// text from it, past spaces, goes on on the same line, and the text before
// it does not end a sentence.
func cutAfter(text string, i int) bool {
	rest := strings.TrimLeft(text[i:], " \t")
	if rest == "" || rest[0] == '\n' || rest[0] == '\r' {
		return false
	}
	t := strings.TrimRight(strings.TrimRightFunc(text[:i], unicode.IsSpace), `"'”’)]»`)
	r, _ := utf8.DecodeLastRuneInString(t)
	return !strings.ContainsRune(".!?…", r)
}

// sentenceBefore returns the statement sentence of a before c, which opens
// c's passage, or nil.
func sentenceBefore(a *corpus.Article, c *sentenceCandidate) *sentenceCandidate {
	if a == nil || c.start > len(a.Text) {
		return nil
	}
	from := max(0, c.start-1500)
	ss := sentences(a.Text[from:c.start])
	if len(ss) == 0 {
		return nil
	}
	s := ss[len(ss)-1]
	text := a.Text[from+s.Start : from+s.End]
	if !isStatement(text) || strings.TrimSpace(a.Text[from+s.End:c.start]) != "" {
		return nil
	}
	return &sentenceCandidate{passage: c.passage, start: from + s.Start, end: from + s.End, text: text, index: -1}
}

// closeQuote returns c, a sentence of a, extended by the sentences after
// it in its paragraph until a quotation it opens is closed (at most three
// more): the whole of a quoted statement of several sentences.
func closeQuote(a *corpus.Article, c *sentenceCandidate) *sentenceCandidate {
	if a == nil || c.end > len(a.Text) {
		return c
	}
	open := func(t string) bool {
		return strings.Count(t, `"`)%2 == 1 || strings.Count(t, "“") > strings.Count(t, "”")
	}
	if !open(c.text) {
		return c
	}
	to := min(len(a.Text), c.end+2000)
	for n, s := range sentences(a.Text[c.end:to]) {
		gap := a.Text[c.end : c.end+s.Start]
		if n == 3 || strings.Contains(gap, "\n") {
			break
		}
		ext := *c
		ext.end = c.end + s.End
		ext.text = a.Text[c.start:ext.end]
		if !open(ext.text) {
			return &ext
		}
	}
	return c
}

// sentenceAfter returns the statement sentence of a after c, which ends
// c's passage, or nil.
func sentenceAfter(a *corpus.Article, c *sentenceCandidate) *sentenceCandidate {
	if a == nil || c.end > len(a.Text) {
		return nil
	}
	to := min(len(a.Text), c.end+1500)
	ss := sentences(a.Text[c.end:to])
	if len(ss) == 0 || to < len(a.Text) && len(ss) == 1 {
		return nil // no sentence, or one cut off at to
	}
	s := ss[0]
	text := a.Text[c.end+s.Start : c.end+s.End]
	if !isStatement(text) {
		return nil
	}
	return &sentenceCandidate{passage: c.passage, start: c.end + s.Start, end: c.end + s.End, text: text, index: -1}
}

// leansOnPrevious reports whether a sentence leans on the one before it: it
// opens with a pronoun ("They", "It", "This") or holds "this" or "these"
// before a noun that is not a time ("this deal", not "this week").
func leansOnPrevious(text string) bool {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	})
	if len(words) == 0 {
		return false
	}
	if openingPronouns[words[0]] {
		return true
	}
	for i := 1; i+1 < len(words); i++ {
		if (words[i] == "this" || words[i] == "these") && !timeNouns[strings.ToLower(words[i+1])] {
			return true
		}
	}
	return false
}

// openingPronouns open a sentence that refers to an earlier one.
var openingPronouns = map[string]bool{
	"He": true, "She": true, "It": true, "They": true, "His": true, "Her": true,
	"Its": true, "Their": true, "This": true, "These": true, "Those": true, "Such": true,
}

// timeNouns follow "this" without referring back ("this week").
var timeNouns = map[string]bool{
	"morning": true, "afternoon": true, "evening": true, "week": true, "weekend": true,
	"month": true, "year": true, "summer": true, "winter": true, "spring": true,
	"autumn": true, "time": true, "season": true, "century": true, "decade": true,
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

// trimFootnotes returns s without the footnote markers ("[3]", "[citation
// needed]") that end it.
func trimFootnotes(s string) string {
	for strings.HasSuffix(s, "]") {
		i := strings.LastIndexByte(s, '[')
		if i < 0 || footnoteEnd(s, i) != len(s) {
			break
		}
		s = s[:i]
	}
	return s
}

// holdsFacts reports whether a question is long enough to state things
// on its way (news asks "How did the “greatest military force ever
// assembled”, as George W Bush called it, not manage to defeat a group of
// mere “country boys”, as Gen Carter described them?").
func holdsFacts(s string) bool {
	return strings.HasSuffix(withoutClosers(s), "?") && CountWords(s) >= minFactWords
}

// minFactWords is the fewest words of a question that holdsFacts.
const minFactWords = 15

// withoutClosers is sentence s without the closing quotes and brackets
// and the footnote markers after its last punctuation.
func withoutClosers(s string) string {
	return strings.TrimRight(trimFootnotes(strings.TrimRight(s, `"'”’)»`)), `"'”’)]»`)
}

// isStatement reports whether a sentence can answer: at least four words,
// ending like a sentence, and not a question (headings and subheads have no
// closing punctuation; a question is not an answer).
func isStatement(s string) bool {
	if CountWords(s) < 4 {
		return false
	}
	t := withoutClosers(s)
	if t == "" {
		return false
	}
	switch t[len(t)-1] {
	case '.', '!':
		return true
	}
	return strings.HasSuffix(t, "…") || strings.HasSuffix(t, ":")
}
