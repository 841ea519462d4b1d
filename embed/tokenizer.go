package embed

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// reservedPieces is the number of special vocabulary entries (unknown, <s>,
// </s>, extra_token_id_1..3) that are never matched against text.
const reservedPieces = 6

// unknownID is the id of the unknown piece.
const unknownID = 0

// wordBoundary replaces spaces before tokenization (U+2581).
const wordBoundary = "\u2581"

// tokenizer is the SentencePiece unigram tokenizer of USE-lite, as the TF.js
// reference implements it. It is immutable after construction.
type tokenizer struct {
	pieces  map[string]int32 // piece text → id
	scores  []float64        // id → log-probability
	runeLen []int            // id → length in runes
	maxLen  int              // longest piece in runes
	trie    byteTrie         // the pieces by their bytes, for encode
}

// byteTrie holds the vocabulary's pieces by their bytes: walking it along
// the text from a start position finds every piece that starts there in
// one step per byte, where looking up each prefix in a map hashes it anew.
// Node 0 is the root; node i's children are the edges [first[i], first[i+1])
// of label and child, sorted by label.
type byteTrie struct {
	id    []int32 // node → piece id ending there, or -1
	first []int32 // node → its first edge; len(id)+1 entries
	label []byte  // edge → byte
	child []int32 // edge → node
	root  [256]int32
}

// next returns the child of node by byte b, or -1.
func (t *byteTrie) next(node int32, b byte) int32 {
	if node == 0 {
		return t.root[b]
	}
	lo, hi := t.first[node], t.first[node+1]
	for e := lo; e < hi; e++ {
		if l := t.label[e]; l >= b {
			if l == b {
				return t.child[e]
			}
			return -1
		}
	}
	return -1
}

// trieNode and trieEdge are the trie as newByteTrie builds it.
type (
	trieNode struct {
		id   int32
		kids []trieEdge
	}
	trieEdge struct {
		b byte
		n *trieNode
	}
)

// newByteTrie builds the trie of the pieces (piece → id, ids ≥ 0; entries
// with id < 0 are skipped).
func newByteTrie(pieces map[string]int32) byteTrie {
	// Build with nodes holding their edges (few per node, so a linear
	// search finds one), then number the nodes breadth first so that each
	// node's children are contiguous and in byte order.
	child := func(n *trieNode, b byte) *trieNode {
		for _, e := range n.kids {
			if e.b == b {
				return e.n
			}
		}
		k := &trieNode{id: -1}
		n.kids = append(n.kids, trieEdge{b, k})
		return k
	}
	root := &trieNode{id: -1}
	for p, id := range pieces {
		if id < 0 {
			continue
		}
		n := root
		for i := 0; i < len(p); i++ {
			n = child(n, p[i])
		}
		n.id = id
	}
	var t byteTrie
	queue := []*trieNode{root}
	for i := 0; i < len(queue); i++ {
		n := queue[i]
		t.id = append(t.id, n.id)
		t.first = append(t.first, int32(len(t.label)))
		slices.SortFunc(n.kids, func(x, y trieEdge) int { return cmp.Compare(x.b, y.b) })
		for _, e := range n.kids {
			t.label = append(t.label, e.b)
			t.child = append(t.child, int32(len(queue)))
			queue = append(queue, e.n)
		}
	}
	t.first = append(t.first, int32(len(t.label)))
	for b := range t.root {
		t.root[b] = -1
	}
	for e := t.first[0]; e < t.first[1]; e++ {
		t.root[t.label[e]] = t.child[e]
	}
	return t
}

