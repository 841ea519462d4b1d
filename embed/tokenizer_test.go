package embed

import (
	"fmt"
	"testing"
	"unicode/utf8"
)

// tinyVocab is a vocabulary for tokenizer tests that need no model.
const tinyVocab = `[["<unk>",0],["<s>",0],["</s>",0],["e1",0],["e2",0],["e3",0],
	["▁a",-1],["b",-2],["▁",-3],["a",-2],["ab",-2.5],["▁ab",-4],
	["▁c",-2],["d",-2],["cd",-1],["f",-1],[":",null]]`

func TestTokenizer(t *testing.T) {
	tok, err := newTokenizer([]byte(tinyVocab))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []int
	}{
		{"", nil},
		{"a", []int{6}},          // ▁a beats ▁ + a
		{"ab", []int{6, 7}},      // ▁a b (-3) beats ▁ab (-4) and ▁ ab (-5.5)
		{"cd", []int{12, 13}},    // tie ▁ cd = ▁c d: the later start wins
		{"a 大大", []int{6, 8, 0}}, // unknown runes collapse into one 0
		{"a\tb", []int{6, 0, 7}}, // a tab is not a space
		{"ｆ", []int{8, 15}},      // NFKC folds the full-width letter
		{"a:", []int{6, 16}},     // a null score counts as 0
		{"e1", []int{8, 0}},      // special pieces are never matched
		{"a  a", []int{6, 8, 6}}, // every space becomes ▁
	}
	for _, tt := range tests {
		if got := tok.encode(tt.text); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("encode(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestNewTokenizerErrors(t *testing.T) {
	for _, vocab := range []string{`not json`, `[["a",1]]`, `[["<unk>",0],["<s>",0],["</s>",0],["e1",0],["e2",0],["e3",0],[1,2]]`} {
		if _, err := newTokenizer([]byte(vocab)); err == nil {
			t.Errorf("newTokenizer(%.20q) succeeded", vocab)
		}
	}
}

// FuzzTokenizer checks that any text tokenizes without panicking into valid
// ids, no more than it has runes after normalisation, with no two unknown
// ids in a row.
func FuzzTokenizer(f *testing.F) {
	tok, err := newTokenizer([]byte(tinyVocab))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "a", "ab cd", "a 大大", "\t\n", "ｆ:", "\xff\xfe", "▁▁"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ids := tok.encode(text)
		if n := utf8.RuneCountInString(normalize(text)); len(ids) > n {
			t.Fatalf("%d ids for %d runes", len(ids), n)
		}
		for i, id := range ids {
			if id < 0 || id >= len(tok.scores) || (id > 0 && id < reservedPieces) {
				t.Fatalf("id %d out of range", id)
			}
			if i > 0 && id == unknownID && ids[i-1] == unknownID {
				t.Fatal("two unknown ids in a row")
			}
		}
	})
}
