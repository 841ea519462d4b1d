package rag

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

// memStore is a RemoteStore in memory, for the engine's side of remote
// ingest; rag/weaviate tests the real one. Its search finds nothing.
type memStore struct {
	setup *Setup
	docs  map[string]Document
	puts  int // documents written
}

func (m *memStore) Search(context.Context, SearchQuery) (*SearchResult, error) {
	return &SearchResult{Terms: &lexicon{}}, nil
}
func (m *memStore) Location() string                       { return "memory" }
func (m *memStore) Setup(context.Context) (*Setup, error)  { return m.setup, nil }
func (m *memStore) Reset(_ context.Context, s Setup) error { m.setup, m.docs = &s, nil; return nil }
func (m *memStore) Delete(_ context.Context, ids []string) error {
	for _, id := range ids {
		delete(m.docs, id)
	}
	return nil
}
func (m *memStore) Hashes(context.Context) (map[string]string, error) {
	out := map[string]string{}
	for id, d := range m.docs {
		out[id] = d.Key
	}
	return out, nil
}
func (m *memStore) Put(_ context.Context, docs []Document) error {
	if m.docs == nil {
		m.docs = map[string]Document{}
	}
	for _, d := range docs {
		if len(d.Vectors) != len(d.Chunks) || len(d.Terms) != len(d.Chunks) {
			return fmt.Errorf("%s: %d chunks, %d vectors, %d term lists", d.Article.ID, len(d.Chunks), len(d.Vectors), len(d.Terms))
		}
		m.docs[d.Article.ID] = d
		m.puts++
	}
	return nil
}
func (m *memStore) Article(_ context.Context, id string) (corpus.Article, error) {
	d, ok := m.docs[id]
	if !ok {
		return corpus.Article{}, ErrNotFound
	}
	return d.Article, nil
}
func (m *memStore) Articles(context.Context) ([]corpus.Article, error) {
	var out []corpus.Article
	for _, d := range m.docs {
		out = append(out, d.Article)
	}
	slices.SortFunc(out, func(a, b corpus.Article) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
func (m *memStore) Catalog(context.Context) (Catalog, error) {
	var c Catalog
	for _, d := range m.docs {
		if !slices.Contains(c.Outlets, d.Article.Outlet) {
			c.Outlets = append(c.Outlets, d.Article.Outlet)
		}
		if d.Article.Published.After(c.Latest) {
			c.Latest = d.Article.Published
		}
	}
	slices.Sort(c.Outlets)
	return c, nil
}
func (m *memStore) Count(context.Context) (int, int, error) {
	n := 0
	for _, d := range m.docs {
		n += len(d.Chunks)
	}
	return len(m.docs), n, nil
}

func TestRemoteIngestIsIncremental(t *testing.T) {
	ctx := context.Background()
	m := &memStore{}
	e, err := Open(ctx, Config{Store: m, Embedder: testfake.NewEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	if e.Ready() {
		t.Fatal("ready on an empty store")
	}
	arts := testfake.Articles()
	ref := newTestEngine(t, Config{})
	tests := []struct {
		name                               string
		arts                               func() []corpus.Article
		added, updated, removed, unchanged int
		puts                               int
	}{
		{"first", func() []corpus.Article { return arts }, 3, 0, 0, 0, 3},
		{"again", func() []corpus.Article { return arts }, 0, 0, 0, 3, 3},
		{"one changed, one gone", func() []corpus.Article {
			a := arts[0]
			a.Text += " More strikes followed."
			a.Hash = testfake.Hash(a)
			return []corpus.Article{a, arts[2]}
		}, 0, 1, 1, 1, 4},
		{"new alternates", func() []corpus.Article {
			c := arts[2]
			c.Alternates = []corpus.Alternate{{ID: "wire", Outlet: "Wire"}}
			a := arts[0]
			a.Text += " More strikes followed."
			a.Hash = testfake.Hash(a)
			return []corpus.Article{a, c}
		}, 0, 1, 0, 1, 5},
	}
	for _, tt := range tests {
		st, err := e.Ingest(ctx, tt.arts(), IngestOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if st.Added != tt.added || st.Updated != tt.updated || st.Removed != tt.removed || st.Unchanged != tt.unchanged || m.puts != tt.puts {
			t.Errorf("%s: %+v and %d documents written; want added %d, updated %d, removed %d, unchanged %d, %d written",
				tt.name, st, m.puts, tt.added, tt.updated, tt.removed, tt.unchanged, tt.puts)
		}
	}
	if !e.Ready() {
		t.Error("not ready after an ingest")
	}
	// The chunks are the embedded index's.
	d := m.docs[arts[2].ID]
	var want []Chunk
	for _, c := range ref.Index().Chunks() {
		if c.ArticleID == arts[2].ID {
			want = append(want, c)
		}
	}
	if !slices.Equal(d.Chunks, want) {
		t.Errorf("chunks %+v, the embedded index has %+v", d.Chunks, want)
	}

	other := testfake.NewEmbedder()
	other.Model = "other"
	if _, err := Open(ctx, Config{Store: m, Embedder: other}); !errors.Is(err, ErrEmbedderMismatch) {
		t.Errorf("open with another embedder: %v, want ErrEmbedderMismatch", err)
	}
	e2, _ := Open(ctx, Config{Store: m, Embedder: other, Fresh: true})
	if _, err := e2.Ingest(ctx, arts, IngestOptions{}); !errors.Is(err, ErrEmbedderMismatch) {
		t.Errorf("ingest with another embedder: %v, want ErrEmbedderMismatch", err)
	}
	st, err := e2.Ingest(ctx, arts, IngestOptions{Rebuild: true})
	if err != nil || st.Added != 3 || m.setup.Fingerprint.Model != "other" {
		t.Errorf("rebuild with another embedder: %+v, %v, setup %+v", st, err, m.setup)
	}
}