// newTokenizer builds a tokenizer from vocab.json: a JSON array of
// [piece, score] pairs whose index is the token id.
func newTokenizer(vocabJSON []byte) (*tokenizer, error) {
	var entries [][2]any
	if err := json.Unmarshal(vocabJSON, &entries); err != nil {
		return nil, fmt.Errorf("parse vocabulary: %w", err)
	}
	if len(entries) <= reservedPieces {
		return nil, fmt.Errorf("parse vocabulary: only %d entries", len(entries))
	}
	t := &tokenizer{
		pieces:  make(map[string]int32, len(entries)),
		scores:  make([]float64, len(entries)),
		runeLen: make([]int, len(entries)),
	}
	for id, e := range entries {
		// A few entries (pieces with ':') have a null score; the reference
		// adds it as 0 (JavaScript null + number).
		piece, ok1 := e[0].(string)
		score, ok2 := e[1].(float64)
		if e[1] == nil {
			ok2 = true
		}
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("parse vocabulary: entry %d is not [string, number]", id)
		}
		t.scores[id] = score
		t.runeLen[id] = utf8.RuneCountInString(piece)
		if id < reservedPieces {
			continue
		}
		if _, dup := t.pieces[piece]; !dup {
			t.pieces[piece] = int32(id)
		}
		t.maxLen = max(t.maxLen, t.runeLen[id])
	}
	t.runeLen[unknownID] = 1
	t.trie = newByteTrie(t.pieces)
	return t, nil
}

// normalize applies NFKC and marks word boundaries: a leading U+2581 and
// every ASCII space replaced by U+2581. Tabs and newlines stay.
func normalize(text string) string {
	text = norm.NFKC.String(text)
	if text == "" {
		return ""
	}
	return wordBoundary + strings.ReplaceAll(text, " ", wordBoundary)
}

// encode returns the token ids of text: the best segmentation into
// vocabulary pieces (Viterbi over rune positions, maximising the summed
// log-probabilities). A rune that starts no piece becomes the unknown id 0
// and runs of unknown ids collapse into one, as in the reference.
func (t *tokenizer) encode(text string) []int {
	s := normalize(text)
	if s == "" {
		return nil
	}
	// offs[i] is the byte offset of rune i; offs[n] == len(s).
	offs := make([]int, 0, len(s)+1)
	for i := range s {
		offs = append(offs, i)
	}
	n := len(offs)
	offs = append(offs, len(s))

	// best[e] is the best score of a segmentation of runes [0, e) and word[e]
	// the id of its last piece. As in the reference, a score of exactly zero
	// means "none yet".
	best := make([]float64, n+1)
	word := make([]int32, n+1)

	// Candidates are visited per end position in ascending start order and
	// replace the best on >=, so ties go to the later start. Visiting starts
	// in ascending order and relaxing forward gives the same order.
	for start := 0; start < n; start++ {
		matched := false
		// Walk the trie along the bytes from the start; a piece can end
		// only where a rune ends (offs[start+l]).
		node, l := int32(0), 1
		for b := offs[start]; b < len(s); b++ {
			if node = t.trie.next(node, s[b]); node < 0 {
				break // no piece continues this way
			}
			if b+1 < offs[start+l] {
				continue // inside a rune
			}
			if id := t.trie.id[node]; id >= 0 {
				matched = true
				relax(best, word, start, start+l, id, t.scores[id])
			}
			l++
		}
		if !matched {
			relax(best, word, start, start+1, unknownID, 0)
		}
	}

	var ids []int
	for e := n; e > 0; {
		id := word[e]
		ids = append(ids, int(id))
		e -= t.runeLen[id]
	}
	// Reverse, collapsing runs of unknown ids.
	out := make([]int, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		if ids[i] == unknownID && len(out) > 0 && out[len(out)-1] == unknownID {
			continue
		}
		out = append(out, ids[i])
	}
	return out
}

// relax offers piece id spanning runes [start, end) as the last piece of a
// segmentation of [0, end). Like the reference, a best score of exactly zero
// counts as unset.
func relax(best []float64, word []int32, start, end int, id int32, score float64) {
	s := best[start] + score
	if best[end] == 0 || s >= best[end] {
		best[end] = s
		word[end] = id
	}
}
