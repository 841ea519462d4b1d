package rag

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Answers across sources. A question comparing or combining reports of
// several outlets ("Does The Verge … while TechCrunch …?") is answered, by
// the extractive answerer, with one attributed sentence per part of the
// question, attributed as the extractive answerer does (see Attribution):
// "(The Verge, 2 October 2023) … [1]; (TechCrunch, 3 October 2023) … [2]."
// For an LLM, the prompt asks for the same and, for a yes/no question, for
// "Yes" or "No" first (see answerHints).

// yesNoRE matches a question answered by yes or no: it opens with an
// auxiliary verb, or with a phrase and then a clause opening with one
// ("Between the two reports, was there …?").
var yesNoRE = regexp.MustCompile(`(?i)(?:^\s*|,\s*)(?:does|did|do|is|was|are|were|has|have|had|can|could|would|will|should)\b`)

// whRE matches a question asking for a thing: it opens with a wh-word.
var whRE = regexp.MustCompile(`(?i)^\s*(?:who|whom|whose|what|which|when|where|why|how)\b`)

// comparisonRE matches the cues of a question comparing reports.
var comparisonRE = regexp.MustCompile(`(?i)\b(?:while|whereas|compared?|comparison|both|same|consisten(?:t|cy)|inconsisten(?:t|cy)|differ(?:s|ent|ence)?|similar|than|agree|contrast|change[ds]?|before|after)\b`)

// isYesNo reports whether question asks for a yes or a no.
func isYesNo(question string) bool {
	return !whRE.MatchString(question) && yesNoRE.MatchString(question)
}

// isComparison reports whether question compares reports.
func isComparison(question string) bool { return comparisonRE.MatchString(question) }

// answerHints is what the prompt adds for questions that compare sources
// or ask for a yes or a no; empty for other questions.
func answerHints(question string) string {
	var hints []string
	if isYesNo(question) {
		hints = append(hints, `This question asks for a yes or a no: begin the answer with "Yes" or "No", then explain.`)
	}
	if isComparison(question) {
		hints = append(hints, `This question compares reports: give one sentence per source, attributed to its outlet and date, like "The Verge reported on 2 October 2023 that … [1]; TechCrunch reported on 3 October 2023 that … [2]".`)
	}
	return strings.Join(hints, "\n")
}

// compareExtract answers a question that names two or more parts (outlets
// or dates, see Decompose) and compares them, with the best sentence of a
// passage of each part, attributed to its outlet and date. It returns ""
// when the question is not such a comparison or the passages cannot give
// a sentence for two parts; the caller then extracts as usual.
// ts gives the statistics of the question's terms, and s the outlets and
// dates the question may name (see Catalog).
func (e *Engine) compareExtract(ctx context.Context, s Store, ts TermStats, question string, passages []Passage) (string, []Citation) {
	if !isComparison(question) && !isYesNo(question) {
		return "", nil
	}
	c, ok := s.(Cataloger)
	if !ok || ts == nil {
		return "", nil
	}
	cat, err := c.Catalog(ctx)
	if err != nil {
		e.cfg.Logger.Warn("comparison answer: the store does not describe its corpus", "err", err)
		return "", nil
	}
	parts := Decompose(question, cat.Outlets, cat.Latest)
	if len(parts) < 2 {
		return "", nil
	}
	used := map[string]bool{} // articles already quoted
	var out []string
	var cites []Citation
	for _, part := range parts {
		best, ok := e.partSentence(ts, part, passages, used)
		if !ok {
			continue
		}
		p := passages[best.passage]
		used[p.ArticleID] = true
		out = append(out, "("+Attribution(p.Outlet, p.Published)+") "+strings.Join(strings.Fields(best.text), " ")+" ["+strconv.Itoa(p.N)+"]")
		cites = append(cites, Citation{
			N: p.N, ArticleID: p.ArticleID, Title: p.Title, Outlet: p.Outlet, Published: p.Published,
			URL: p.URL, Quote: p.Text[best.start-p.Start : best.end-p.Start], Start: best.start, End: best.end,
		})
	}
	if len(out) < 2 {
		return "", nil
	}
	slices.SortStableFunc(cites, func(a, b Citation) int { return a.N - b.N })
	cites = slices.CompactFunc(cites, func(a, b Citation) bool { return a.N == b.N })
	return strings.Join(out, "; "), cites
}

// partSentence picks, among the passages of part's outlets and dates whose
// article is not yet quoted, the statement holding the largest share of the
// part's term weight (IDF), preferring better-ranked passages slightly.
func (e *Engine) partSentence(ts TermStats, part QueryPart, passages []Passage, used map[string]bool) (sentenceCandidate, bool) {
	qw := newQueryWeights(e.analyzer.Terms(nil, part.Text), ts)
	if qw.total == 0 {
		return sentenceCandidate{}, false
	}
	idf := make(map[string]float64, len(qw.pos))
	for t, i := range qw.pos {
		idf[t] = qw.w[i]
	}
	var best sentenceCandidate
	found := false
	for pi, p := range passages {
		if used[p.ArticleID] || !part.admits(p.Outlet, p.Published, true) {
			continue
		}
		for _, s := range sentences(p.Text) {
			text := p.Text[s.Start:s.End]
			if !isStatement(text) {
				continue
			}
			var got float64
			for _, t := range uniq(e.analyzer.Terms(nil, text)) {
				got += idf[t]
			}
			score := got/qw.total + 0.05*p.Score
			if !found || score > best.score {
				best = sentenceCandidate{passage: pi, start: p.Start + s.Start, end: p.Start + s.End, text: text, score: score}
				found = true
			}
		}
	}
	return best, found && best.score > 0
}
