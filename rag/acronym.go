package rag

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsrag/newsrag/corpus"
)

// Acronyms. "What does ANSF stand for?" is a question about four letters:
// the lexical search finds every passage that uses them and any passage
// that "stands" for something, and the answerability model sees a
// question most of whose words no sentence holds. News spells an acronym
// out once, where it first uses it: "the ANSF [Afghan National Security
// Forces]", "the American Football Conference (AFC)". So a question that
// asks what an acronym stands for is answered from that place when an
// article has it, and declined with a reason when the corpus uses the
// acronym without spelling it out, instead of quoting sentences that
// happen to hold "stand".

// standsForRE matches a question that asks what an acronym stands for:
// "What does NATO stand for?", "What is the AFC short for?", "What did the
// LMP acronym stand for …?".
var standsForRE = regexp.MustCompile(`(?i)^\s*what\s+(?:does|did|do|is|was)\s+(?:the\s+)?(?:acronym\s+|abbreviation\s+|initialism\s+)?([\p{L}\p{N}&]+)\s+(?:acronym\s+|abbreviation\s+)?(?:stand|stands|short)\s+for\b`)

// askedAcronym returns the acronym question asks to be spelt out, or ""
// when it asks no such thing. An acronym has two to ten letters or digits,
// at least two of them capitals.
func askedAcronym(question string) string {
	m := standsForRE.FindStringSubmatch(question)
	if m == nil {
		return ""
	}
	a := m[1]
	caps := 0
	for _, r := range a {
		if unicode.IsUpper(r) {
			caps++
		}
	}
	if caps < 2 || utf8.RuneCountInString(a) > 10 {
		return ""
	}
	return a
}

// spelledOut is where a text spells an acronym out: the long form and the
// byte range of the whole mention (long form and acronym).
type spelledOut struct {
	long       string
	start, end int
}

// spellOut finds the first place text spells acronym out: a long form
// followed by the acronym in brackets ("Lunar Excursion Module (LEM)",
// "quantum electrodynamics (or QED)"), or the acronym followed by the long
// form in brackets ("ANSF [Afghan National Security Forces]"). The long
// form's words must give the acronym's letters in order, the first letter
// starting its first word, and must not hold the acronym itself (the
// matching of Schwartz and Hearst, 2003).
func spellOut(text, acronym string) (spelledOut, bool) {
	for i := 0; ; {
		k := strings.Index(text[i:], acronym)
		if k < 0 {
			return spelledOut{}, false
		}
		at := i + k
		end := at + len(acronym)
		i = end
		if !wordBoundary(text, at, end) {
			continue
		}
		// Long form first: "Long Form (ACR)", "(or ACR)", "[ACR]".
		if end < len(text) && (text[end] == ')' || text[end] == ']') {
			before := strings.TrimRight(text[:at], " ")
			if b, ok := strings.CutSuffix(before, "(or"); ok {
				before = b + "("
			}
			if strings.HasSuffix(before, "(") || strings.HasSuffix(before, "[") {
				cand := strings.TrimRight(before[:len(before)-1], " ,")
				off := max(0, len(cand)-2*maxLongForm)
				for off > 0 && !utf8.RuneStart(cand[off]) {
					off++
				}
				if from, ok := longFormBefore(cand[off:], acronym); ok && !strings.Contains(cand[off+from:], acronym) {
					return spelledOut{long: cand[off+from:], start: off + from, end: end + 1}, true
				}
			}
		}
		// Acronym first: "ACR (Long Form)", "ACR [Long Form]".
		rest := text[end:]
		if strings.HasPrefix(rest, " (") || strings.HasPrefix(rest, " [") {
			closer := ")"
			if rest[1] == '[' {
				closer = "]"
			}
			if c := strings.Index(rest[2:], closer); c > 0 && c < maxLongForm {
				inner := rest[2 : 2+c]
				if from, ok := longFormBefore(inner, acronym); ok && from == 0 {
					return spelledOut{long: inner, start: at, end: end + 2 + c + 1}, true
				}
			}
		}
	}
}

// maxLongForm bounds the bytes of a bracketed long form.
const maxLongForm = 120

