package rag

import (
	"slices"
	"testing"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"simple", "One two. Three four! Five?", []string{"One two.", "Three four!", "Five?"}},
		{"abbreviation", "Mr. Smith met Dr. Jones. They talked.", []string{"Mr. Smith met Dr. Jones.", "They talked."}},
		{"initial", "John F. Kennedy spoke. Then left.", []string{"John F. Kennedy spoke.", "Then left."}},
		{"us", "The U.S. Army moved. It won.", []string{"The U.S. Army moved.", "It won."}},
		{"quote", `He said "go." Then he went.`, []string{`He said "go."`, "Then he went."}},
		{"lowercase next", "It cost 3.5 bn. and more.", []string{"It cost 3.5 bn. and more."}},
		{"paragraphs", "Title line\n\nFirst para. Second.\n  Third line", []string{"Title line", "First para.", "Second.", "Third line"}},
		{"decimal", "Growth was 2.5 per cent. Next.", []string{"Growth was 2.5 per cent.", "Next."}},
		{"empty", " \n\n ", nil},
		{"footnote", "It was built in 1850.[12] It burned.[citation needed][original research?] Then it rose.[a][b]", []string{"It was built in 1850.[12]", "It burned.[citation needed][original research?]", "Then it rose.[a][b]"}},
		{"brackets that are not footnotes", "He said it [the deal] would hold. Then.[Ed. note: see below] Next.", []string{"He said it [the deal] would hold.", "Then.[Ed. note: see below] Next."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range sentences(tt.in) {
				got = append(got, tt.in[s.Start:s.End])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("sentences(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}
