package rag

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

// flatStats gives every term the same IDF.
type flatStats struct{}

func (flatStats) Term(string) (uint32, float64, bool) { return 1, 2, true }
func (flatStats) Chunks() int                         { return 100 }

// rankBy returns texts ordered by DefaultExtractModel's score as candidate
// sentences of one passage, best first.
func rankBy(t *testing.T, question string, texts ...string) []string {
	t.Helper()
	a := NewAnalyzer()
	var cands []*sentenceCandidate
	for i, s := range texts {
		cands = append(cands, &sentenceCandidate{text: s, terms: uniq(a.Terms(nil, s)), index: i, of: len(texts)})
	}
	passages := []Passage{{ArticleID: "a", Score: 1}}
	candidateFeatures(a, question, newQueryWeights(a.Terms(nil, question), flatStats{}), cands, passages, nil)
	for _, c := range cands {
		c.score = DefaultExtractModel.Score(c.features)
	}
	slices.SortStableFunc(cands, func(x, y *sentenceCandidate) int { return cmpFloat(y.score, x.score) })
	var out []string
	for _, c := range cands {
		out = append(out, c.text)
	}
	return out
}

// TestExtractModelRanksTheAnswer: the shipped sentence scorer loads and
// puts the sentence holding what the question asks for (a number, a name)
// before one that only restates the question.
func TestExtractModelRanksTheAnswer(t *testing.T) {
	if err := DefaultExtractModel.Validate(); err != nil {
		t.Fatal(err)
	}
	if DefaultExtractModel.Trained == "" {
		t.Error("the model does not say what it was trained on")
	}
	for _, c := range []struct {
		q     string
		texts []string
		want  string
	}{
		{"How many drones did Ukraine launch at Moscow?", []string{
			"Ukraine launched drones at Moscow, officials said.",
			"The weather in the capital was cold and wet.",
			"Ukraine launched 337 drones at Moscow and other regions overnight.",
		}, "Ukraine launched 337 drones at Moscow and other regions overnight."},
		{"Who announced the coalition of the willing?", []string{
			"The coalition of the willing was announced in the spring.",
			"The coalition of the willing was announced by Volodymyr Zelenskyy.",
		}, "The coalition of the willing was announced by Volodymyr Zelenskyy."},
		{"When did the Taliban enter Kabul?", []string{
			"The Taliban entered Kabul, the capital.",
			"The Taliban entered Kabul on 15 August 2021 after the president fled.",
		}, "The Taliban entered Kabul on 15 August 2021 after the president fled."},
	} {
		if got := rankBy(t, c.q, c.texts...); got[0] != c.want {
			t.Errorf("%q: ranked %q first, want %q", c.q, got[0], c.want)
		}
	}
}

// TestChooseRules: the answer quotes the best sentence first and the rest
// by score (not in article order); a sentence whose probability is below
// Keep times the best's is left out; a repeat is skipped; and when all
// would come from one article, another article's best sentence within
// OtherSource of the best is shown beside them, even beside one sentence.
func TestChooseRules(t *testing.T) {
	m := &ExtractModel{Keep: 0.1, OtherSource: 0.01}
	passages := []Passage{{ArticleID: "a"}, {ArticleID: "b"}}
	c := func(p, start int, score float64, text string) *sentenceCandidate {
		return &sentenceCandidate{passage: p, start: start, score: score, text: text, terms: uniq(NewAnalyzer().Terms(nil, text))}
	}
	texts := func(cs []*sentenceCandidate) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.text)
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		ranked []*sentenceCandidate
		max    int
		want   []string
	}{
		{"best first, then by score", []*sentenceCandidate{
			c(0, 300, 5, "third in the article, best"), c(0, 100, 4, "second in the article"), c(0, 0, 3.5, "first in the article"),
		}, 3, []string{"third in the article, best", "second in the article", "first in the article"}},
		{"below keep", []*sentenceCandidate{
			c(0, 0, 5, "the best sentence"), c(0, 100, 5-math.Log(20), "a far worse sentence"),
		}, 3, []string{"the best sentence"}},
		{"repeat skipped", []*sentenceCandidate{
			c(0, 0, 5, "drones hit the refinery at night"), c(0, 0, 4.9, "drones hit the refinery at night"), c(0, 100, 4.8, "a different point entirely"),
		}, 3, []string{"drones hit the refinery at night", "a different point entirely"}},
		{"another source beside one sentence", []*sentenceCandidate{
			c(0, 0, 5, "the best sentence"), c(1, 0, 5-math.Log(50), "another article's account"),
		}, 3, []string{"the best sentence", "another article's account"}},
		{"another source takes the last place", []*sentenceCandidate{
			c(0, 0, 5, "one"), c(0, 100, 4.5, "two from the same article"), c(0, 200, 4.4, "three from the same article"), c(1, 0, 1, "the other article's account"),
		}, 3, []string{"one", "two from the same article", "the other article's account"}},
		{"another source too far below", []*sentenceCandidate{
			c(0, 0, 5, "one"), c(1, 0, 5-math.Log(200), "the other article's account"),
		}, 3, []string{"one"}},
	} {
		if got := texts(choose(tt.ranked, passages, tt.max, m)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: chose %q, want %q", tt.name, got, tt.want)
		}
	}
}

