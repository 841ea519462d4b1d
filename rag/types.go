package rag

import (
	"time"

	"github.com/newsrag/newsrag/corpus"
)

// Mode says how an answer's text was produced.
type Mode string

// Answer modes.
const (
	// ModeGenerated: an LLM wrote the answer from the retrieved passages.
	ModeGenerated Mode = "generated"
	// ModeExtracted: the answer is sentences copied from the passages.
	ModeExtracted Mode = "extracted"
)

// Filters restrict retrieval to some articles. Zero values mean no filter.
type Filters struct {
	// Outlet matches an article's outlet, case-insensitively.
	Outlet string `json:"outlet,omitempty"`
	// Outlets, when not empty, matches an article of any of these outlets
	// (as Outlet does), besides Outlet: multi-part retrieval searches each
	// part of a question within the outlets it names (see Decompose).
	Outlets []string `json:"outlets,omitempty"`
	// From and To bound the published date, inclusive.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
}

// Turn is one message of an earlier conversation.
type Turn struct {
	Role    string `json:"role"` // "user" or "assistant"
	Content string `json:"content"`
}

// Request is a question to answer or search for.
type Request struct {
	Question string  `json:"question"`
	K        int     `json:"k,omitempty"` // passages to retrieve; 0 means RetrievalConfig.K
	Filters  Filters `json:"filters,omitzero"`
	History  []Turn  `json:"history,omitempty"`
}

// Passage is a chunk retrieved for a question, with its article's metadata
// and its character offsets in the article text.
type Passage struct {
	N         int       `json:"n"` // 1-based number, as cited in answers
	ChunkID   string    `json:"chunk_id"`
	ArticleID string    `json:"article_id"`
	Title     string    `json:"title"`
	Outlet    string    `json:"outlet,omitempty"`
	Published time.Time `json:"published,omitzero"`
	URL       string    `json:"url,omitempty"`
	Text      string    `json:"text"`
	Start     int       `json:"start"` // byte offset in the article text
	End       int       `json:"end"`
	Score     float64   `json:"score"`
	Lexical   float64   `json:"lexical"` // normalised BM25 score in [0,1]
	Dense     float64   `json:"dense"`   // cosine similarity
	// AlsoPublished lists other copies of the article's story (syndicated
	// or updated versions under other URLs or outlets).
	AlsoPublished []corpus.Alternate `json:"also_published,omitempty"`
}

// Citation is an article cited by an answer, with the quoted passage.
type Citation struct {
	N         int       `json:"n"` // the marker number [n] in the answer
	ArticleID string    `json:"article_id"`
	Title     string    `json:"title"`
	Outlet    string    `json:"outlet,omitempty"`
	Published time.Time `json:"published,omitzero"`
	URL       string    `json:"url,omitempty"`
	Quote     string    `json:"quote"`
	Start     int       `json:"start"`
	End       int       `json:"end"`
	// AlsoPublished lists other copies of the article's story.
	AlsoPublished []corpus.Alternate `json:"also_published,omitempty"`
}

// Timings records where the time of one request went.
type Timings struct {
	Retrieve time.Duration `json:"retrieve_ns"`
	Generate time.Duration `json:"generate_ns"`
	Total    time.Duration `json:"total_ns"`
}

// Found is what Engine.Search returns.
type Found struct {
	Passages []Passage // best first
	// Corrections are the query's misspelt words that were corrected
	// before searching (see Answer.Corrections).
	Corrections []Correction
}

// Answer is the result of asking a question.
type Answer struct {
	Question   string `json:"question"`
	Answer     string `json:"answer"`
	Answerable bool   `json:"answerable"`
	// Answerability is the estimated probability that the retrieved
	// passages answer the question; below the threshold the answer is
	// "not in the corpus". It is 1 for a question asking what an acronym
	// stands for that an article spells out, and 0 when the articles use
	// the acronym without spelling it out (see answerAcronym).
	Answerability float64 `json:"answerability"`
	// Unsure marks an answer whose answerability is above the threshold
	// but below RelevanceConfig.Sure: the passages may not answer the
	// question, and the answer says what was found, not that it is so.
	Unsure bool `json:"unsure"`
	Mode   Mode `json:"mode"`
	// Grounded is false for a generated answer that cites no source: it
	// was not checked against the articles.
	Grounded bool `json:"grounded"`
	// Complete is false when the model's reply broke off after text had
	// reached the user (the stream ended early or timed out); Problem says
	// why.
	Complete bool   `json:"complete"`
	Problem  string `json:"problem,omitempty"`
	// Citations lists each cited passage once, in marker order.
	Citations []Citation `json:"citations"`
	// Passages are all passages given to the answerer, numbered from 1.
	Passages []Passage `json:"passages"`
	// InvalidCitations are markers the model wrote that named no passage;
	// they were removed from Answer.
	InvalidCitations []int `json:"invalid_citations,omitempty"`
	// Corrections are the question's misspelt words that were corrected
	// before retrieval (see spelling.go).
	Corrections []Correction `json:"corrections,omitempty"`
	Model       string       `json:"model"`
	Timings     Timings      `json:"timings"`
}

// Stream receives an answer as it is produced. Either field may be nil.
type Stream struct {
	// Sources is called once, with the retrieved passages, before any token.
	Sources func([]Passage)
	// Token is called with each piece of answer text as it arrives.
	Token func(string)
}

// Stats describes the loaded index and the answering setup.
type Stats struct {
	Articles int       `json:"articles"`
	Chunks   int       `json:"chunks"`
	Embedder string    `json:"embedder"`
	LLM      string    `json:"llm"` // "extractive" when no LLM is configured
	BuiltAt  time.Time `json:"built_at,omitzero"`
	// IndexBytes is the size of the persisted index file.
	IndexBytes int64 `json:"index_bytes"`
}
