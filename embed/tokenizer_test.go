package embed

import (
	"fmt"
	"strings"
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

// encodeByMap is encode as it was before the byte trie: every prefix of the
// text from a start position looked up in a map of the pieces. The trie
// must give the same ids.
func encodeByMap(t *tokenizer, text string) []int {
	s := normalize(text)
	if s == "" {
		return nil
	}
	var offs []int
	for i := range s {
		offs = append(offs, i)
	}
	n := len(offs)
	offs = append(offs, len(s))
	best := make([]float64, n+1)
	word := make([]int32, n+1)
	for start := 0; start < n; start++ {
		matched := false
		for l := 1; l <= t.maxLen && start+l <= n; l++ {
			if id, ok := t.pieces[s[offs[start]:offs[start+l]]]; ok {
				matched = true
				relax(best, word, start, start+l, id, t.scores[id])
			}
		}
		if !matched {
			relax(best, word, start, start+1, unknownID, 0)
		}
	}
	var ids []int
	for e := n; e > 0; e -= t.runeLen[word[e]] {
		ids = append(ids, int(word[e]))
	}
	var out []int
	for i := len(ids) - 1; i >= 0; i-- {
		if ids[i] == unknownID && len(out) > 0 && out[len(out)-1] == unknownID {
			continue
		}
		out = append(out, ids[i])
	}
	return out
}

// TestTrieMatchesMap checks the byte-trie tokenizer against map lookups on
// the reference texts, their words recombined, and mixed-script strings.
func TestTrieMatchesMap(t *testing.T) {
	m := testModel(t)
	var texts []string
	for _, c := range referenceCases(t) {
		texts = append(texts, c.Text)
		w := strings.Fields(c.Text)
		for i := 0; i+3 <= len(w); i += 2 {
			texts = append(texts, strings.Join(w[i:i+3], " "), w[i]+w[i+1], strings.ToUpper(w[i]))
		}
	}
	texts = append(texts, "naïve café 東京 Ω≈ç√ 𝔘𝔫𝔦 \t\n x", "ｆｕｌｌ-width", "ééé", "a  b   c", "\u00a0nbsp")
	for _, text := range texts {
		if got, want := m.tok.encode(text), encodeByMap(m.tok, text); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("encode(%q) = %v, map lookups give %v", text, got, want)
		}
	}
}

// BenchmarkTokenize tokenizes the 128-token benchmark passage.
func BenchmarkTokenize(b *testing.B) {
	m := testModel(b)
	text := prefixText(b, m, 128)
	for b.Loop() {
		m.tok.encode(text)
	}
}