// evenStats gives every term the same IDF and its own ID.
type evenStats map[string]uint32

func (s evenStats) Term(t string) (uint32, float64, bool) {
	if _, ok := s[t]; !ok {
		s[t] = uint32(len(s) + 1)
	}
	return s[t], 2, true
}
func (evenStats) Chunks() int { return 100 }

// featuresOf returns the SentenceFeatures of texts as the candidate
// sentences of one passage, in order, every term weighing the same.
func featuresOf(question string, texts ...string) []SentenceFeatures {
	a := NewAnalyzer()
	var cands []*sentenceCandidate
	for i, s := range texts {
		cands = append(cands, &sentenceCandidate{text: s, terms: uniq(a.Terms(nil, s)), index: i, of: len(texts)})
	}
	candidateFeatures(a, question, newQueryWeights(a.Terms(nil, question), evenStats{}), cands, []Passage{{ArticleID: "a", Score: 1}}, nil)
	out := make([]SentenceFeatures, len(cands))
	for i, c := range cands {
		out[i] = c.features
	}
	return out
}

// TestLocalLexWeighsTermsAmongCandidates: the question's topic (Sun Life
// Stadium), which most candidates share, counts for little in local_lex;
// the words only the answer's sentence holds (approve, pay) count for
// much, so local_lex ranks the answer first where lex does not. A repeated
// sentence counts once, and local_found leaves out the question's terms
// no candidate holds ("decided").
func TestLocalLexWeighsTermsAmongCandidates(t *testing.T) {
	q := "Who decided not to approve paying for renovations at Sun Life Stadium?"
	answer := "The Florida legislature refused to approve the funding plan to pay for the renovations."
	f := featuresOf(q,
		"Sun Life Stadium has hosted the Super Bowl ten times.",
		"The bid for Sun Life Stadium depended on renovations.",
		"The bid for Sun Life Stadium depended on renovations.",
		answer,
	)
	topic, ans := f[1], f[3]
	if !(topic[sfLex] > ans[sfLex]) {
		t.Fatalf("lex: topic %.3f, answer %.3f; the case needs lex to prefer the topic", topic[sfLex], ans[sfLex])
	}
	if !(ans[sfLocalLex] > topic[sfLocalLex]) {
		t.Errorf("local_lex: answer %.3f, not above topic %.3f", ans[sfLocalLex], topic[sfLocalLex])
	}
	// 3 distinct sentences: sun/life/stadium held by 2 weigh log(4/2.5),
	// renovations by 2 the same, approve and pay by 1 log(4/1.5) each,
	// decided by none log(4/0.5).
	hi, lo, none := math.Log(4/1.5), math.Log(4/2.5), math.Log(4/0.5)
	all := 2*hi + 4*lo + none
	if want := (2*hi + lo) / all; math.Abs(ans[sfLocalLex]-want) > 1e-9 {
		t.Errorf("answer's local_lex %.4f, want %.4f", ans[sfLocalLex], want)
	}
	if want := (2*hi + lo) / (all - none); math.Abs(ans[sfLocalFound]-want) > 1e-9 {
		t.Errorf("answer's local_found %.4f, want %.4f", ans[sfLocalFound], want)
	}
}

// TestPhrase: phrase is the share of the question's consecutive word
// pairs, stop words kept, that a sentence holds.
func TestPhrase(t *testing.T) {
	f := featuresOf("Who won Super Bowl 50?", // pairs: who won, won super, super bowl, bowl 50
		"The Denver Broncos won Super Bowl 50.",
		"Super Bowl tickets were costly, and 50 teams bowled.",
	)
	if f[0][sfPhrase] != 0.75 || f[1][sfPhrase] != 0.25 {
		t.Errorf("phrase %.3f and %.3f, want 0.75 and 0.25", f[0][sfPhrase], f[1][sfPhrase])
	}
}