// longFormBefore matches acronym's letters, last first, against the end
// of cand (case aside) and returns the byte offset where the long form
// starts: the beginning of the word holding the acronym's first letter.
// The long form has at most max(n+5, 2n) words for n letters, as in
// Schwartz and Hearst.
func longFormBefore(cand, acronym string) (int, bool) {
	var letters []rune
	for _, r := range acronym {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			letters = append(letters, unicode.ToLower(r))
		}
	}
	text := []rune(cand)
	alnum := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	s, l := len(letters)-1, len(text)-1
	for ; s >= 0; s-- {
		for l >= 0 && (unicode.ToLower(text[l]) != letters[s] || s == 0 && l > 0 && alnum(text[l-1])) {
			l--
		}
		if l < 0 {
			return 0, false
		}
		l--
	}
	from := len(string(text[:l+1]))
	words := len(strings.Fields(cand[from:]))
	// One word is a long form only when joined ("Command/Service").
	if len(letters) < 2 || words < 2 && !strings.ContainsAny(cand[from:], "/-") || words > max(len(letters)+5, 2*len(letters)) {
		return 0, false
	}
	return from, true
}

// answerAcronym answers a question that asks what acronym stands for (see
// askedAcronym) from the first article that spells it out, quoting that
// sentence (ok, with the passages of a search for the acronym and its
// long form); declines it when articles use the acronym and none spells
// it out (ok, not answerable, with a reason); and leaves it to the usual
// path otherwise (not ok): an acronym the corpus never uses, filters, a
// remote store (whose articles are not at hand), or a spelling-out no
// passage of the search covers.
func (e *Engine) answerAcronym(ctx context.Context, st Store, query Request, acronym string) (*prepared, bool, error) {
	ix, isIndex := st.(*Index)
	if !isIndex || !query.Filters.IsZero() {
		return nil, false, nil
	}
	var (
		art  *corpus.Article
		def  spelledOut
		used bool
	)
	arts := ix.Articles()
	for i := range arts {
		if d, ok := spellOut(arts[i].Text, acronym); ok {
			art, def = &arts[i], d
			break
		}
		used = used || containsWord(arts[i].Text, acronym)
	}
	if art == nil {
		if !used {
			return nil, false, nil
		}
		r, err := e.retrieve(ctx, st, Request{Question: acronym, K: query.K})
		if err != nil {
			return nil, false, err
		}
		return &prepared{r: r, declined: fmt.Sprintf("The articles use %q but none of them says what it stands for.", acronym)}, true, nil
	}
	r, err := e.retrieve(ctx, st, Request{Question: acronym + " " + def.long, K: query.K})
	if err != nil {
		return nil, false, err
	}
	for i, p := range r.Passages {
		if p.ArticleID != art.ID || def.start < p.Start || def.end > p.End {
			continue
		}
		c := sentenceAround(p, i, def.start)
		if c == nil {
			break
		}
		c.terms = uniq(e.analyzer.Terms(nil, c.text))
		text, cites := e.answerFrom(query.Question, []*sentenceCandidate{c}, r.Passages, r.article)
		return &prepared{r: r, answerable: true, probability: 1, text: text, cites: cites}, true, nil
	}
	return nil, false, nil
}

// sentenceAround returns the sentence of passage p (the i-th) that holds
// the article offset at, as a candidate, or nil.
func sentenceAround(p Passage, i, at int) *sentenceCandidate {
	ss := sentences(p.Text)
	for si, s := range ss {
		if p.Start+s.Start <= at && at < p.Start+s.End {
			return &sentenceCandidate{passage: i, start: p.Start + s.Start, end: p.Start + s.End,
				text: p.Text[s.Start:s.End], index: si, of: len(ss)}
		}
	}
	return nil
}

// containsWord reports whether text uses word as a whole word.
func containsWord(text, word string) bool {
	for i := 0; ; {
		k := strings.Index(text[i:], word)
		if k < 0 {
			return false
		}
		if wordBoundary(text, i+k, i+k+len(word)) {
			return true
		}
		i += k + len(word)
	}
}
