package rag

import (
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
