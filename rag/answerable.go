package rag

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// Answerability: whether the retrieved passages can answer the question is
// a measured decision. A handful of signals separate the cases — whether
// the question's rare terms and named entities occur together in one of the
// best passages (Kyiv and population, not either alone), whether the kind
// of thing the question asks for (a number for "how many", a name for
// "who") occurs near them, and the lexical and dense scores — and a
// logistic regression over them and products of pairs of them, trained by
// rag/gatetrain on named benchmark questions and near-topic questions over
// the default corpus, turns them into a probability. A question is
// answered when the probability reaches the threshold. The dense signals
// are computed whatever the retrieval mode (after bm25 retrieval, from the
// question's embedding and the passages' vectors), so one model serves
// every mode.

// Features are the answerability signals of one question and its retrieved
// passages, in the order of FeatureNames.
type Features [numFeatures]float64

// FeatureNames names the answerability features, in order.
var FeatureNames = [numFeatures]string{
	"coverage",        // best passage's share of the question's term weight (IDF)
	"window_coverage", // best one- or two-sentence window's share
	"unknown_share",   // share of the term weight the corpus never uses
	"rare_coverage",   // share of the three rarest terms found together in one passage
	"entity_coverage", // share of the question's names found together in one passage
	"has_entities",    // the question names something (a capitalised word past the first)
	"dense",           // best cosine similarity of a passage
	"dense_margin",    // best cosine minus the fifth best
	"missing_rare",    // IDF of the rarest term missing from the best window, over the corpus' largest IDF
	"asks_type",       // the question asks for a number, date, person or place
	"type_found",      // ... and the best window holds one beyond the question's own words
	"log_terms",       // log(1 + number of distinct question terms)
	"bigram_coverage", // share of the question's bigram weight found in order in the best window
	"same_article",    // share of the five best passages from the best passage's article
	"unknown_any",     // some question term is unknown to the corpus
	"coverage_dense",  // window_coverage × dense
	"rare_window",     // rare_coverage × window_coverage
	"sentence_dense",  // best cosine similarity of one sentence of the best passages
	"window_dense",    // cosine similarity of the best window's first sentence
	"focus_window",    // share of the focus (names and the rarest other term) found together in one window
	"focus_type",      // the answer type asked for occurs in a window holding the most of the focus
	"missing_mass",    // term weight missing from the best window, in units of the corpus' largest IDF
	"focus_dense",     // focus_window × dense
	"focus_all",       // the whole focus is in one window (derived from focus_window)
	"log_chunks",      // log of the number of chunks in the corpus: a small corpus is calibrated apart from a large one
	"extract_best",    // the extractive answerer's score (logit) of its best sentence
}

const numFeatures = 26

// gateMinChunks is the size of the smallest corpus the shipped model was
// trained on (the default corpus): log_chunks counts a smaller corpus as
// this size rather than extrapolate.
const gateMinChunks = 92

// GateModel is a logistic regression over Features and a few products of
// two features: the probability that the corpus answers the question is
// σ(Bias + Σ Weights·features + Σ PairWeights·products).
type GateModel struct {
	Weights [numFeatures]float64 `json:"weights"`
	// Pairs name the products, by feature index, that PairWeights weigh.
	Pairs       [][2]int  `json:"pairs,omitempty"`
	PairWeights []float64 `json:"pair_weights,omitempty"`
	Bias        float64   `json:"bias"`
	Threshold   float64   `json:"threshold"` // answer when the probability is at least this
	// Trained describes the training data and the held-out figures.
	Trained string `json:"trained"`
}

//go:embed gatetrain/gate.json
var gateJSON []byte

// DefaultGate is the trained model shipped with newsrag (rag/gatetrain/gate.json).
var DefaultGate = mustModel[GateModel]("gate model", gateJSON)

// mustModel decodes and validates a model shipped in the binary, whose
// bad JSON is a build mistake.
func mustModel[M interface{ Validate() error }](what string, b []byte) M {
	var m M
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("rag: bad %s: %v", what, err))
	}
	if err := m.Validate(); err != nil {
		panic(fmt.Sprintf("rag: bad %s: %v", what, err))
	}
	return m
}

