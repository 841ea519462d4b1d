package rag

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/newsrag/newsrag/internal/testfake"
)

func TestIngestIncremental(t *testing.T) {
	emb := testfake.NewEmbedder()
	e := newTestEngine(t, Config{Embedder: emb})
	first := emb.Calls.Load()
	if first == 0 {
		t.Fatal("nothing embedded")
	}
	ctx := context.Background()

	// Same articles: nothing re-embedded.
	st, err := e.Ingest(ctx, testfake.Articles(), IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Embedded != 0 || st.Unchanged != 3 || emb.Calls.Load() != first {
		t.Errorf("unchanged re-ingest: %+v, embedder calls %d → %d", st, first, emb.Calls.Load())
	}

	// One changed, one removed, one added.
	arts := testfake.Articles()
	arts[0].Text += "\n\nA new paragraph about drone factories."
	arts[0].Hash = testfake.Hash(arts[0])
	arts = append(arts[:1], arts[2:]...) // drop "kabul"
	added := arts[0]
	added.ID, added.Title = "factories", "Drone factories"
	arts = append(arts, added)
	st, err = e.Ingest(ctx, arts, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Updated != 1 || st.Removed != 1 || st.Added != 1 || st.Unchanged != 1 {
		t.Errorf("stats = %+v, want 1 updated, 1 removed, 1 added, 1 unchanged", st)
	}
	if _, err := e.Article("kabul"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed article still there: %v", err)
	}
	found, err := e.Search(ctx, Request{Question: "drone factories paragraph"})
	if err != nil {
		t.Fatal(err)
	}
	ps := found.Passages
	if len(ps) == 0 || ps[0].ArticleID == "kabul" {
		t.Errorf("search after re-ingest: %+v", ps)
	}
	for _, p := range ps {
		if p.ArticleID == "kabul" {
			t.Errorf("removed article retrieved: %+v", p)
		}
	}

	// Reopen from disk: same articles.
	e2, err := Open(ctx, Config{DataDir: e.cfg.DataDir, Embedder: emb})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(e2.Articles()); got != 3 {
		t.Errorf("reopened index has %d articles, want 3", got)
	}
}

func TestOpenRefusesOtherEmbedder(t *testing.T) {
	e := newTestEngine(t, Config{})
	other := testfake.NewEmbedder()
	other.Model = "other"
	_, err := Open(context.Background(), Config{DataDir: e.cfg.DataDir, Embedder: other})
	if !errors.Is(err, ErrEmbedderMismatch) {
		t.Fatalf("Open with another embedder: %v, want ErrEmbedderMismatch", err)
	}
	// A rebuild with the new embedder is allowed.
	e2, err := Open(context.Background(), Config{DataDir: t.TempDir(), Embedder: other})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e2.Ingest(context.Background(), testfake.Articles(), IngestOptions{Rebuild: true}); err != nil {
		t.Fatal(err)
	}
}

func TestIngestFailureKeepsOldIndex(t *testing.T) {
	emb := testfake.NewEmbedder()
	e := newTestEngine(t, Config{Embedder: emb})
	before, err := os.ReadFile(e.IndexPath())
	if err != nil {
		t.Fatal(err)
	}
	arts := testfake.Articles()
	arts[1].Text += " Changed."
	arts[1].Hash = testfake.Hash(arts[1])
	emb.FailNext.Store(true)
	if _, err := e.Ingest(context.Background(), arts, IngestOptions{}); err == nil {
		t.Fatal("ingest with a failing embedder succeeded")
	}
	after, _ := os.ReadFile(e.IndexPath())
	if string(before) != string(after) {
		t.Error("failed ingest changed the index file")
	}
	if !e.Ready() || len(e.Articles()) != 3 {
		t.Error("failed ingest changed the served index")
	}
	left, _ := filepath.Glob(filepath.Join(e.cfg.DataDir, ".index-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestLoadRejectsDamagedFiles(t *testing.T) {
	e := newTestEngine(t, Config{})
	good, err := os.ReadFile(e.IndexPath())
	if err != nil {
		t.Fatal(err)
	}
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 0x40
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated half", good[:len(good)/2]},
		{"truncated end", good[:len(good)-1]},
		{"bit flip", flip},
		{"not an index", []byte("hello, world, this is not an index file at all")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), IndexFileName)
			if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(context.Background(), p); !errors.Is(err, ErrIndexCorrupt) {
				t.Fatalf("Load = %v, want ErrIndexCorrupt", err)
			}
			_, err := Open(context.Background(), Config{DataDir: filepath.Dir(p), Embedder: testfake.NewEmbedder()})
			if !errors.Is(err, ErrIndexCorrupt) {
				t.Fatalf("Open = %v, want ErrIndexCorrupt", err)
			}
		})
	}
}

