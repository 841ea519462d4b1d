package rag

import (
	"math"
	"slices"
	"testing"
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
