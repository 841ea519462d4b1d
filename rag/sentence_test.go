package rag

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/newsrag/newsrag/corpus"
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
		{"hard-wrapped", "The drones struck fuel\nrefineries and depots, the commander\nsaid. Russia denied it.\nHeading\nNext line", []string{"The drones struck fuel\nrefineries and depots, the commander\nsaid.", "Russia denied it.", "Heading", "Next line"}},
		{"a hard-wrapped paragraph", "Heading line\n\nThe drones target refineries and depots deep\nRussia, said the commander of the unit.\nIt was his first interview since the\nwar began.", []string{"Heading line", "The drones target refineries and depots deep\nRussia, said the commander of the unit.", "It was his first interview since the\nwar began."}},
		{"a wrapped paragraph ends at its blank line", "The drones target refineries and depots deep\ninside Russia, said the commander of the\nunit in charge of them all\n\nthe next paragraph starts here.", []string{"The drones target refineries and depots deep\ninside Russia, said the commander of the\nunit in charge of them all", "the next paragraph starts here."}},
		{"a blank line before a lower-case word", "the unit in charge of them all\n\nand a new paragraph.", []string{"the unit in charge of them all", "and a new paragraph."}},
		{"short lines of even length", "Roses are red\nViolets are blue\nSugar is sweet\nAnd so are you", []string{"Roses are red", "Violets are blue", "Sugar is sweet", "And so are you"}},
		{"a bulleted list", "• Unified strategy for air defense\n• Fast-tracking aid and equipment\n• Sanctions on the\nshadow fleet", []string{"• Unified strategy for air defense", "• Fast-tracking aid and equipment", "• Sanctions on the", "shadow fleet"}},
		{"a heading above long lines", "The UK's Role: Starmer's First Major Move\nThe prime minister said the UK, France and Ukraine will work together on a peace deal that could be presented to the US.\nThe countries committed to working together on this deal would form a coalition.", []string{"The UK's Role: Starmer's First Major Move", "The prime minister said the UK, France and Ukraine will work together on a peace deal that could be presented to the US.", "The countries committed to working together on this deal would form a coalition."}},
		{"line breaks that end", "Key points:\nthe first\n- a list item\ncontinued here\n1. an item\nand more\nBy Jane Smith\nLondon", []string{"Key points:", "the first", "- a list item", "continued here", "1. an item", "and more", "By Jane Smith", "London"}},
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

// BenchmarkSentences splits the built-in corpus, as the chunker and the
// extractive answerer do.
func BenchmarkSentences(b *testing.B) {
	arts, err := corpus.Default()
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, a := range arts {
		n += len(a.Text)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, a := range arts {
			sentences(a.Text)
		}
	}
}

// FuzzSentences checks that any text splits without panicking into
// ordered, non-overlapping sentences that hold every non-space character
// of it, none starting or ending with white space.
func FuzzSentences(f *testing.F) {
	for _, s := range []string{"One two. Three four! Five?", "Mr. Smith met Dr. Jones.\n\nThey talked.",
		"It burned.[citation needed] Then.[a][b]", "The drones struck fuel\nrefineries, the commander\nsaid.",
		"a line of some length here\nanother line of some length\nand a last\n\n- item\n1. item", "[", ".[", "x.[ab"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		covered := make([]bool, len(text))
		prev := 0
		for _, s := range sentences(text) {
			if s.Start < prev || s.End <= s.Start || s.End > len(text) {
				t.Fatalf("%q: span %v after %d", text, s, prev)
			}
			txt := text[s.Start:s.End]
			if strings.TrimSpace(txt) != txt {
				t.Errorf("%q: sentence %q has surrounding space", text, txt)
			}
			for i := s.Start; i < s.End; i++ {
				covered[i] = true
			}
			prev = s.End
			isStatement(txt)
		}
		for i, c := range []byte(text) {
			if !covered[i] && !unicode.IsSpace(rune(c)) && c < utf8.RuneSelf {
				t.Fatalf("%q: byte %d (%q) is in no sentence", text, i, c)
			}
		}
	})
}

// FuzzWholeSentence checks that completing a passage's edge sentence never
// panics and returns a span of the article that holds the piece.
func FuzzWholeSentence(f *testing.F) {
	f.Add("The university is old.\n\nIts faculty includes biologist E. O. Wilson and critic Helen Vendler. It grew.", 30, 60)
	f.Add("word word, word word word", 5, 12)
	f.Fuzz(func(t *testing.T, text string, from, to int) {
		if from < 0 || to > len(text) || from >= to {
			return
		}
		p := Passage{ArticleID: "a", Start: from, End: to, Text: text[from:to]}
		ss := sentences(p.Text)
		if len(ss) == 0 {
			return
		}
		a := &corpus.Article{ID: "a", Text: text}
		for _, s := range []span{ss[0], ss[len(ss)-1]} {
			start, end := from+s.Start, from+s.End
			ws, we := wholeSentence(a, p, start, end)
			if ws < 0 || we > len(text) || ws > start || we < end {
				t.Fatalf("%q [%d,%d): piece [%d,%d) completed to [%d,%d)", text, from, to, start, end, ws, we)
			}
		}
	})
}
