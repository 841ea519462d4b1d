package rag

import (
	"context"
	"slices"
	"testing"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

// TestGateInEveryRetrievalMode asks the first turns of
// testdata/dialogues.json (questions the default corpus answers, and one
// it does not) with each retrieval mode: the gate, trained on hybrid
// retrieval, must answer them from the gold article (and decline the
// unanswerable one) in bm25 and dense modes too. It computes the dense
// signals itself when retrieval did not.
func TestGateInEveryRetrievalMode(t *testing.T) {
	dialogues := readDialogues(t)
	for _, mode := range []string{RetrieveBM25, RetrieveDense, RetrieveHybrid} {
		t.Run(mode, func(t *testing.T) {
			e := defaultCorpusRetrieval(t, nil, RetrievalConfig{Mode: mode, DenseWeight: DefaultRetrievalConfig.DenseWeight})
			right := 0
			for _, d := range dialogues {
				turn := d[0]
				ans, err := e.Ask(context.Background(), Request{Question: turn.Q}, Stream{})
				if err != nil {
					t.Fatalf("%q: %v", turn.Q, err)
				}
				if turnRight(turn, ans) {
					right++
				} else {
					t.Logf("wrong: %q: answerable %v (answerability %.2f), want %q", turn.Q, ans.Answerable, ans.Answerability, turn.Gold)
				}
			}
			acc := float64(right) / float64(len(dialogues))
			t.Logf("%s: %d of %d first turns right (%.2f)", mode, right, len(dialogues), acc)
			if acc < modeAccuracy[mode] {
				t.Errorf("%s retrieval: %.2f of the first turns right, below %.2f", mode, acc, modeAccuracy[mode])
			}
		})
	}
}

// modeAccuracy is the share of first turns TestGateInEveryRetrievalMode
// requires right in each retrieval mode. Dense retrieval alone does not
// find the passage that answers four of the 25 (21 right): for "Who
// called the Taliban country boys?" its eight best passages, all from the
// right article, hold no sentence naming Gen Carter, and the gate declines
// (0.31, below the threshold 0.325), where at the former threshold (0.27)
// it answered by quoting sentences that name no one.
var modeAccuracy = map[string]float64{RetrieveBM25: 0.85, RetrieveDense: 0.8, RetrieveHybrid: 0.85}

// TestFocusWindow checks the focus feature: the question's names and its
// rarest other term together in one sentence window (Kyiv and population,
// not either alone).
func TestFocusWindow(t *testing.T) {
	e := newTestEngine(t, Config{})
	focus := slices.Index(FeatureNames[:], "focus_window")
	tests := []struct {
		q    string
		full bool // all of the focus in one window
	}{
		{"Who did Zelenskyy call about the coalition of the willing?", true},
		{"Which ammunition depots does Keir Starmer want to protect?", false},
		{"Did Moscow call the attacks terrorism?", true},
		{"What is the population of Moscow?", false},
	}
	for _, tt := range tests {
		f, _, err := e.Assess(context.Background(), Request{Question: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		if got := f[focus] > 1-1e-9; got != tt.full {
			t.Errorf("%q: focus_window %.3f, want the whole focus in one window: %v", tt.q, f[focus], tt.full)
		}
	}
}

// TestExtractBest checks the extract_best feature: the gate sees the score
// of the sentence the extractive answerer ranks first for the same
// question, and a question whose answer is there scores above one whose
// answer is not.
func TestExtractBest(t *testing.T) {
	defaultCorpusEngine(t, nil) // builds the shared index
	var best float64
	traced := false
	e, err := Open(context.Background(), Config{DataDir: defaultDir, Embedder: testfake.Builtin(t),
		Extractive: ExtractiveConfig{Trace: func(_ string, ss []ExtractedSentence) {
			for i, s := range ss {
				if i == 0 || s.Score > best {
					best = s.Score
				}
			}
			traced = len(ss) > 0
		}}})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(FeatureNames[:], "extract_best")
	f, _, err := e.Assess(context.Background(), Request{Question: dronesQuestion})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Ask(context.Background(), Request{Question: dronesQuestion}, Stream{}); err != nil {
		t.Fatal(err)
	}
	if !traced {
		t.Fatal("the extractive answerer traced no sentences")
	}
	if f[i] != best {
		t.Errorf("extract_best %v, want the answerer's best score %v", f[i], best)
	}
	off, _, err := e.Assess(context.Background(), Request{Question: "What is the population of Kyiv?"})
	if err != nil {
		t.Fatal(err)
	}
	if off[i] >= f[i] {
		t.Errorf("extract_best %v for an unanswerable question, not below %v for an answerable one", off[i], f[i])
	}
}

// TestMoneyKind: "how much" with a word of money (cost, spend, raise…)
// asks for an amount of money, which a currency sign before a number or a
// currency's name holds and a bare number does not; "how much" without one
// asks for a quantity, as before.
func TestMoneyKind(t *testing.T) {
	for _, c := range []struct {
		q    string
		want kind
	}{
		{"How much does a long-range drone cost to build?", kindMoney},
		{"How much money did the committee raise?", kindMoney},
		{"How much of the city was destroyed?", kindNumber},
		{"How many drones were launched?", kindNumber},
		{"Who paid for the drones?", kindName},
	} {
		if got := answerKind(c.q); got != c.want {
			t.Errorf("answerKind(%q) = %d, want %d", c.q, got, c.want)
		}
	}
	q := questionWords("How much does a drone cost?")
	for _, c := range []struct {
		text string
		want bool
	}{
		{"Each drone costs about $200,000 to build.", true},
		{"The stadium cost £ 1.2bn.", true},
		{"The bill came to 40 million dollars.", true},
		{"Five drones were shown in the room.", false},
		{"It flew 1,000 km at a cost nobody disclosed.", false},
	} {
		if got := holdsKind(kindMoney, c.text, q); got != c.want {
			t.Errorf("holdsKind(money, %q) = %v, want %v", c.text, got, c.want)
		}
	}
	// The sentence scorer: a money question's answer kind is the amount.
	f := featuresOf("How much does a drone cost?", "Five drones were shown in the room.", "Each drone costs about $200,000.")
	if f[0][sfKindNumber] != 0 || f[0][sfKindMissing] != 1 || f[1][sfKindNumber] != 1 {
		t.Errorf("kind_number %v and %v, kind_missing %v: want the amount only in the second", f[0][sfKindNumber], f[1][sfKindNumber], f[0][sfKindMissing])
	}
}

// TestNamesByPart: a question's names of two or more words are found, and
// a text naming part of one ("Sir Keir", "Starmer") holds the whole name
// when its article gives it in full, not otherwise.
func TestNamesByPart(t *testing.T) {
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"What did Keir Starmer say about Europe?", []string{"Keir Starmer"}},
		{"Who is Sir Keir Starmer?", []string{"Sir Keir Starmer"}},
		{"Did Keir Starmer, Emmanuel Macron and Trump meet?", []string{"Keir Starmer", "Emmanuel Macron"}},
		{"What did Trump say?", nil},
		{"Keir Starmer said what?", nil}, // the first word is not taken for a name
	} {
		if got := nameRuns(c.q); !slices.Equal(got, c.want) {
			t.Errorf("nameRuns(%q) = %q, want %q", c.q, got, c.want)
		}
	}
	e := &Engine{analyzer: NewAnalyzer()}
	a := NewAnalyzer()
	q := "What did Keir Starmer say about Europe?"
	qw := newQueryWeights(a.Terms(nil, q), evenStats{})
	names := e.namesOf(qw, q)
	if len(names) != 1 {
		t.Fatalf("namesOf: %v", names)
	}
	window, _ := qw.mask(a, "Sir Keir said Europe must do the heavy lifting.")
	whole := window | names[0].mask
	if window == whole {
		t.Fatal("the window already holds the whole name; the case needs it not to")
	}
	full := &corpus.Article{Text: "Sir Keir Starmer spoke in London. Sir Keir said Europe must do the heavy lifting."}
	part := &corpus.Article{Text: "Sir Keir said Europe must do the heavy lifting."}
	if got := names.inArticle(full).complete(window); got != whole {
		t.Errorf("article naming Keir Starmer in full: mask %b, want %b", got, whole)
	}
	if got := names.inArticle(part).complete(window); got != window {
		t.Errorf("article never naming Keir Starmer in full: mask %b, want %b", got, window)
	}
}