// TestSaveInterrupted simulates a crash halfway through writing: a partial
// temporary file next to the index must not affect loading it.
func TestSaveInterrupted(t *testing.T) {
	e := newTestEngine(t, Config{})
	good, _ := os.ReadFile(e.IndexPath())
	tmp := filepath.Join(e.cfg.DataDir, ".index-crash.tmp")
	if err := os.WriteFile(tmp, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	e2, err := Open(context.Background(), Config{DataDir: e.cfg.DataDir, Embedder: testfake.NewEmbedder()})
	if err != nil {
		t.Fatalf("open after interrupted save: %v", err)
	}
	if len(e2.Articles()) != 3 {
		t.Errorf("got %d articles", len(e2.Articles()))
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	e := newTestEngine(t, Config{})
	ix := e.Index()
	got, err := Load(context.Background(), e.IndexPath())
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != ix.Len() || len(got.vectors) != len(ix.vectors) || len(got.vocab) != len(ix.vocab) {
		t.Fatalf("round trip changed sizes")
	}
	for i := range ix.vectors {
		if got.vectors[i] != ix.vectors[i] {
			t.Fatalf("vector value %d differs", i)
		}
	}
	q := Request{Question: "refineries inside Russia"}
	r := NewRetriever(RetrievalConfig{}, e.cfg.Embedder)
	a, _ := r.Retrieve(context.Background(), ix, q)
	b, _ := r.Retrieve(context.Background(), got, q)
	if len(a.Passages) != len(b.Passages) || a.Passages[0].ChunkID != b.Passages[0].ChunkID || a.Passages[0].Score != b.Passages[0].Score {
		t.Errorf("retrieval differs after reload")
	}
}

func TestReloadPicksUpAnotherWriter(t *testing.T) {
	ctx := context.Background()
	server := newTestEngine(t, Config{})
	writer, err := Open(ctx, Config{DataDir: server.cfg.DataDir, Embedder: testfake.NewEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := server.Reload(ctx); err != nil || changed {
		t.Fatalf("reload of an unchanged file: %v, %v", changed, err)
	}
	if _, err := writer.Ingest(ctx, bigCorpus(5), IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if changed, err := server.Reload(ctx); err != nil || !changed {
		t.Fatalf("reload after another ingest: %v, %v", changed, err)
	}
	if n := len(server.Articles()); n != 8 {
		t.Errorf("server sees %d articles, want 8", n)
	}
	// A damaged file is reported and the served index kept.
	os.WriteFile(server.IndexPath(), []byte("garbage garbage garbage garbage garbage"), 0o644)
	if _, err := server.Reload(ctx); !errors.Is(err, ErrIndexCorrupt) {
		t.Errorf("reload of a damaged file: %v", err)
	}
	if n := len(server.Articles()); n != 8 {
		t.Errorf("damaged file replaced the served index: %d articles", n)
	}
}

// TestVersionChanges: an index written by another analyzer gets its terms
// re-made on load; one written by another chunker is re-chunked (and
// re-embedded) at the next ingest.
func TestVersionChanges(t *testing.T) {
	ctx := context.Background()
	emb := testfake.NewEmbedder()
	e := newTestEngine(t, Config{Embedder: emb})
	ix := e.Index()

	// Rewrite the file as an older analyzer would have: no terms at all.
	old := *ix
	old.bags = make([][]TermFreq, len(ix.bags))
	old.vocab = nil
	var buf bytes.Buffer
	if err := old.write(&buf); err != nil {
		t.Fatal(err)
	}
	data := bytes.Replace(buf.Bytes(), []byte(analyzerVersion), []byte("en-0\x00"[:len(analyzerVersion)]), 1)
	fixChecksum(data)
	os.WriteFile(e.IndexPath(), data, 0o644)
	got, err := Load(ctx, e.IndexPath())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.vocab) != len(ix.vocab) || !reflect.DeepEqual(got.bags, ix.bags) {
		t.Errorf("terms not re-made on load: %d terms, want %d", len(got.vocab), len(ix.vocab))
	}

	// A previous index from another chunker is not reused.
	prev := *ix
	prev.chunker = "chunk-0"
	before := emb.Calls.Load()
	_, st, err := Build(ctx, testfake.Articles(), BuildConfig{Embedder: emb, Previous: &prev})
	if err != nil {
		t.Fatal(err)
	}
	if st.Unchanged != 0 || emb.Calls.Load() == before {
		t.Errorf("index of another chunker reused: %+v", st)
	}
}

// fixChecksum rewrites the CRC-32C trailer of an index file's bytes.
func fixChecksum(data []byte) {
	binary.LittleEndian.PutUint32(data[len(data)-4:], crc32.Checksum(data[:len(data)-4], castagnoli))
}