// Validate reports a model whose pairs do not match their weights or name
// no feature.
func (m GateModel) Validate() error {
	if len(m.Pairs) != len(m.PairWeights) {
		return fmt.Errorf("%d feature pairs, %d pair weights", len(m.Pairs), len(m.PairWeights))
	}
	for _, p := range m.Pairs {
		if p[0] < 0 || p[0] >= numFeatures || p[1] < 0 || p[1] >= numFeatures {
			return fmt.Errorf("feature pair %v: want indexes below %d", p, numFeatures)
		}
	}
	return nil
}

// Probability is the model's estimate that the corpus answers a question
// with features f.
func (m GateModel) Probability(f Features) float64 {
	z := m.Bias
	for i, w := range m.Weights {
		z += w * f[i]
	}
	for k, p := range m.Pairs {
		z += m.PairWeights[k] * f[p[0]] * f[p[1]]
	}
	return 1 / (1 + math.Exp(-z))
}

// features computes the answerability signals of r for question. It also
// returns the extractive answerer's scored candidate sentences (see
// scoreCandidates), which one signal is computed from, so that an answer
// need not score them again; nil when it stopped before them (no passages,
// or no question term the corpus knows).
func (e *Engine) features(ctx context.Context, s Store, question string, r *Retrieval) (Features, []*sentenceCandidate, error) {
	var f Features
	qw := r.qw
	if len(r.kept) == 0 || qw.total == 0 {
		return f, nil, nil
	}
	top := r.kept[:min(len(r.kept), 5)]
	maxIDF := unknownIDF(r.terms)
	f[0] = r.Coverage
	f[2] = max(0, qw.total-qw.weight(allTerms(len(qw.ids)))) / qw.total

	// The question's focus: its names and its rarest other term.
	ents := e.entityTerms(outletsOf(s, r), question)
	focus, focusW := focusOf(qw, r.terms, e.analyzer.Terms(nil, question), ents, maxIDF)

	// The question's names of two or more words, for windows that name
	// someone by part of the name their article gives in full.
	names := e.namesOf(qw, question)
	fullIn := map[*corpus.Article]questionNames{} // the names each article gives in full
	namesIn := func(a *corpus.Article) questionNames {
		if ns, ok := fullIn[a]; ok {
			return ns
		}
		fullIn[a] = names.inArticle(a)
		return fullIn[a]
	}

	// Sentence windows of the best passages.
	kind := answerKind(question)
	qwords := questionWords(question)
	units := unitsAsked(question) // asked how far or how long: a number in its units
	holds := func(text string) bool {
		return kind != kindNone && holdsKind(kind, text, qwords) && (kind != kindNumber || units == nil || holdsMeasure(text, units))
	}
	var bestWin, bestBi uint64
	bestShare, typeFound := 0.0, false
	bestFocus, focusType := 0.0, false
	var texts []string // every sentence, for the dense signals
	bestSent := -1     // the best window's first sentence, in texts
	for pi := range top {
		text := r.Passages[pi].Text
		ss := sentences(text)
		base := len(texts)
		for _, s := range ss {
			texts = append(texts, text[s.Start:s.End])
		}
		masks, bis := make([]uint64, len(ss)), make([]uint64, len(ss))
		full := namesIn(top[pi].Article)
		for i, s := range ss {
			masks[i], bis[i] = qw.mask(e.analyzer, text[s.Start:s.End])
			masks[i] = full.complete(masks[i])
		}
		for i := range ss {
			for j := i; j < min(i+2, len(ss)); j++ {
				m, bi := masks[i], bis[i]
				if j > i {
					m, bi = m|masks[j], bi|bis[j]
				}
				share := qw.weight(m) / qw.total
				if share > bestShare+1e-9 {
					bestShare, bestWin, bestBi, bestSent = share, m, bi, base+i
					typeFound = holds(text[ss[i].Start:ss[j].End])
				} else if share > bestShare-1e-9 && !typeFound && holds(text[ss[i].Start:ss[j].End]) {
					bestWin, bestBi, bestSent, typeFound = m, bi, base+i, true
				}
				if focusW == 0 {
					continue
				}
				fs := qw.weight(m&focus) / focusW
				if fs > bestFocus+1e-9 {
					bestFocus = fs
					focusType = holds(text[ss[i].Start:ss[j].End])
				} else if fs > bestFocus-1e-9 && fs > 0 && !focusType && holds(text[ss[i].Start:ss[j].End]) {
					focusType = true
				}
			}
		}
	}
	f[1] = bestShare

	// The rarest terms, together in one passage.
	rare := rarest(qw, 3)
	var rareW float64
	for _, i := range rare {
		rareW += qw.w[i]
	}
	unknown := qw.total - qw.weight(allTerms(len(qw.ids)))
	if rareW+unknown > 0 {
		best := 0.0
		for _, c := range top {
			var got float64
			for _, i := range rare {
				if hasTerm(c.Bag, qw.ids[i]) {
					got += qw.w[i]
				}
			}
			best = max(best, got)
		}
		// Unknown terms are rarer than any known one: they count among the
		// rarest, always missing.
		f[3] = best / (rareW + min(unknown, 3*maxIDF))
	}

	// Named entities of the question, together in one passage.
	f[4] = 1
	if len(ents) > 0 {
		f[5] = 1
		best := 0
		for _, c := range top {
			var held uint64 // the names' terms the passage holds
			for _, n := range names {
				for _, i := range n.pos {
					if hasTerm(c.Bag, qw.ids[i]) {
						held |= 1 << i
					}
				}
			}
			held = namesIn(c.Article).complete(held)
			n := 0
			for _, t := range ents {
				if id, _, ok := r.terms.Term(t); ok && hasTerm(c.Bag, id) {
					n++
				} else if i, ok := qw.pos[t]; ok && held&(1<<i) != 0 {
					n++
				}
			}
			best = max(best, n)
		}
		f[4] = float64(best) / float64(len(ents))
	}

	// Dense similarity and its margin.
	qvec, dense, err := e.denseView(ctx, s, question, r)
	if err != nil {
		return f, nil, err
	}
	slices.SortFunc(dense, func(a, b float64) int { return cmpFloat(b, a) })
	if len(dense) > 0 {
		f[6] = dense[0]
		f[7] = dense[0] - dense[min(4, len(dense)-1)]
	}

	// The rarest term missing from the best window.
	missing := 0.0
	if unknown > 0 {
		missing = 1
	}
	for i, w := range qw.w {
		if bestWin&(1<<i) == 0 && maxIDF > 0 {
			missing = max(missing, w/maxIDF)
		}
	}
	f[8] = missing
	if kind != kindNone {
		f[9] = 1
		if typeFound {
			f[10] = 1
		}
	}
	f[11] = math.Log1p(float64(len(qw.ids)))
	if all := qw.pairWeight(allTerms(len(qw.pairs))); all > 0 {
		f[12] = qw.pairWeight(bestBi) / all
	} else {
		f[12] = f[1]
	}
	same := 0
	for _, c := range top {
		if c.Article.ID == top[0].Article.ID {
			same++
		}
	}
	f[13] = float64(same) / float64(len(top))
	if unknown > 0 {
		f[14] = 1
	}
	f[15] = f[1] * f[6]
	f[16] = f[3] * f[1]
	f[19] = bestFocus
	if focusType {
		f[20] = 1
	}
	if maxIDF > 0 {
		f[21] = max(0, qw.total-qw.weight(bestWin)) / maxIDF
	}
	f[22] = bestFocus * f[6]
	f[24] = math.Log(float64(max(gateMinChunks, r.terms.Chunks())))
	f.Derive()
	if len(texts) > 0 {
		vs, err := e.sentences.embed(ctx, e.cfg.Embedder, texts)
		if err != nil {
			return f, nil, fmt.Errorf("answerability: embed sentences: %w", err)
		}
		for i, v := range vs {
			if len(v) != len(qvec) {
				continue
			}
			d := float64(dot(qvec, v))
			f[17] = max(f[17], d)
			if i == bestSent {
				f[18] = d
			}
		}
	}
	// The score of the sentence the extractive answerer would put first:
	// whether any sentence looks like an answer, not only like the question.
	cands := e.scoreCandidates(ctx, r.terms, r.article, question, qvec, r.Passages)
	for i, c := range cands {
		if i == 0 || c.score > f[25] {
			f[25] = c.score
		}
	}
	return f, cands, nil
}

