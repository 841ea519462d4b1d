package rag

import (
	"context"
	"testing"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

func TestNumericQuestion(t *testing.T) {
	tests := []struct {
		q    string
		want bool
	}{
		{"When did the war end?", true},
		{"How many teams played?", true},
		{"In what year was it founded?", true},
		{"What percentage of voters agreed?", true},
		{"Who won the game?", false},
		{"What is the capital of France?", false},
		{"Whenever is not a cue", false},
	}
	for _, tt := range tests {
		if got := numericQuestion(tt.q); got != tt.want {
			t.Errorf("numericQuestion(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestContextSentence(t *testing.T) {
	text := "Old paragraph.\n\nThe river is long. It floods in spring. Farmers wait.\n\nNext paragraph."
	start := len("Old paragraph.\n\nThe river is long. ")
	end := start + len("It floods in spring.")
	before, after := contextSentence(text, start, end)
	if got := text[before.Start:before.End]; got != "The river is long." {
		t.Errorf("before = %q", got)
	}
	if got := text[after.Start:after.End]; got != "Farmers wait." {
		t.Errorf("after = %q", got)
	}
	// At a paragraph's edges there is no context from the next paragraph.
	p := len("Old paragraph.\n\n")
	before, _ = contextSentence(text, p, p+len("The river is long."))
	if before.End > before.Start {
		t.Errorf("context crossed a paragraph break: %q", text[before.Start:before.End])
	}
}

// TestRerankPrefersOneSentence checks the second stage: of two chunks with
// the same terms, the one stating them in one sentence ranks first.
func TestRerankPrefersOneSentence(t *testing.T) {
	arts := []corpus.Article{
		{ID: "a-scattered", Title: "Notes", Text: "The mill stood by the river. Nobody recalls when. Grain came from far away. Later a fire broke out at night. Many years passed."},
		{ID: "b-together", Title: "Notes", Text: "The mill by the river burned in a fire in 1820. Nobody recalls why. The town rebuilt it. Grain came from far away. Many years passed."},
	}
	for i := range arts {
		arts[i].Hash = testfake.Hash(arts[i])
	}
	ix, _, err := Build(context.Background(), arts, BuildConfig{Embedder: testfake.NewEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	q := Request{Question: "When did the mill by the river burn in a fire?", K: 2}
	res, err := NewRetriever(DefaultRetrievalConfig, testfake.NewEmbedder()).Retrieve(context.Background(), ix, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Passages) != 2 || res.Passages[0].ArticleID != "b-together" {
		t.Fatalf("hybrid ranked %+v first, want b-together", res.Passages[0].ArticleID)
	}
	if res.Passages[0].Score < res.Passages[1].Score {
		t.Errorf("scores not in order: %v, %v", res.Passages[0].Score, res.Passages[1].Score)
	}
}
