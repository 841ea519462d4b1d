package rag

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// standalone returns the query to retrieve with: the question itself, or,
// for a follow-up in a conversation, a standalone version of it.
//
// With an LLM configured, the model rewrites the follow-up (falling back to
// the rules below if that call fails). Without one, documented rules apply:
//
//   - "and what about X?", "what about X?", "how about X?", "and X?" ask
//     the previous question about X. When X names a subject of its own (two
//     or more content words), the query is X with the previous question's
//     opening ("What do", "Who is"…), so "and what about the coalition of
//     the willing?" after a question about drones retrieves the coalition,
//     not the drones again. A one-word X takes the place of the previous
//     question's subject, its first name ("and what about the Taliban?"
//     after "What did Trump say about European leaders?" asks "What did
//     the Taliban say?"); when the previous question names no one, X is
//     added to it ("and Germany?");
//   - a short question about a reaction ("How did Zelenskyy respond?",
//     "What did Trump reply?": react, respond, reply, answer, retort, with
//     fewer than four content words) is about the previous turn's event and
//     is prefixed with the previous question;
//   - a question that refers back ("who said that?", "when did they
//     start?": a pronoun such as it, they, he, she, this, that) or is too
//     short to name a subject (fewer than two content words: "why?") is
//     prefixed with the previous question;
//   - any other question names its own subject and is answered on its own
//     ("What is the capital of Peru?" after a follow-up is a new topic).
//
// The request's length limit applies to what the user typed; the
// previous question is shortened so that the query stays within it.
func (e *Engine) standalone(ctx context.Context, req Request) string {
	q := strings.TrimSpace(req.Question)
	last := lastUserTurn(req.History)
	if last == "" {
		return q
	}
	if e.cfg.LLM != nil {
		out, err := e.cfg.LLM.Stream(ctx, condensePrompt(q, req.History), nil)
		out = strings.TrimSpace(out)
		if err == nil && out != "" && utf8.RuneCountInString(out) <= MaxQuestionRunes {
			return out
		}
		e.cfg.Logger.Warn("condensing the follow-up failed; using the rules", "err", err)
	}
	switch {
	case aboutRE.MatchString(q):
		subject := aboutRE.ReplaceAllString(q, "")
		if len(e.analyzer.Terms(nil, subject)) >= 2 {
			head := opening(last)
			return clip(head, MaxQuestionRunes-utf8.RuneCountInString(subject)-1) + " " + subject
		}
		if about, ok := aboutName(last, subject); ok {
			return about
		}
		return clip(last, MaxQuestionRunes-utf8.RuneCountInString(subject)-1) + " " + subject
	case refersBack(e.analyzer, q) || asksReaction(e.analyzer, q):
		return clip(last, MaxQuestionRunes-utf8.RuneCountInString(q)-1) + " " + q
	}
	return q
}

// reactionRE matches the verbs of a question about a reaction.
var reactionRE = regexp.MustCompile(`(?i)\b(?:react(?:s|ed|ing)?|respond(?:s|ed|ing)?|repl(?:y|ies|ied|ying)|answer(?:s|ed|ing)?|retort(?:s|ed|ing)?)\b`)

// asksReaction reports whether q is a short question about a reaction,
// which is to the previous turn's event ("How did Zelenskyy respond?").
func asksReaction(a *Analyzer, q string) bool {
	return reactionRE.MatchString(q) && len(a.Terms(nil, q)) < 4
}

// aboutName asks the previous question last about subject instead of its
// first name: the question up to that name, subject, and the word after
// the name (its verb): "What did Trump say about European leaders?" and
// "the Taliban?" give "What did the Taliban say?". ok is false when last
// names no one after its first word, or the result would be too long.
func aboutName(last, subject string) (string, bool) {
	subject = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(subject), "?.!"))
	type word struct {
		w          string
		start, end int
	}
	var words []word
	forEachWord(last, func(w string, start, end int) { words = append(words, word{w, start, end}) })
	first := -1
	for i := 1; i < len(words); i++ {
		if startsUpper(words[i].w) {
			first = i
			break
		}
	}
	if first < 0 || subject == "" {
		return "", false
	}
	end := first
	for end+1 < len(words) && startsUpper(words[end+1].w) {
		end++
	}
	out := strings.TrimSpace(last[:words[first].start]) + " " + subject
	if end+1 < len(words) {
		out += " " + words[end+1].w
	}
	out += "?"
	if utf8.RuneCountInString(out) > MaxQuestionRunes {
		return "", false
	}
	return out, true
}

func startsUpper(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// aboutRE matches the opening of "and what about X?"-style follow-ups.
var aboutRE = regexp.MustCompile(`(?i)^\s*(?:and|but|also|then)?\s*(?:what|how)\s+(?:about|of)\s+|^\s*and\s+`)

// openingRE matches a question's opening: its question word and the
// auxiliary after it.
var openingRE = regexp.MustCompile(`(?i)^\s*(?:what|who|whom|whose|which|when|where|why|how(?:\s+(?:many|much|long|far|old))?)(?:\s+(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could))?\b`)

// opening returns q's opening ("What do"), or "" when it has none.
func opening(q string) string { return strings.TrimSpace(openingRE.FindString(q)) }

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func lastUserTurn(h []Turn) string {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Role == "user" && strings.TrimSpace(h[i].Content) != "" {
			return strings.TrimSpace(h[i].Content)
		}
	}
	return ""
}

// backReferences are pronouns that refer to an earlier turn: always
// (true), or only in a short question (false), since "that" and "there"
// also join clauses ("the party that won").
var backReferences = map[string]bool{
	"it": true, "its": true, "they": true, "them": true, "their": true, "theirs": true,
	"he": true, "him": true, "his": true, "she": true, "her": true, "hers": true,
	"this": false, "that": false, "these": false, "those": false, "there": false, "then": false,
}

// refersBack reports whether q leans on the previous turn: it uses a
// back-referring pronoun, or has fewer than two content words.
func refersBack(a *Analyzer, q string) bool {
	n := len(a.Terms(nil, q))
	refers := false
	forEachWord(strings.ToLower(q), func(w string, _, _ int) {
		if always, ok := backReferences[w]; ok && (always || n < 3) {
			refers = true
		}
	})
	return refers || n < 2
}