// Derive sets the features computed from the others, so that a model can
// be trained on features recorded before they existed.
func (f *Features) Derive() {
	f[23] = 0
	if f[19] > 1-1e-9 {
		f[23] = 1
	}
}

// denseView returns the question's unit-length embedding and each
// passage's cosine similarity with it. Hybrid and dense retrieval computed
// both; after bm25 retrieval they are computed here, so that the gate sees
// the same signals whatever the retrieval mode (it was trained on them).
func (e *Engine) denseView(ctx context.Context, s Store, question string, r *Retrieval) ([]float32, []float64, error) {
	cos := make([]float64, len(r.Passages))
	if r.QueryVector != nil {
		for i, p := range r.Passages {
			cos[i] = p.Dense
		}
		return r.QueryVector, cos, nil
	}
	v, err := e.cfg.Embedder.EmbedQuery(ctx, question)
	if err != nil {
		return nil, nil, fmt.Errorf("answerability: embed question: %w", err)
	}
	qvec := slices.Clone(v)
	embed.Normalize(qvec)
	vecs := make([][]float32, len(r.kept))
	var texts []string
	var at []int
	ix, _ := s.(*Index)
	var chunker *Chunker // for a store that keeps no vectors at hand
	for i, c := range r.kept {
		if ix != nil {
			if vecs[i] = ix.chunkVector(c.Chunk); vecs[i] != nil {
				continue
			}
		}
		if chunker == nil {
			counter, _ := e.cfg.Embedder.(embed.TokenCounter)
			chunker = NewChunker(e.cfg.Chunking, counter)
		}
		texts = append(texts, chunker.EmbedText(*c.Article, c.Chunk))
		at = append(at, i)
	}
	if len(texts) > 0 {
		vs, err := e.sentences.embed(ctx, e.cfg.Embedder, texts)
		if err != nil {
			return nil, nil, fmt.Errorf("answerability: embed passages: %w", err)
		}
		for k, i := range at {
			vecs[i] = vs[k]
		}
	}
	for i, v := range vecs {
		if i < len(cos) && len(v) == len(qvec) {
			cos[i] = float64(dot(qvec, v))
		}
	}
	return qvec, cos, nil
}