// TestNounsMatchTheirVerbs: a sentence holding the noun of the question's
// verb ("the formation" for "formed", "the announcement" for "announce")
// holds that question term, as a sentence holding the verb does; a word
// that only begins the same way ("former", "format" for "form" in a
// question about formats aside) does not.
func TestNounsMatchTheirVerbs(t *testing.T) {
	for _, c := range []struct {
		q, sentence string
		want        float64 // lex: the share of the question's term weight held
	}{
		{"Who formed the coalition?", "Zelenskyy announced the formation of a coalition.", 1},
		{"Who formed the coalition?", "The countries would form a coalition.", 1},
		{"When was the coalition announced?", "The announcement of the coalition came in July.", 1},
		{"Who formed the coalition?", "The former minister praised the coalition.", 0.5},
		{"Who formed the coalition?", "The formula of the coalition was new.", 0.5},
	} {
		if got := featuresOf(c.q, c.sentence)[0][sfLex]; got != c.want {
			t.Errorf("%q in %q: lex %.3f, want %.3f", c.q, c.sentence, got, c.want)
		}
	}
	for _, c := range []struct {
		long, short string
		want        bool
	}{
		{"format", "form", true}, {"form", "format", false}, {"former", "form", false},
		{"announc", "announc", false}, {"nation", "n", false}, {"settlement", "settle", true},
	} {
		if got := derived(c.long, c.short); got != c.want {
			t.Errorf("derived(%q, %q) = %v, want %v", c.long, c.short, got, c.want)
		}
	}
}

// TestLaterPassagesOfTheSameArticles: beyond MaxPassages, a passage adds
// its sentences when its article is among the best passages' articles
// (more of a cited article), and not when it would bring a new source.
func TestLaterPassagesOfTheSameArticles(t *testing.T) {
	var got []int
	e, err := Open(context.Background(), Config{DataDir: t.TempDir(), Embedder: testfake.NewEmbedder(),
		Extractive: ExtractiveConfig{MaxPassages: 1, Trace: func(_ string, ss []ExtractedSentence) {
			for _, s := range ss {
				got = append(got, s.Passage)
			}
		}}})
	if err != nil {
		t.Fatal(err)
	}
	passages := []Passage{
		{N: 1, ArticleID: "a", Text: "The port of Odesa reopened in July after the attacks.", Score: 1},
		{N: 2, ArticleID: "b", Text: "The port of Gdansk handled record coal shipments this year.", Score: 0.9},
		{N: 3, ArticleID: "a", Text: "The port handled four million tonnes of grain in August.", Score: 0.8, Start: 500},
	}
	e.extract(context.Background(), evenStats{}, nil, "How much grain did the port of Odesa handle?", nil, passages)
	slices.Sort(got)
	if !slices.Equal(slices.Compact(got), []int{0, 2}) {
		t.Errorf("candidates from passages %v, want [0 2]", got)
	}
}

