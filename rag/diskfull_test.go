//go:build linux

package rag

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/newsrag/newsrag/internal/testfake"
)

// TestDiskFullKeepsIndex writes an index onto a tiny tmpfs: the save fails
// with ENOSPC and the previous index stays, on disk and in memory. It needs
// the privilege to mount (root in CI); elsewhere it is skipped.
func TestDiskFullKeepsIndex(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): needs root", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	ctx := context.Background()
	e, err := Open(ctx, Config{DataDir: dir, Embedder: testfake.NewEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Ingest(ctx, testfake.Articles(), IngestOptions{}); err != nil {
		t.Fatalf("small ingest on 64k tmpfs: %v", err)
	}
	before, _ := os.ReadFile(e.IndexPath())
	_, err = e.Ingest(ctx, bigCorpus(200), IngestOptions{})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("ingest onto a full disk: %v, want ENOSPC", err)
	}
	after, _ := os.ReadFile(e.IndexPath())
	if string(before) != string(after) {
		t.Fatal("index file changed by a failed save")
	}
	if n := len(e.Articles()); n != 3 {
		t.Errorf("served index has %d articles, want 3", n)
	}
	if _, err := Open(ctx, Config{DataDir: dir, Embedder: testfake.NewEmbedder()}); err != nil {
		t.Errorf("previous index does not load: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".index-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left on the full disk: %v", left)
	}
}
