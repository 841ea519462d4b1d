package rag

import (
	"context"
	"fmt"
	"strings"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// Chunk is a span of an article's text that is indexed and retrieved as
// one unit. Its text is Article.Text[Start:End].
type Chunk struct {
	ID        string `json:"id"` // "<article id>#<n>"
	ArticleID string `json:"article_id"`
	Start     int    `json:"start"` // byte offsets in the article text
	End       int    `json:"end"`
	Words     int    `json:"words"`
}

// ChunkConfig configures the Chunker. Zero fields take the defaults.
type ChunkConfig struct {
	// MaxWords bounds a chunk's length in words. Default 100.
	MaxWords int `json:"max_words"`
	// MaxTokens bounds a chunk's length (with its article title, as it is
	// embedded) in the embedder's tokens. Default: two of the embedder's
	// windows when it is an embed.TokenCounter (the built-in model embeds
	// longer text as the mean of overlapping windows), else no token bound.
	// Two windows rather than one keep a paragraph of up to MaxWords words
	// together instead of cutting it into pieces whose first sentence has
	// lost its subject: on squad-dev that raised hybrid answer-recall@1 by
	// about 0.03 (mean chunk 63 → 81 words).
	MaxTokens int `json:"max_tokens"`
	// OverlapSentences is how many sentences a chunk repeats from the one
	// before it when a paragraph is split. Default 1; negative means none.
	OverlapSentences int `json:"overlap_sentences"`
	// MinWords: a chunk that reaches this many words ends at the next
	// paragraph break rather than spilling into the next paragraph.
	// Default MaxWords/2.
	MinWords int `json:"min_words"`
}

// chunkerVersion names the chunking algorithm; it changes whenever the same
// configuration would split text differently.
const chunkerVersion = "chunk-3"

// ContentVersion names the versions of the text analysis and the chunking
// an index's contents depend on. A cache of built indexes keyed on it is
// invalidated when either changes.
const ContentVersion = analyzerVersion + "/" + chunkerVersion

// defaultWindows is the default chunk length in embedder windows.
const defaultWindows = 2

// DefaultChunkConfig is the chunking newsrag uses unless told otherwise.
var DefaultChunkConfig = ChunkConfig{MaxWords: 100, OverlapSentences: 1}

func (c ChunkConfig) withDefaults(tc embed.TokenCounter) ChunkConfig {
	if c.MaxWords <= 0 {
		c.MaxWords = DefaultChunkConfig.MaxWords
	}
	if c.MaxTokens <= 0 && tc != nil {
		c.MaxTokens = defaultWindows * tc.MaxTokens()
	}
	if c.OverlapSentences == 0 {
		c.OverlapSentences = DefaultChunkConfig.OverlapSentences
	}
	if c.OverlapSentences < 0 {
		c.OverlapSentences = 0
	}
	if c.MinWords <= 0 {
		c.MinWords = c.MaxWords / 2
	}
	return c
}

// Chunker splits articles into sentence-aligned, overlapping chunks that
// never exceed MaxTokens of the embedder's own tokens (by default two of
// its windows, which the built-in model covers with overlapping windows:
// nothing is ever truncated).
type Chunker struct {
	cfg     ChunkConfig
	counter embed.TokenCounter // nil: no token bound
}

// NewChunker returns a Chunker. counter may be nil (then only MaxWords, and
// MaxTokens if set, bound chunks, with tokens estimated as words).
func NewChunker(cfg ChunkConfig, counter embed.TokenCounter) *Chunker {
	return &Chunker{cfg: cfg.withDefaults(counter), counter: counter}
}

// Config returns the effective configuration.
func (c *Chunker) Config() ChunkConfig { return c.cfg }

// embedText is what the embedder sees for a chunk: the title, then the text.
func embedText(title, text string) string {
	if title == "" {
		return text
	}
	return title + "\n" + text
}

// tokens counts the tokens of a chunk text as it will be embedded.
func (c *Chunker) tokens(title, text string) int {
	if c.counter == nil {
		return CountWords(embedText(title, text))
	}
	return c.counter.CountTokens(embedText(title, text))
}

// fits reports whether a chunk of text stays within both limits.
func (c *Chunker) fits(title, text string, words int) bool {
	if words > c.cfg.MaxWords {
		return false
	}
	return c.cfg.MaxTokens <= 0 || c.tokens(title, text) <= c.cfg.MaxTokens
}

// unit is a sentence (or a piece of an over-long one) with its word count
// and whether a paragraph break follows it.
type unit struct {
	span
	words    int
	paraEnds bool
}

// Chunk splits a into chunks. Every chunk fits the limits; a sentence too
// long for one chunk is split at word boundaries. The one exception is a
// single "word" (say, a long URL) that alone is over the token limit: it
// becomes a chunk of its own, which the built-in embedder covers in
// overlapping windows rather than truncating.
//
// Chunk stops with ctx's error once ctx is done, so that a huge article
// does not hold up a cancelled ingest.
func (c *Chunker) Chunk(ctx context.Context, a corpus.Article) ([]Chunk, error) {
	a.Title = c.title(a)
	units, err := c.units(ctx, a)
	if err != nil {
		return nil, err
	}
	var chunks []Chunk
	for i := 0; i < len(units); {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		j := i // chunk is units[i..j]
		words := units[i].words
		for j+1 < len(units) {
			if units[j].paraEnds && words >= c.cfg.MinWords {
				break
			}
			nw := words + units[j+1].words
			if !c.fits(a.Title, a.Text[units[i].Start:units[j+1].End], nw) {
				break
			}
			j++
			words = nw
		}
		chunks = append(chunks, Chunk{
			ID:        fmt.Sprintf("%s#%d", a.ID, len(chunks)),
			ArticleID: a.ID,
			Start:     units[i].Start,
			End:       units[j].End,
			Words:     words,
		})
		next := j + 1
		// Overlap: repeat the last sentences when the chunk ended inside a
		// paragraph, if they fit with the sentence that follows.
		if next < len(units) && !units[j].paraEnds {
			for o := min(c.cfg.OverlapSentences, j-i); o > 0; o-- {
				s := next - o
				w := 0
				for _, u := range units[s : next+1] {
					w += u.words
				}
				if c.fits(a.Title, a.Text[units[s].Start:units[next].End], w) {
					next = s
					break
				}
			}
		}
		i = next
	}
	return chunks, nil
}

// title returns the title as it is embedded with each chunk: the article
// title, unless it would take more than a quarter of the token budget.
func (c *Chunker) title(a corpus.Article) string {
	if c.cfg.MaxTokens > 0 && c.tokens("", a.Title) > c.cfg.MaxTokens/4 {
		return ""
	}
	return a.Title
}

// EmbedText returns the text the embedder sees for ch, a chunk of a: the
// article title (when short enough) on the first line, then the chunk text.
func (c *Chunker) EmbedText(a corpus.Article, ch Chunk) string {
	return embedText(c.title(a), a.Text[ch.Start:ch.End])
}

// units splits the article into sentences, cutting over-long ones into
// pieces that fit.
func (c *Chunker) units(ctx context.Context, a corpus.Article) ([]unit, error) {
	sents := sentencesUntil(a.Text, func() bool { return ctx.Err() != nil })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	units := make([]unit, 0, len(sents))
	for k, s := range sents {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		paraEnds := k == len(sents)-1 || strings.Contains(a.Text[s.End:sents[k+1].Start], "\n\n")
		w := CountWords(a.Text[s.Start:s.End])
		if c.fits(a.Title, a.Text[s.Start:s.End], w) {
			units = append(units, unit{s, w, paraEnds})
			continue
		}
		pieces := c.splitLong(a, s)
		for p, ps := range pieces {
			units = append(units, unit{ps, CountWords(a.Text[ps.Start:ps.End]), paraEnds && p == len(pieces)-1})
		}
	}
	return units, nil
}

// splitLong cuts an over-long sentence at word boundaries into the fewest
// greedy pieces that fit.
func (c *Chunker) splitLong(a corpus.Article, s span) []span {
	var words []span
	forEachWord(a.Text[s.Start:s.End], func(_ string, ws, we int) {
		words = append(words, span{s.Start + ws, s.Start + we})
	})
	if len(words) == 0 {
		return []span{s}
	}
	var out []span
	start := s.Start
	for i := 0; i < len(words); {
		j := i
		for j+1 < len(words) && c.fits(a.Title, a.Text[start:words[j+1].End], j+1-i+1) {
			j++
		}
		end := words[j].End
		if j+1 == len(words) {
			end = s.End // keep trailing punctuation
		}
		out = append(out, span{start, end})
		if j+1 < len(words) {
			start = words[j+1].Start
		}
		i = j + 1
	}
	return out
}
