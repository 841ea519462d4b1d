package rag

import (
	_ "embed"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SentenceFeatures are the signals the extractive answerer scores a
// candidate sentence by, in the order of SentenceFeatureNames.
type SentenceFeatures [numSentenceFeatures]float64

// SentenceFeatureNames name the entries of SentenceFeatures.
var SentenceFeatureNames = [numSentenceFeatures]string{
	sfLex:           "lex",            // share of the question's IDF weight the sentence holds
	sfDense:         "dense",          // cosine of the question's and the sentence's embeddings
	sfKindNumber:    "kind_number",    // asks how many/much… and the sentence holds a number beyond the question's words (asked how far, long…: in its units)
	sfKindDate:      "kind_date",      // asks when/what year… and the sentence holds a year, month or number
	sfKindName:      "kind_name",      // asks who… and the sentence holds a name (a capitalised word inside it) beyond the question's
	sfKindPlace:     "kind_place",     // asks where… and the sentence holds a name beyond the question's
	sfKindMissing:   "kind_missing",   // asks for a kind of answer the sentence does not hold
	sfNovel:         "novel",          // share of the sentence's terms that are not the question's
	sfNovelTerms:    "novel_terms",    // log(1 + the number of the sentence's terms that are not the question's)
	sfRare:          "rare",           // share of the IDF weight of the question's two rarest terms the sentence holds
	sfRareNear:      "rare_near",      // rare of the sentences just before and after it in its passage (the larger)
	sfProximity:     "proximity",      // 1/(1 + words between a rare question term and an answer word: the kind asked for, else a new term)
	sfRank:          "rank",           // 1/(1 + the rank of its passage), 1 for the best passage
	sfPassageScore:  "passage_score",  // its passage's retrieval score over the best passage's
	sfPosition:      "position",       // its place among its passage's sentences, 0 first to 1 last
	sfLede:          "lede",           // the first sentence of the best passage's article
	sfTopArticle:    "top_article",    // from the best passage's article
	sfRestates:      "restates",       // fewer than a quarter of its terms are new: it restates the question
	sfQuestionCover: "question_cover", // share of the question's terms (unweighted) the sentence holds
	sfLogWords:      "log_words",      // log of its length in words
	sfLexTop:        "lex_top",        // it has the highest lex of the question's candidates
	sfDenseTop:      "dense_top",      // it has the highest dense of the question's candidates
	sfKindRare:      "kind_rare",      // it holds the kind of answer asked for × rare
	sfNames:         "names",          // log(1 + capitalised words inside it that are not the question's)
	sfNumbers:       "numbers",        // it holds a number that is not the question's
	sfLexDense:      "lex_dense",      // lex × dense
	sfYear:          "year",           // asks when/what year… and the sentence holds a year (four digits) beyond the question's words
	sfWhyCue:        "why_cue",        // asks why and the sentence gives a reason (because, due to, so that…)
	sfWhatNames:     "what_names",     // asks what/which (no kind above) × names
	sfPercent:       "percent",        // asks for a percentage and the sentence holds one
	sfLocalLex:      "local_lex",      // share of the question's terms it holds, each weighed by its rarity among the candidates
	sfLocalFound:    "local_found",    // local_lex over the question's terms that some candidate holds
	sfPhrase:        "phrase",         // share of the question's word pairs (stop words kept) that it holds in order
	sfKindSpeech:    "kind_speech",    // asks what someone said… and the sentence reports speech (a verb of saying, a quotation)
}

// The indexes of SentenceFeatures, in the order of SentenceFeatureNames.
const (
	sfLex = iota
	sfDense
	sfKindNumber
	sfKindDate
	sfKindName
	sfKindPlace
	sfKindMissing
	sfNovel
	sfNovelTerms
	sfRare
	sfRareNear
	sfProximity
	sfRank
	sfPassageScore
	sfPosition
	sfLede
	sfTopArticle
	sfRestates
	sfQuestionCover
	sfLogWords
	sfLexTop
	sfDenseTop
	sfKindRare
	sfNames
	sfNumbers
	sfLexDense
	sfYear
	sfWhyCue
	sfWhatNames
	sfPercent
	sfLocalLex
	sfLocalFound
	sfPhrase
	sfKindSpeech
	numSentenceFeatures
)

// ExtractModel scores candidate sentences for the extractive answerer: a
// conditional logit, the probability that a sentence holds the answer
// being softmax(Weights·features) over the question's candidates. Keep and
// OtherSource are the choice rules (see choose), in the same units.
type ExtractModel struct {
	// Features name the weights, in order; they must be
	// SentenceFeatureNames.
	Features []string  `json:"features"`
	Weights  []float64 `json:"weights"`
	// Keep: a sentence after the best is quoted when its probability is at
	// least Keep times the best's.
	Keep float64 `json:"keep"`
	// OtherSource: when every quoted sentence comes from one article,
	// another article's best sentence takes the last place if its
	// probability is at least OtherSource times the best's.
	OtherSource float64 `json:"other_source"`
	// Trained describes the training data and the held-out figures.
	Trained string `json:"trained"`
}

//go:embed extracttrain/extract.json
var extractJSON []byte

// DefaultExtractModel is the sentence scorer shipped with newsrag
// (rag/extracttrain/extract.json, trained by rag/extracttrain).
var DefaultExtractModel = mustModel[ExtractModel]("sentence model", extractJSON)

// Validate reports a model whose features are not SentenceFeatureNames or
// whose choice rules are out of range.
func (m ExtractModel) Validate() error {
	if !slices.Equal(m.Features, SentenceFeatureNames[:]) {
		return fmt.Errorf("features %v, want %v", m.Features, SentenceFeatureNames)
	}
	if len(m.Weights) != numSentenceFeatures {
		return fmt.Errorf("%d weights for %d features", len(m.Weights), numSentenceFeatures)
	}
	if m.Keep <= 0 || m.Keep > 1 || m.OtherSource <= 0 || m.OtherSource > 1 {
		return fmt.Errorf("keep %g, other_source %g: want each in (0, 1]", m.Keep, m.OtherSource)
	}
	return nil
}

// Score is the model's logit for a sentence with features f; over one
// question's candidates, softmax of the scores is the probability each
// holds the answer.
func (m ExtractModel) Score(f SentenceFeatures) float64 {
	var z float64
	for i, w := range m.Weights {
		z += w * f[i]
	}
	return z
}

// ExtractedSentence is a candidate sentence as the extractive answerer
// scored it, for ExtractiveConfig.Trace.
type ExtractedSentence struct {
	ArticleID string           `json:"article_id"`
	Passage   int              `json:"passage"` // index into the retrieved passages
	Start     int              `json:"start"`   // byte offset in the article
	Text      string           `json:"text"`
	Features  SentenceFeatures `json:"features"`
	Score     float64          `json:"score"`
	Chosen    int              `json:"chosen"` // 1-based place in the answer, 0 if not quoted
}

// questionAsk is what a question asks for, as the sentence features see it.
type questionAsk int

const (
	askNone questionAsk = iota
	askNumber
	askDate
	askName
	askPlace
	askMoney
	askSpeech
)

// kindFeature is the feature saying that a sentence holds the kind of
// answer a question asks for.
var kindFeature = [...]int{askNumber: sfKindNumber, askDate: sfKindDate, askName: sfKindName, askPlace: sfKindPlace, askMoney: sfKindNumber, askSpeech: sfKindSpeech}

// dateCues are phrases of a question that asks for a date.
var dateCues = []string{
	" when ", " what year", " which year", " what date", " what day", " what month", " what century",
	" what decade", " what time", " in what year", " what period", " what era",
}

// askOf classifies question by the answer it asks for.
func askOf(question string) questionAsk {
	l := " " + strings.ToLower(question) + " "
	for _, c := range dateCues {
		if strings.Contains(l, c) {
			return askDate
		}
	}
	switch answerKind(question) {
	case kindMoney:
		return askMoney
	case kindNumber:
		return askNumber
	case kindName:
		return askName
	case kindPlace:
		return askPlace
	}
	if speechQuestionRE.MatchString(question) {
		return askSpeech
	}
	return askNone
}

// speechQuestionRE matches a question that asks what someone said: "What
// did Keir Starmer say about Europe?", "What has the minister told MPs?".
var speechQuestionRE = regexp.MustCompile(`(?i)^\s*what\s+(did|does|do|has|have|had|will|would)\b.*\b(say|said|tell|told|claim|claimed|warn|warned|argue|argued|announce|announced|insist|insisted)\b`)

// speechWords are the verbs of saying that report what someone said.
var speechWords = map[string]bool{
	"said": true, "says": true, "saying": true, "told": true, "tells": true, "stated": true, "states": true,
	"claimed": true, "claims": true, "warned": true, "warns": true, "argued": true, "argues": true,
	"announced": true, "announces": true, "wrote": true, "writes": true, "added": true, "adds": true,
	"insisted": true, "insists": true, "replied": true, "responded": true, "according": true,
}

// quotes reports whether text quotes someone: five or more words in
// quotation marks (a shorter quoted phrase, "coalition of the willing", is
// more often a term than speech).
func quotes(text string) bool {
	for _, m := range quotedRE.FindAllString(text, -1) {
		if CountWords(m) >= 5 {
			return true
		}
	}
	return false
}

var quotedRE = regexp.MustCompile(`“[^”]*”?|"[^"]*"?|«[^»]*»?`)

// whyCues are words that give a reason.
var whyCues = []string{" because ", " due to ", " so that ", " in order to ", " as a result ", " since ", " owing to ", " reason ", " led to ", " caused "}

// isYear reports whether w is a year of the last two millennia.
func isYear(w string) bool {
	if len(w) != 4 || w[0] != '1' && w[0] != '2' {
		return false
	}
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// months are month names, which answer "when".
var months = map[string]bool{
	"january": true, "february": true, "march": true, "april": true, "may": true, "june": true, "july": true,
	"august": true, "september": true, "october": true, "november": true, "december": true,
}

// sentenceScorer computes the features of one question's candidates.
type sentenceScorer struct {
	a      *Analyzer
	ask    questionAsk
	qwords map[string]bool    // the question's lower-cased words
	qterms []string           // its analysed terms, sorted and unique
	idf    map[string]float64 // its terms' weights
	total  float64            // its total weight
	rare   map[string]float64 // its two rarest terms and their weights
	rareW  float64
	match  map[string]string // a sentence term → the question term it matches, "" for none
	why    bool              // it asks why
	what   bool              // it asks what or which
	pct    bool              // it asks for a percentage
	pairs  map[string]bool   // its consecutive word pairs, "w1 w2", stop words kept
	units  []map[string]bool // the units a measure it asks for counts in (how far, how long…), nil for none
}

// wordPairs returns the consecutive pairs of text's normalised words,
// stop words kept, each as "w1 w2".
func wordPairs(text string) map[string]bool {
	pairs := map[string]bool{}
	prev := ""
	forEachWord(text, func(w string, _, _ int) {
		w = normalizeWord(w)
		if prev != "" && w != "" {
			pairs[prev+" "+w] = true
		}
		prev = w
	})
	return pairs
}

// minPrefixMatch is the shortest term that matches a longer one it begins
// ("russia" matches "russian", "ukrain" "ukrainian").
const minPrefixMatch = 5

// question returns the question term that sentence term t matches: the
// same term, or one that begins it or that it begins, of at least
// minPrefixMatch letters; "" for none.
func (s *sentenceScorer) question(t string) string {
	if q, ok := s.match[t]; ok {
		return q
	}
	q := ""
	if _, ok := s.idf[t]; ok {
		q = t
	} else {
		for _, qt := range s.qterms {
			if len(t) >= minPrefixMatch && len(qt) >= minPrefixMatch && (strings.HasPrefix(t, qt) || strings.HasPrefix(qt, t)) ||
				derived(t, qt) || derived(qt, t) {
				q = qt
				break
			}
		}
	}
	s.match[t] = q
	return q
}

// nounEndings are the endings a noun's stem adds to its verb's
// ("format" from "formation", "form" from "formed").
var nounEndings = []string{"at", "ation", "ion", "ment"}

// derived reports whether stem long is stem short plus a noun ending, short
// being at least 4 letters.
func derived(long, short string) bool {
	if len(short) < 4 || !strings.HasPrefix(long, short) {
		return false
	}
	return slices.Contains(nounEndings, long[len(short):])
}

func newSentenceScorer(a *Analyzer, question string, qw queryWeights) *sentenceScorer {
	s := &sentenceScorer{a: a, ask: askOf(question), qwords: questionWords(question),
		qterms: uniq(a.Terms(nil, question)), idf: make(map[string]float64, len(qw.pos)),
		total: qw.total, rare: map[string]float64{}, match: map[string]string{}, pairs: wordPairs(question)}
	l := " " + strings.ToLower(question) + " "
	s.why = strings.Contains(l, " why ")
	s.what = s.ask == askNone && (strings.Contains(l, " what ") || strings.Contains(l, " which "))
	s.pct = strings.Contains(l, "percent") || strings.Contains(l, "proportion") || strings.Contains(l, " share ")
	if s.ask == askNumber {
		s.units = unitsAsked(question)
	}
	type tw struct {
		t string
		w float64
	}
	var ts []tw
	for t, i := range qw.pos {
		s.idf[t] = qw.w[i]
		ts = append(ts, tw{t, qw.w[i]})
	}
	slices.SortFunc(ts, func(a, b tw) int {
		if c := cmpFloat(b.w, a.w); c != 0 {
			return c
		}
		return strings.Compare(a.t, b.t)
	})
	for _, x := range ts[:min(2, len(ts))] {
		s.rare[x.t] = x.w
		s.rareW += x.w
	}
	return s
}

// lexical sets the features of c that depend on its words alone (lex,
// kind_*, novel, novel_terms, rare, proximity, restates, question_cover,
// log_words, phrase…) and c.held, the question terms it holds.
func (s *sentenceScorer) lexical(c *sentenceCandidate, f *SentenceFeatures) {
	var got, rare float64
	cover := 0
	seen := map[string]bool{}
	for _, t := range c.terms {
		q := s.question(t)
		if q == "" {
			continue
		}
		cover++ // a sentence term of the question's
		if !seen[q] {
			seen[q] = true
			got += s.idf[q]
			rare += s.rare[q]
		}
	}
	c.held = c.held[:0]
	for q := range seen {
		c.held = append(c.held, q)
	}
	slices.Sort(c.held)
	if s.total > 0 {
		f[sfLex] = got / s.total
	}
	if s.rareW > 0 {
		f[sfRare] = rare / s.rareW
	}
	novel := len(c.terms) - cover
	if len(c.terms) > 0 {
		f[sfNovel] = float64(novel) / float64(len(c.terms))
	}
	f[sfNovelTerms] = math.Log1p(float64(novel))
	if len(c.terms) > 0 && f[sfNovel] < extractMinNovel {
		f[sfRestates] = 1
	}
	if len(s.qterms) > 0 {
		f[sfQuestionCover] = float64(len(seen)) / float64(len(s.qterms))
	}
	// One pass over the words: where the rare question terms are, and
	// where the answer words (the kind asked for, else new terms) are.
	var rarePos, ansPos []int
	holds, names := false, 0
	prevEnd, k := -1, 0
	var measured map[int]bool // asked for a measure: the numbers with their units
	if s.units != nil {
		measured = measures(c.text, s.units)
	}
	forEachWord(c.text, func(w string, start, end int) {
		defer func() { prevEnd, k = end, k+1 }()
		t, ok := s.a.term(w)
		if ok && s.rare[s.question(t)] > 0 {
			rarePos = append(rarePos, k)
			return
		}
		if s.qwords[normalizeWord(w)] || ok && s.question(t) != "" {
			return
		}
		isAns := false
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(r) && prevEnd >= 0 && !sentenceStart(c.text, prevEnd, start) {
			names++
		}
		if hasNumber(w) {
			f[sfNumbers] = 1
		}
		if s.ask == askDate && isYear(w) {
			f[sfYear] = 1
		}
		switch s.ask {
		case askNumber:
			isAns = hasNumber(w) || numberWords[strings.ToLower(w)]
			if s.units != nil {
				isAns = measured[k] // a measure only with its unit
			}
		case askMoney:
			isAns = isMoney(c.text, w, start)
		case askDate:
			isAns = hasNumber(w) || months[strings.ToLower(w)]
		case askName, askPlace:
			isAns = unicode.IsUpper(r) && prevEnd >= 0 && !sentenceStart(c.text, prevEnd, start)
		case askSpeech:
			isAns = speechWords[strings.ToLower(w)]
		default:
			isAns = ok
		}
		if isAns {
			holds = holds || s.ask != askNone
			ansPos = append(ansPos, k)
		}
	})
	if s.ask == askSpeech && quotes(c.text) {
		holds = true
	}
	if holds {
		f[kindFeature[s.ask]] = 1
		f[sfKindRare] = f[sfRare]
	} else if s.ask != askNone {
		f[sfKindMissing] = 1
	}
	if len(rarePos) > 0 && len(ansPos) > 0 {
		d := math.MaxInt
		for _, i := range rarePos {
			for _, j := range ansPos {
				d = min(d, abs(i-j))
			}
		}
		f[sfProximity] = 1 / float64(d)
	}
	f[sfLogWords] = math.Log(float64(max(1, k)))
	f[sfNames] = math.Log1p(float64(names))
	if s.why || s.pct {
		l := " " + strings.ToLower(c.text) + " "
		if s.why && slices.ContainsFunc(whyCues, func(cue string) bool { return strings.Contains(l, cue) }) {
			f[sfWhyCue] = 1
		}
		if s.pct && (strings.Contains(l, "%") || strings.Contains(l, "percent")) {
			f[sfPercent] = 1
		}
	}
	if s.what {
		f[sfWhatNames] = f[sfNames]
	}
	if len(s.pairs) > 0 {
		hit := 0
		for p := range wordPairs(c.text) {
			if s.pairs[p] {
				hit++
			}
		}
		f[sfPhrase] = float64(hit) / float64(len(s.pairs))
	}
}

// localLex sets local_lex and local_found of one question's candidates:
// the share of the question's terms each holds, a term weighed by how few
// of the candidates hold it (log((n+1)/(held+0.5)) over the n distinct
// candidate sentences). The question's rarest terms in the corpus are
// often its topic, which every candidate shares; among the candidates, the
// words that set the answer's sentence apart (the question's verb, its
// other noun) are the rare ones.
func (s *sentenceScorer) localLex(cands []*sentenceCandidate) {
	seen := map[string]bool{} // a sentence in two overlapping passages counts once
	held := map[string]int{}
	n := 0
	for _, c := range cands {
		if seen[c.text] {
			continue
		}
		seen[c.text] = true
		n++
		for _, q := range c.held {
			held[q]++
		}
	}
	w := make(map[string]float64, len(s.qterms))
	var all, found float64
	for _, q := range s.qterms {
		w[q] = math.Log((float64(n) + 1) / (float64(held[q]) + 0.5))
		all += w[q]
		if held[q] > 0 {
			found += w[q]
		}
	}
	for _, c := range cands {
		var got float64
		for _, q := range c.held {
			got += w[q]
		}
		if all > 0 {
			c.features[sfLocalLex] = got / all
		}
		if found > 0 {
			c.features[sfLocalFound] = got / found
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