// focusOf returns the mask (in qw) of a question's focus — its names
// ents and its rarest other term among terms — and the focus's weight. A
// term the corpus never uses weighs as the rarest possible one (maxIDF)
// and is always missing; such a term is the rarest other term, if any.
func focusOf(qw queryWeights, ts TermStats, terms, ents []string, maxIDF float64) (uint64, float64) {
	var mask uint64
	var w float64
	for _, t := range ents {
		if i, ok := qw.pos[t]; ok {
			mask |= 1 << i
		} else if _, _, known := ts.Term(t); !known {
			w += maxIDF
		}
	}
	for _, t := range terms {
		if _, _, known := ts.Term(t); !known && !slices.Contains(ents, t) {
			return mask, w + maxIDF + qw.weight(mask)
		}
	}
	for _, i := range rarest(qw, len(qw.ids)) {
		if mask&(1<<i) == 0 {
			mask |= 1 << i
			break
		}
	}
	return mask, w + qw.weight(mask)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// allTerms is the mask of the first n query terms.
func allTerms(n int) uint64 {
	if n >= 64 {
		return math.MaxUint64
	}
	return 1<<n - 1
}

// rarest returns the indices (in qw.ids) of the n heaviest query terms.
func rarest(qw queryWeights, n int) []int {
	idx := make([]int, len(qw.ids))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpFloat(qw.w[b], qw.w[a]) })
	return idx[:min(n, len(idx))]
}

// entityTerms returns the analysed terms of the question's names:
// capitalised words after the first word (and all-capital or numeric
// tokens anywhere), except words of the corpus' outlet names, which
// articles rarely print.
func (e *Engine) entityTerms(outlets map[string]bool, question string) []string {
	var out []string
	first := true
	forEachWord(question, func(w string, _, _ int) {
		isFirst := first
		first = false
		r, _ := utf8.DecodeRuneInString(w)
		name := unicode.IsUpper(r) && !isFirst
		if !name && !(len(w) > 1 && strings.ToUpper(w) == w && unicode.IsLetter(r)) {
			return
		}
		if outlets[strings.ToLower(w)] {
			return
		}
		if t, ok := e.analyzer.term(w); ok && !slices.Contains(out, t) {
			out = append(out, t)
		}
	})
	return out
}

// questionName is a name of two or more words in a question ("Keir
// Starmer"): its words, lower-cased, and its terms' places in the query
// weights.
type questionName struct {
	text string
	pos  []int
	mask uint64
}

// questionNames are a question's names of two or more words.
type questionNames []questionName

