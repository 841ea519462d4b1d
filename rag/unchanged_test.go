package rag

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

func TestIngestUnchangedWritesNothing(t *testing.T) {
	e := newTestEngine(t, Config{})
	before, err := os.Stat(e.IndexPath())
	if err != nil {
		t.Fatal(err)
	}
	built := e.Index().BuiltAt()
	arts := testfake.Articles()
	arts[0], arts[2] = arts[2], arts[0] // order does not matter
	st, err := e.Ingest(context.Background(), arts, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(e.IndexPath())
	if st.Unchanged != 3 || st.Embedded != 0 || !e.Index().BuiltAt().Equal(built) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("unchanged ingest: %+v; index rebuilt %v or rewritten %v", st, !e.Index().BuiltAt().Equal(built), !after.ModTime().Equal(before.ModTime()))
	}

	// A new alternate changes no hash, but is stored: the index is rebuilt
	// with nothing embedded.
	arts[0].Alternates = []corpus.Alternate{{ID: "wire/copy", Outlet: "Wire", Published: time.Date(2025, 7, 8, 0, 0, 0, 0, time.UTC)}}
	st, err = e.Ingest(context.Background(), arts, IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := e.Index().Article(arts[0].ID)
	if st.Embedded != 0 || len(a.Alternates) != 1 || a.Alternates[0].Outlet != "Wire" {
		t.Errorf("new alternate: %+v, article alternates %+v", st, a.Alternates)
	}
	found, err := e.Search(context.Background(), Request{Question: "coalition of the willing Starmer", K: 1})
	ps := found.Passages
	if err != nil || len(ps) != 1 || len(ps[0].AlsoPublished) != 1 {
		t.Errorf("passage alternates: %v %+v", err, ps)
	}
}

// TestIngestRechunksAfterChunkerChange: an index made by an older chunker
// (or other chunking settings) is re-chunked at the next ingest although no
// article changed, as its file format promises.
func TestIngestRechunksAfterChunkerChange(t *testing.T) {
	e := newTestEngine(t, Config{})
	old := *e.Index()
	old.chunker = "chunk-0"
	e.index.Store(&old)
	st, err := e.Ingest(context.Background(), testfake.Articles(), IngestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Unchanged != 0 || st.Embedded != st.Chunks || e.Index().chunker != chunkerVersion {
		t.Errorf("after a chunker change: %+v, index chunker %q", st, e.Index().chunker)
	}
	// Reloaded from disk, the index is the new chunker's.
	e2, err := Open(context.Background(), Config{DataDir: e.cfg.DataDir, Embedder: e.cfg.Embedder})
	if err != nil {
		t.Fatal(err)
	}
	if got := e2.Index().chunker; got != chunkerVersion {
		t.Errorf("reloaded index chunker %q, want %q", got, chunkerVersion)
	}
	st, err = e2.Ingest(context.Background(), testfake.Articles(), IngestOptions{})
	if err != nil || st.Unchanged != 3 || st.Embedded != 0 {
		t.Errorf("ingest after the re-chunk: %v %+v", err, st)
	}
}
