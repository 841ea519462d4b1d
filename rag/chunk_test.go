package rag

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

// wordCounter counts whitespace-separated words as tokens.
type wordCounter struct{ max int }

func (w wordCounter) CountTokens(s string) int { return len(strings.Fields(s)) }
func (w wordCounter) MaxTokens() int           { return w.max }

func TestChunkerLimitsAndOffsets(t *testing.T) {
	long := strings.Repeat("word ", 70) + "end."
	text := "First sentence here. Second sentence follows.\n\n" +
		"A new paragraph starts. It has three sentences. The third one ends it.\n\n" +
		long + "\n\nShort tail."
	a := corpus.Article{ID: "a", Title: "Two Words", Text: text}
	tests := []struct {
		name string
		cfg  ChunkConfig
		max  int
	}{
		{"tight tokens", ChunkConfig{MaxWords: 100}, 12},
		{"one window", ChunkConfig{MaxWords: 100, MaxTokens: 12}, 12},
		{"tight words", ChunkConfig{MaxWords: 8}, 1000},
		{"roomy", ChunkConfig{}, 128},
		{"no overlap", ChunkConfig{MaxWords: 10, OverlapSentences: -1}, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChunker(tt.cfg, wordCounter{tt.max})
			// By default a chunk may span two of the embedder's windows.
			limit := tt.cfg.MaxTokens
			if limit == 0 {
				limit = defaultWindows * tt.max
			}
			if c.Config().MaxTokens != limit {
				t.Fatalf("token limit %d, want %d", c.Config().MaxTokens, limit)
			}
			chunks := mustChunk(t, c, a)
			if len(chunks) == 0 {
				t.Fatal("no chunks")
			}
			covered := make([]bool, len(text))
			for i, ch := range chunks {
				if ch.ID != "a#"+strconv.Itoa(i) || ch.ArticleID != "a" {
					t.Errorf("chunk %d has id %q", i, ch.ID)
				}
				if ch.Start < 0 || ch.End > len(text) || ch.Start >= ch.End {
					t.Fatalf("chunk %d offsets %d:%d", i, ch.Start, ch.End)
				}
				body := text[ch.Start:ch.End]
				if strings.TrimSpace(body) != body {
					t.Errorf("chunk %d has surrounding space: %q", i, body)
				}
				if got := len(strings.Fields(c.EmbedText(a, ch))); got > limit {
					t.Errorf("chunk %d is %d tokens with its title, limit %d: %q", i, got, limit, body)
				}
				if ch.Words > c.Config().MaxWords {
					t.Errorf("chunk %d is %d words, limit %d", i, ch.Words, c.Config().MaxWords)
				}
				if ch.Words != CountWords(body) {
					t.Errorf("chunk %d Words = %d, counted %d", i, ch.Words, CountWords(body))
				}
				for k := ch.Start; k < ch.End; k++ {
					covered[k] = true
				}
			}
			// Every word of the article is in some chunk.
			forEachWord(text, func(w string, s, e int) {
				if !covered[s] {
					t.Errorf("word %q at %d is in no chunk", w, s)
				}
			})
		})
	}
}

func TestChunkerOverlap(t *testing.T) {
	text := "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen sixteen."
	a := corpus.Article{ID: "x", Text: text}
	chunks := mustChunk(t, NewChunker(ChunkConfig{MaxWords: 8, OverlapSentences: 1}, nil), a)
	if len(chunks) < 2 {
		t.Fatalf("got %d chunks", len(chunks))
	}
	for i := 1; i < len(chunks); i++ {
		if chunks[i].Start >= chunks[i-1].End {
			t.Errorf("chunk %d does not overlap chunk %d", i, i-1)
		}
	}
	last := chunks[len(chunks)-1]
	if text[last.End-1] != '.' || last.End != len(text) {
		t.Errorf("last chunk does not end the text: %q", text[last.Start:last.End])
	}
}

func TestChunkerParagraphBoundary(t *testing.T) {
	p1 := strings.Repeat("alpha beta gamma delta. ", 15) // 60 words
	text := p1 + "\n\nSecond paragraph on another topic."
	chunks := mustChunk(t, NewChunker(ChunkConfig{MaxWords: 100}, nil), corpus.Article{ID: "p", Text: text})
	last := chunks[len(chunks)-1]
	if got := text[last.Start:last.End]; got != "Second paragraph on another topic." {
		t.Errorf("a full paragraph spilled into the next: last chunk %q", got)
	}
}

// mustChunk chunks a, failing the test on an error.
func mustChunk(t *testing.T, c *Chunker, a corpus.Article) []Chunk {
	t.Helper()
	chunks, err := c.Chunk(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return chunks
}

// TestChunkStopsOnCancel: chunking a huge article ends promptly once its
// context is cancelled.
func TestChunkStopsOnCancel(t *testing.T) {
	a := corpus.Article{ID: "huge", Text: strings.Repeat("The quick brown fox jumps over the lazy dog. ", 400_000)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := NewChunker(ChunkConfig{}, testfake.NewEmbedder()).Chunk(ctx, a)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("chunking stopped %s after its context was done", took)
	}
}