func TestLeansOnPrevious(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"He is also the oldest quarterback to play in a Super Bowl.", true},
		{"Their rivals won the league in 2000.", true},
		{"The countries committed to working together on this deal would form a coalition.", true},
		{"Talks resumed this week in Geneva.", false},
		{"The UK and France lead the coalition.", false},
		{"Heads of state met in London.", false},
		{"It", true},
		{"this", false},
		{"", false},
	} {
		if got := leansOnPrevious(c.text); got != c.want {
			t.Errorf("leansOnPrevious(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

// TestWithContext: a chosen sentence that refers back and lacks the
// name a "who" question asks for gets the sentence before it, which holds
// one, in the place of a sentence from an article quoted twice; the second
// source stays.
func TestWithContext(t *testing.T) {
	const q = "Who formed the coalition?"
	article := &corpus.Article{ID: "a", Text: "The UK and France will work together on a peace deal. " +
		"The countries committed to this deal would form a coalition. It was announced on Sunday."}
	cand := func(passage, index, start, end int) *sentenceCandidate {
		return &sentenceCandidate{passage: passage, index: index, start: start, end: end, text: article.Text[start:end]}
	}
	before := cand(0, 0, 0, 53)
	refers := cand(0, 1, 54, 114)
	later := cand(0, 2, 115, 142)
	refersHeld := cand(0, 1, 54, 114)
	refersHeld.held = []string{"coalit"}
	other := &sentenceCandidate{passage: 1, index: 0, text: "Zelenskyy announced the formation of a coalition."}
	passages := []Passage{{N: 1, ArticleID: "a"}, {N: 2, ArticleID: "b"}}
	cands := []*sentenceCandidate{before, refers, later, other}
	for _, c := range []struct {
		name   string
		q      string
		chosen []*sentenceCandidate
		max    int
		want   []*sentenceCandidate
	}{
		{"added, the repeat of article a gives way", q, []*sentenceCandidate{refers, later, other}, 3, []*sentenceCandidate{before, refers, other}},
		{"room left", q, []*sentenceCandidate{refers, other}, 3, []*sentenceCandidate{before, refers, other}},
		{"no room without dropping the second source", q, []*sentenceCandidate{refers, other}, 2, []*sentenceCandidate{refers, other}},
		{"already chosen, and holding the question's terms", q, []*sentenceCandidate{refersHeld, before}, 3, []*sentenceCandidate{refersHeld, before}},
		// Holding none of the question's terms, it does not answer
		// alone: the sentence it leans on is put first ("He said …").
		{"already chosen, holding none of them", q, []*sentenceCandidate{refers, before}, 3, []*sentenceCandidate{before, refers}},
		{"no kind asked", "What would the countries form?", []*sentenceCandidate{refers}, 3, []*sentenceCandidate{refers}},
	} {
		got := withContext(c.q, c.chosen, cands, passages, c.max, nil)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, texts(got), texts(c.want))
		}
	}
	// A sentence that restates the question and refers back is preceded by
	// the sentence it refers to, whatever the question asks.
	restates := cand(0, 1, 54, 114)
	restates.features[sfRestates] = 1
	got0 := withContext("What would the countries committed to this deal form?", []*sentenceCandidate{restates, other},
		[]*sentenceCandidate{before, restates, later, other}, passages, 3, nil)
	if want := []*sentenceCandidate{before, restates, other}; !slices.Equal(got0, want) {
		t.Errorf("restating: got %v, want %v", texts(got0), texts(want))
	}
	// A sentence ending with a colon is followed by the one it introduces,
	// whole when that one opens a quotation of several sentences.
	speech := &corpus.Article{ID: "a", Text: "The minister said:\n\n\"We will not wait. Help must come now.\" Talks went on."}
	intro := &sentenceCandidate{passage: 0, index: 0, of: 1, start: 0, end: 18, text: speech.Text[:18]}
	got := withContext("What did the minister say?", []*sentenceCandidate{intro}, []*sentenceCandidate{intro}, passages[:1], 3,
		func(int) *corpus.Article { return speech })
	if len(got) != 2 || got[1].text != `"We will not wait. Help must come now."` {
		t.Errorf("after a colon: got %q", texts(got))
	}
	// A passage's first sentence takes the sentence before it from its
	// article.
	first := cand(0, 0, 54, 114)
	got = withContext(q, []*sentenceCandidate{first}, []*sentenceCandidate{first}, passages[:1], 3,
		func(int) *corpus.Article { return article })
	if len(got) != 2 || got[0].text != before.text || got[0].start != 0 {
		t.Errorf("from the article: got %v", texts(got))
	}
}

func texts(cs []*sentenceCandidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.text)
	}
	return out
}