// nameRuns returns the question's names of two or more words: runs of
// capitalised words, the question's first word aside, joined by single
// spaces ("Keir Starmer").
func nameRuns(question string) []string {
	var out, run []string
	prevEnd := -1
	flush := func() {
		if len(run) >= 2 {
			out = append(out, strings.Join(run, " "))
		}
		run = run[:0]
	}
	forEachWord(question, func(w string, start, end int) {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) || prevEnd < 0 || len(run) > 0 && question[prevEnd:start] != " " {
			flush()
		}
		if unicode.IsUpper(r) && prevEnd >= 0 {
			run = append(run, w)
		}
		prevEnd = end
	})
	flush()
	return out
}

// namesOf returns the question's names of two or more words (nameRuns)
// whose terms are all query terms.
func (e *Engine) namesOf(qw queryWeights, question string) questionNames {
	var out questionNames
next:
	for _, run := range nameRuns(question) {
		n := questionName{text: strings.ToLower(run)}
		for _, t := range e.analyzer.Terms(nil, run) {
			i, ok := qw.pos[t]
			if !ok {
				continue next
			}
			n.pos = append(n.pos, i)
			n.mask |= 1 << i
		}
		out = append(out, n)
	}
	return out
}

// inArticle returns the names that article a gives in full.
func (ns questionNames) inArticle(a *corpus.Article) questionNames {
	if len(ns) == 0 || a == nil {
		return nil
	}
	text := strings.ToLower(a.Text)
	var out questionNames
	for _, n := range ns {
		if strings.Contains(text, n.text) {
			out = append(out, n)
		}
	}
	return out
}

// complete adds to mask, a set of query terms a text holds, the rest of
// each name of ns it holds part of: an article that has named "Keir
// Starmer" means him by "Sir Keir" or "Starmer" later on.
func (ns questionNames) complete(mask uint64) uint64 {
	for _, n := range ns {
		if mask&n.mask != 0 {
			mask |= n.mask
		}
	}
	return mask
}

// outletsOf returns the words of the corpus' outlet names: the index's,
// or, on a remote store (which lists no outlets cheaply), those of the
// articles retrieval found.
func outletsOf(s Store, r *Retrieval) map[string]bool {
	if ix, ok := s.(*Index); ok {
		return ix.outlets
	}
	var arts []corpus.Article
	for _, c := range r.kept {
		arts = append(arts, *c.Article)
	}
	return outletWords(arts)
}

// outletWords returns the lower-cased words of the articles' outlet names.
func outletWords(arts []corpus.Article) map[string]bool {
	m := map[string]bool{}
	for _, a := range arts {
		forEachWord(a.Outlet, func(w string, _, _ int) { m[strings.ToLower(w)] = true })
	}
	return m
}

// kind is what a question asks for.
type kind int

const (
	kindNone   kind = iota
	kindNumber      // a number, a date, a quantity
	kindName        // a person or an organisation
	kindPlace       // a place
	kindMoney       // an amount of money
)

// moneyVerbs are the words that make "how much" ask for an amount of money
// ("how much did it cost", not "how much of the city was destroyed").
var moneyVerbs = map[string]bool{
	"cost": true, "costs": true, "price": true, "priced": true, "pay": true, "paid": true, "pays": true,
	"spend": true, "spent": true, "spends": true, "worth": true, "money": true, "budget": true,
	"funding": true, "earn": true, "earned": true, "earns": true, "revenue": true, "fee": true,
	"salary": true, "invest": true, "invested": true, "raise": true, "raised": true, "charge": true,
	"charged": true, "sold": true, "fund": true, "funds": true, "afford": true,
}

// asksMoney reports whether q asks "how much" something costs, earns or is
// worth.
func asksMoney(q string) bool {
	if !strings.Contains(" "+strings.ToLower(q)+" ", " how much ") {
		return false
	}
	money := false
	forEachWord(q, func(w string, _, _ int) { money = money || moneyVerbs[strings.ToLower(w)] })
	return money
}

// currencyWords name currencies; with a symbol (£, $, €, ¥) they mark an
// amount of money.
var currencyWords = map[string]bool{
	"dollar": true, "dollars": true, "pound": true, "pounds": true, "euro": true, "euros": true,
	"yen": true, "yuan": true, "rupee": true, "rupees": true, "franc": true, "francs": true,
	"rouble": true, "roubles": true, "ruble": true, "rubles": true, "hryvnia": true, "cents": true,
	"pence": true, "usd": true, "gbp": true, "eur": true,
}

