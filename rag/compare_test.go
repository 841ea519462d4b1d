package rag

import (
	"context"
	"strings"
	"testing"

	"github.com/tmc/langchaingo/llms"
)

func TestAskComparisonQuotesEachSource(t *testing.T) {
	e := newTestEngine(t, Config{})
	q := "Did Sky News report that drones target oil refineries, while Global Affairs reported a coalition of the willing with Keir Starmer?"
	ans, err := e.Ask(context.Background(), Request{Question: q}, Stream{})
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Answerable {
		t.Fatalf("not answerable: %q", ans.Answer)
	}
	sky := strings.Index(ans.Answer, "(Sky News, 7 July 2025) ")
	global := strings.Index(ans.Answer, "; (Global Affairs, 8 July 2025) ")
	if sky != 0 || global < 0 {
		t.Fatalf("answer %q: want one attributed sentence per outlet, Sky News first", ans.Answer)
	}
	if len(ans.Citations) != 2 {
		t.Fatalf("citations %+v, want one per source", ans.Citations)
	}
	for _, c := range ans.Citations {
		a, _ := e.Article(c.ArticleID)
		if a.Text[c.Start:c.End] != c.Quote || !strings.Contains(ans.Answer, c.Quote) {
			t.Errorf("citation %d quote %q is not the quoted sentence of %s", c.N, c.Quote, c.ArticleID)
		}
	}
	if !strings.Contains(ans.Answer, "refineries") || !strings.Contains(ans.Answer, "coalition") {
		t.Errorf("answer %q lacks the sentence of each part", ans.Answer)
	}
}

func TestAskPlainQuestionNotSplit(t *testing.T) {
	e := newTestEngine(t, Config{})
	ans, err := e.Ask(context.Background(), Request{Question: "What do Ukraine's long-range drones target inside Russia?"}, Stream{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ans.Answer, "; (") {
		t.Errorf("a one-part question answered as a comparison: %q", ans.Answer)
	}
}

func TestPromptHints(t *testing.T) {
	ps := []Passage{{N: 1, Title: "T", Text: "x"}}
	human := func(q string) string {
		msgs := BuildPrompt(q, ps, nil)
		return msgs[len(msgs)-1].Parts[0].(llms.TextContent).Text
	}
	for _, tc := range []struct {
		q             string
		yesNo, perSrc bool
	}{
		{"Did The Verge and TechCrunch both report the outage?", true, true},
		{"Was the report published before the other one?", true, true},
		{"Who leads the coalition?", false, false},
		{"Which outlet reported the outage first, The Verge or TechCrunch, compared to Wired?", false, true},
	} {
		got := human(tc.q)
		if strings.Contains(got, `begin the answer with "Yes" or "No"`) != tc.yesNo {
			t.Errorf("%q: yes/no hint present = %v, want %v", tc.q, !tc.yesNo, tc.yesNo)
		}
		if strings.Contains(got, "one sentence per source") != tc.perSrc {
			t.Errorf("%q: per-source hint present = %v, want %v", tc.q, !tc.perSrc, tc.perSrc)
		}
	}
}
