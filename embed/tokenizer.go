package embed

import (
	"encoding/json"
	"fmt"
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
	pieces  map[string]int32 // piece text → id, or -1 for a proper prefix of a piece only
	scores  []float64        // id → log-probability
	runeLen []int            // id → length in runes
	maxLen  int              // longest piece in runes
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
		if old, dup := t.pieces[piece]; !dup || old < 0 {
			t.pieces[piece] = int32(id)
		}
		t.maxLen = max(t.maxLen, t.runeLen[id])
	}
	// Record every proper prefix so matching can stop as soon as the text
	// leaves all pieces.
	for piece, id := range t.pieces {
		if id < 0 {
			continue
		}
		for i := range piece {
			if _, ok := t.pieces[piece[:i]]; !ok && i > 0 {
				t.pieces[piece[:i]] = -1
			}
		}
	}
	t.runeLen[unknownID] = 1
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
		for l := 1; l <= t.maxLen && start+l <= n; l++ {
			id, ok := t.pieces[s[offs[start]:offs[start+l]]]
			if !ok {
				break // no piece continues this way
			}
			if id < 0 {
				continue // only a prefix
			}
			matched = true
			relax(best, word, start, start+l, id, t.scores[id])
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