// isMoney reports whether word w, which starts at byte start of text, marks
// an amount of money: a currency's name, or a number after a currency sign
// ("$400", "£1.2bn", "€ 30").
func isMoney(text, w string, start int) bool {
	if currencyWords[strings.ToLower(w)] {
		return true
	}
	if !hasNumber(w) {
		return false
	}
	before := strings.TrimRight(text[:start], " ")
	r, _ := utf8.DecodeLastRuneInString(before)
	return strings.ContainsRune("$£€¥", r)
}

// answerKind classifies a question by the answer it asks for.
func answerKind(q string) kind {
	if asksMoney(q) {
		return kindMoney
	}
	if numericQuestion(q) {
		return kindNumber
	}
	l := " " + strings.ToLower(q) + " "
	switch {
	case strings.Contains(l, " who ") || strings.Contains(l, " whom ") || strings.Contains(l, " whose ") ||
		strings.Contains(l, " which company") || strings.Contains(l, " which organization") ||
		strings.Contains(l, " which organisation") || strings.Contains(l, " what company") ||
		strings.Contains(l, " which person") || strings.Contains(l, " what organization"):
		return kindName
	case strings.HasPrefix(l, " where ") || strings.Contains(l, " where ") || strings.Contains(l, " which country") ||
		strings.Contains(l, " what country") || strings.Contains(l, " which city") || strings.Contains(l, " what city"):
		return kindPlace
	}
	return kindNone
}

// questionWords returns the lower-cased words of q.
func questionWords(q string) map[string]bool {
	m := map[string]bool{}
	forEachWord(q, func(w string, _, _ int) { m[normalizeWord(w)] = true })
	return m
}

// holdsKind reports whether text holds an answer of kind k that is not one
// of the question's own words: a number, a currency (for an amount of
// money), or a capitalised word that does not start a sentence.
func holdsKind(k kind, text string, qwords map[string]bool) bool {
	found := false
	prevEnd := -1
	forEachWord(text, func(w string, start, end int) {
		if found {
			return
		}
		defer func() { prevEnd = end }()
		if qwords[normalizeWord(w)] {
			return
		}
		r, _ := utf8.DecodeRuneInString(w)
		switch k {
		case kindNumber:
			found = hasNumber(w) || numberWords[strings.ToLower(w)]
		case kindMoney:
			found = isMoney(text, w, start)
		case kindName, kindPlace:
			found = unicode.IsUpper(r) && prevEnd >= 0 && !sentenceStart(text, prevEnd, start)
		}
	})
	return found
}

// sentenceStart reports whether the gap between two words ends a sentence.
func sentenceStart(text string, prevEnd, start int) bool {
	return strings.ContainsAny(text[prevEnd:start], ".!?:\n")
}

var numberWords = map[string]bool{
	"one": true, "two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "eleven": true, "twelve": true, "twenty": true,
	"hundred": true, "hundreds": true, "thousand": true, "thousands": true, "million": true,
	"millions": true, "billion": true, "dozen": true, "dozens": true, "half": true,
	"january": true, "february": true, "march": true, "april": true, "june": true, "july": true,
	"august": true, "september": true, "october": true, "november": true, "december": true,
}

// Assess retrieves passages for req and returns the answerability features
// and the probability the configured model gives them. It is what Ask
// decides with, exposed for evaluation and training.
func (e *Engine) Assess(ctx context.Context, req Request) (Features, float64, error) {
	st, err := e.current()
	if err != nil {
		return Features{}, 0, err
	}
	req.Question, _ = e.spellCorrected(ctx, st, req.Question)
	if err := e.cpu.Acquire(ctx, 1); err != nil {
		return Features{}, 0, err
	}
	defer e.cpu.Release(1)
	r, err := e.retriever.Retrieve(ctx, st, req)
	if err != nil {
		return Features{}, 0, err
	}
	f, _, err := e.features(ctx, st, req.Question, r)
	if err != nil {
		return Features{}, 0, err
	}
	return f, e.cfg.Relevance.Model.Probability(f), nil
}

// AnswerThreshold is the least answerability probability the engine
// answers.
func (e *Engine) AnswerThreshold() float64 { return e.cfg.Relevance.Threshold }
