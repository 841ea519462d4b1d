package web

import (
	"strconv"
	"strings"

	"github.com/newsrag/newsrag/rag"
)

// sourcesHeading starts the list of sources appended to answers given as
// plain text (chat completions, MCP). Text after it in an earlier assistant
// message is not passed on as history.
const sourcesHeading = "\n\nSources:\n"

// unsureNote follows an unsure answer given as plain text, before its
// sources; like them, it is not passed on as history.
const unsureNote = "\n\n(Not sure: these passages may not answer the question.)"

// answerTail is what follows an answer given as plain text: the unsure
// note when it applies, then the sources.
func answerTail(ans *rag.Answer) string {
	if ans.Unsure && ans.Answerable {
		return unsureNote + sourcesText(ans.Citations)
	}
	return sourcesText(ans.Citations)
}

// sourcesText renders the articles cs cites as a Markdown list after
// sourcesHeading, one line per article with its markers, title, outlet,
// date and URL where known:
//
//   - [1][3] Taliban enter Kabul — BBC, 2021-08-15 — https://…
//
// It returns "" when nothing is cited.
func sourcesText(cs []rag.Citation) string {
	if len(cs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(sourcesHeading)
	for _, src := range rag.Sources(cs) {
		b.WriteString("- ")
		for _, n := range src.Markers {
			b.WriteString("[" + strconv.Itoa(n) + "]")
		}
		b.WriteString(" " + src.Title)
		var meta []string
		for _, m := range []string{src.Outlet, src.Published} {
			if m != "" {
				meta = append(meta, m)
			}
		}
		if len(meta) > 0 {
			b.WriteString(" — " + strings.Join(meta, ", "))
		}
		if src.URL != "" {
			b.WriteString(" — " + src.URL)
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
