package rag

import (
	"context"
	"strings"
)

// standalone returns the query to retrieve with: the question itself, or,
// for a follow-up in a conversation, a standalone version of it.
//
// With an LLM configured, the model rewrites the follow-up (falling back to
// the rule below if that call fails). Without one, a documented rule
// applies: a question that looks like a follow-up — it starts with "and",
// "what about", "how about", "what of", "also" or "then"; or it refers back
// with a pronoun such as "it", "they", "he", "she", "this" or "that"; or it
// has fewer than three content words — is prefixed with the previous user
// question, so "and what about Germany?" after "Which countries joined the
// coalition?" retrieves with both.
func (e *Engine) standalone(ctx context.Context, req Request) string {
	q := strings.TrimSpace(req.Question)
	last := lastUserTurn(req.History)
	if last == "" {
		return q
	}
	if e.cfg.LLM != nil {
		out, err := e.cfg.LLM.Stream(ctx, condensePrompt(q, req.History), nil)
		out = strings.TrimSpace(out)
		if err == nil && out != "" && len(out) < 4*MaxQuestionRunes {
			return out
		}
		e.cfg.Logger.Warn("condensing the follow-up failed; using the rule", "err", err)
	}
	if isFollowUp(e.analyzer, q) {
		return last + " " + q
	}
	return q
}

func lastUserTurn(h []Turn) string {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Role == "user" && strings.TrimSpace(h[i].Content) != "" {
			return strings.TrimSpace(h[i].Content)
		}
	}
	return ""
}

var followUpStarts = []string{"and ", "what about", "how about", "what of", "also ", "then ", "but "}

var backReferences = map[string]bool{
	"it": true, "its": true, "they": true, "them": true, "their": true, "theirs": true,
	"he": true, "him": true, "his": true, "she": true, "her": true, "hers": true,
	"this": true, "that": true, "these": true, "those": true, "there": true, "then": true,
}

// isFollowUp applies the rule documented on standalone.
func isFollowUp(a *Analyzer, q string) bool {
	lq := strings.ToLower(q)
	for _, p := range followUpStarts {
		if strings.HasPrefix(lq, p) {
			return true
		}
	}
	refers := false
	forEachWord(lq, func(w string, _, _ int) {
		if backReferences[w] {
			refers = true
		}
	})
	return refers || len(a.Terms(nil, q)) < 3
}