func TestSpeechAsk(t *testing.T) {
	for _, c := range []struct {
		q    string
		want questionAsk
	}{
		{"What did Keir Starmer say about Europe?", askSpeech},
		{"What has the minister told MPs?", askSpeech},
		{"what does the Kremlin claim?", askSpeech},
		{"What did the Islamic State proclaim itself in 2014?", askNone},
		{"When did Keir Starmer say it?", askDate},
		{"Who said Europe must do the heavy lifting?", askName},
	} {
		if got := askOf(c.q); got != c.want {
			t.Errorf("askOf(%q) = %v, want %v", c.q, got, c.want)
		}
	}
	for _, c := range []struct {
		text string
		want bool
	}{
		{`He said: "We will not wait for anyone."`, true},
		{"Leaders met about the “coalition of the willing” on Sunday.", false},
		{"Sir Keir said Europe “must do the heavy lifting” on defence.", true},
	} {
		if got := quotes(c.text); got != c.want {
			t.Errorf("quotes(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

// TestWholeSentence: a sentence the chunker cut at a passage's edge (it
// was too long for one chunk) is completed from the article; a passage that
// starts and ends at sentence boundaries is left as it is.
func TestWholeSentence(t *testing.T) {
	long := "Its faculty includes biologist E. O. Wilson, cognitive scientist Steven Pinker, " +
		"Shakespeare scholar Stephen Greenblatt and critic Helen Vendler."
	text := "The university is old.\n\n" + long + " It has many libraries.\nThe next line."
	a := &corpus.Article{ID: "a", Text: text}
	ls := strings.Index(text, "Its faculty")
	le := ls + len(long)
	cut := strings.Index(text, "Shakespeare")
	whole := [2]int{ls, le}
	wrappedText := "Its faculty includes biologist E. O. Wilson, cognitive\nscientist Steven Pinker, Shakespeare scholar Stephen\nGreenblatt and critic Helen Vendler of the English\ndepartment."
	wrapped := &corpus.Article{ID: "w", Text: wrappedText}
	wcut := strings.Index(wrappedText, "Shakespeare")
	for _, c := range []struct {
		name       string
		a          *corpus.Article
		p          Passage // its Text is filled in from the article
		start, end int     // the sentence of the passage
		want       [2]int
	}{
		{"ends inside the long sentence", a, Passage{ArticleID: "a", Start: 0, End: cut - 1}, ls, cut - 1, whole},
		{"starts inside it", a, Passage{ArticleID: "a", Start: cut, End: le}, cut, le, whole},
		{"inside it at both ends", a, Passage{ArticleID: "a", Start: ls + 13, End: cut - 1}, ls + 13, cut - 1, whole},
		{"whole sentences", a, Passage{ArticleID: "a", Start: ls, End: le}, ls, le, whole},
		{"its first sentence, the passage ending at a line", a, Passage{ArticleID: "a", Start: le + 1, End: len(text) - 15}, le + 1, len(text) - 15, [2]int{le + 1, len(text) - 15}},
		{"a hard-wrapped sentence cut", wrapped, Passage{ArticleID: "w", Start: 0, End: wcut - 1}, 0, wcut - 1, [2]int{0, len(wrappedText)}},
		{"another article", &corpus.Article{ID: "b", Text: text}, Passage{ArticleID: "a", Start: 0, End: cut - 1}, ls, cut - 1, [2]int{ls, cut - 1}},
		{"no article", nil, Passage{ArticleID: "a", Start: 0, End: cut - 1}, ls, cut - 1, [2]int{ls, cut - 1}},
	} {
		if c.a != nil {
			c.p.Text = c.a.Text[c.p.Start:c.p.End]
		}
		s, e := wholeSentence(c.a, c.p, c.start, c.end)
		if [2]int{s, e} != c.want {
			t.Errorf("%s: got [%d, %d), want %v", c.name, s, e, c.want)
		}
	}
	// Past maxWholeSentence bytes the piece stays as the passage has it.
	huge := "It began " + strings.Repeat("with word after word ", maxWholeSentence/20) + "and ended."
	p := Passage{ArticleID: "h", Start: 0, End: 200}
	p.Text = huge[:200]
	end := len(strings.TrimRight(p.Text, " "))
	if s, e := wholeSentence(&corpus.Article{ID: "h", Text: huge}, p, 0, end); s != 0 || e != end {
		t.Errorf("a sentence over the bound: got [%d, %d), want [0, %d)", s, e, end)
	}
}

// TestCutSentenceAnswers: the sentence that answers, cut in two by the
// chunker, is quoted whole, and its citation quotes it from the article.
func TestCutSentenceAnswers(t *testing.T) {
	e := newTestEngine(t, Config{})
	long := "Its faculty includes biologist E. O. Wilson, cognitive scientist Steven Pinker, " +
		"Shakespeare scholar Stephen Greenblatt and critic Helen Vendler."
	a := &corpus.Article{ID: "a", Title: "The university", Text: "The university is old. " + long}
	cut := strings.Index(a.Text, "Shakespeare")
	passages := []Passage{{N: 1, ArticleID: "a", Start: 0, End: cut - 1, Text: a.Text[:cut-1], Score: 1}}
	text, cites := e.extract(context.Background(), evenStats{}, func(int) *corpus.Article { return a },
		"Which Shakespeare scholar is on its faculty?", nil, passages)
	if !strings.Contains(text, "Stephen Greenblatt") {
		t.Errorf("answer %q does not name the scholar", text)
	}
	if len(cites) != 1 || !strings.Contains(cites[0].Quote, long) {
		t.Errorf("citations %+v, want one quoting %q", cites, long)
	}
}
