package eval

import (
	"bytes"
	"strings"
	"testing"
)

func TestScoreEvidence(t *testing.T) {
	qs := []Question{
		{Type: "comparison", Sources: []string{"a.md", "b.md"}, Answers: []string{"Yes"},
			Evidence: []Evidence{{Source: "a.md", Fact: "The sky is  green."}, {Source: "b.md", Fact: "Grass is\nblue."}}},
		{Type: "temporal", Sources: []string{"c.md"}, Answers: []string{"No"},
			Evidence: []Evidence{{Source: "c.md", Fact: "Never found."}}},
		{Type: "null"}, // no evidence: not scored
	}
	hit := func(src, text string) evalHit { return evalHit{Source: src, Text: text} }
	results := []evalResult{
		// rank 2 holds fact 1 (whitespace differs), rank 5 holds facts 1 and 2.
		{hit("x.md", "nothing"), hit("a.md", "It said: The sky\nis green. Odd."), hit("x.md", "no"), hit("x.md", "no"),
			hit("b.md", "Thesky is green. Grass is blue.")},
		{hit("c.md", "close but not it")},
		{hit("a.md", "The sky is green.")},
	}
	got := scoreEvidence(qs, results)
	want := map[string]EvidenceMetrics{
		// MAP: (1 new fact / rank 2 + 1 new fact / rank 5) / 2 facts.
		"comparison": {Questions: 1, Hits4: 1, Hits10: 1, MRR10: 0.5, MAP10: (0.5 + 0.2) / 2, AllGold5: 1, AllGold10: 1},
		"temporal":   {Questions: 1, AllGold5: 1, AllGold10: 1},
		"all":        {Questions: 2, Hits4: 0.5, Hits10: 0.5, MRR10: 0.25, MAP10: 0.35 / 2, AllGold5: 1, AllGold10: 1},
	}
	if len(got) != 3 || got[0].Type != "all" {
		t.Fatalf("groups %+v, want all, comparison, temporal", got)
	}
	for _, m := range got {
		w := want[m.Type]
		if m.Questions != w.Questions || !near(m.Hits4, w.Hits4) || !near(m.Hits10, w.Hits10) || !near(m.MRR10, w.MRR10) ||
			!near(m.MAP10, w.MAP10) || !near(m.AllGold5, w.AllGold5) || !near(m.AllGold10, w.AllGold10) {
			t.Errorf("%s: got %+v, want %+v", m.Type, m, w)
		}
	}
	if scoreEvidence([]Question{{Answers: []string{"x"}}}, []evalResult{nil}) != nil {
		t.Error("questions without evidence scored")
	}
}

func TestAllGoldNeedsEverySource(t *testing.T) {
	res := evalResult{{Source: "a.md"}, {Source: "x.md"}, {Source: "x.md"}, {Source: "x.md"}, {Source: "x.md"}, {Source: "b.md"}}
	if allGold([]string{"a.md", "b.md"}, res, 5) {
		t.Error("b.md at rank 6 counted in the top 5")
	}
	if !allGold([]string{"a.md", "b.md"}, res, 10) {
		t.Error("both sources in the top 10 not counted")
	}
}

func TestEvidenceTableAttributes(t *testing.T) {
	rep := &Report{Dataset: "multihop", K: 10, Runs: []Run{{Evidence: []EvidenceMetrics{{Type: "all", Questions: 3, Hits10: 0.5}}}}}
	var text, html bytes.Buffer
	if err := rep.WriteTable(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"table": text.String(), "html": html.String()} {
		for _, want := range []string{"Hits@10", "0.7467", "Tang &", "ODC-BY 1.0"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
}
