package rag

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
)

// The crash tests run an ingest in a child process (this test binary, re-run
// with NEWSRAG_CRASH_CHILD set), kill it with SIGKILL at a chosen point, and
// check that the index the parent wrote before is still intact.

const crashEnv = "NEWSRAG_CRASH_CHILD"

// bigCorpus is a corpus large enough that embedding it takes a while.
func bigCorpus(n int) []corpus.Article {
	arts := testfake.Articles()
	for i := range n {
		a := corpus.Article{
			ID:    fmt.Sprintf("gen/%04d", i),
			Title: fmt.Sprintf("Generated report %d", i),
			Text:  strings.Repeat(fmt.Sprintf("Report %d describes convoy %d near the river. ", i, i%17), 40),
		}
		a.Hash = testfake.Hash(a)
		arts = append(arts, a)
	}
	return arts
}

// TestCrashChild is the child's body; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnv)
	if mode == "" {
		t.Skip("runs only as the child of a crash test")
	}
	dir := os.Getenv("NEWSRAG_CRASH_DIR")
	e, err := Open(context.Background(), Config{DataDir: dir, Embedder: testfake.NewEmbedder()})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	progress := func(done, total int) {}
	switch mode {
	case "embedding":
		progress = func(done, total int) {
			if done > total/2 {
				fmt.Println("EMBEDDING")
				time.Sleep(time.Hour) // the parent kills us here
			}
		}
	case "rename":
		beforeRename = func(tmp string) {
			fmt.Println("WRITTEN", tmp)
			time.Sleep(time.Hour)
		}
	}
	e.Ingest(context.Background(), bigCorpus(300), IngestOptions{Progress: progress})
	fmt.Println("FINISHED")
	os.Exit(0)
}

func TestKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, mode := range []string{"embedding", "rename"} {
		t.Run(mode, func(t *testing.T) {
			e := newTestEngine(t, Config{})
			before, err := os.ReadFile(e.IndexPath())
			if err != nil {
				t.Fatal(err)
			}
			cmd, line := startCrashChild(t, mode, e.cfg.DataDir)
			if mode == "rename" {
				tmp := strings.TrimPrefix(line, "WRITTEN ")
				if fi, err := os.Stat(tmp); err != nil || fi.Size() <= int64(len(before)) {
					t.Fatalf("child's new index is not written yet: %v", err)
				}
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()

			after, err := os.ReadFile(e.IndexPath())
			if err != nil {
				t.Fatal(err)
			}
			if string(after) != string(before) {
				t.Fatal("the index file changed although the ingest was killed")
			}
			e2, err := Open(context.Background(), Config{DataDir: e.cfg.DataDir, Embedder: testfake.NewEmbedder()})
			if err != nil {
				t.Fatalf("previous index does not load after the crash: %v", err)
			}
			if n := len(e2.Articles()); n != len(testfake.Articles()) {
				t.Errorf("index has %d articles, want %d", n, len(testfake.Articles()))
			}
			// The next ingest works and cleans up nothing it should not.
			if _, err := e2.Ingest(context.Background(), bigCorpus(3), IngestOptions{}); err != nil {
				t.Fatalf("ingest after crash: %v", err)
			}
			ents, _ := os.ReadDir(e.cfg.DataDir)
			var left []string
			for _, ent := range ents {
				left = append(left, ent.Name())
			}
			if !slices.Equal(left, []string{LockFileName, IndexFileName}) {
				t.Errorf("files after recovery: %v, want only the index and its lock", left)
			}
		})
	}
}

// startCrashChild starts an ingest into dir in a child process that stops
// at the point mode names, and returns once it is there, with the line the
// child printed ("EMBEDDING", or "WRITTEN <temporary file>"). The child is
// killed when the test ends, if the test has not killed it before.
func startCrashChild(t *testing.T, mode, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+mode, "NEWSRAG_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	reached := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "EMBEDDING") || strings.HasPrefix(line, "WRITTEN") ||
				strings.HasPrefix(line, "FINISHED") || strings.HasPrefix(line, "ERROR") {
				reached <- line
				return
			}
		}
		reached <- "EOF"
	}()
	select {
	case line := <-reached:
		if strings.HasPrefix(line, "FINISHED") || strings.HasPrefix(line, "ERROR") || line == "EOF" {
			t.Fatalf("child did not reach the crash point: %s", line)
		}
		return cmd, line
	case <-time.After(60 * time.Second):
		t.Fatal("child never reached the crash point")
		return nil, ""
	}
}

// TestConcurrentIngests: while another process is about to rename its new
// index into place, an ingest here waits for it instead of deleting its
// temporary file from under it, and succeeds once it is done.
func TestConcurrentIngests(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	e := newTestEngine(t, Config{})
	cmd, line := startCrashChild(t, "rename", e.cfg.DataDir)
	childTmp := strings.TrimPrefix(line, "WRITTEN ")

	done := make(chan error, 1)
	go func() {
		_, err := e.Ingest(context.Background(), bigCorpus(3), IngestOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("ingest finished (err %v) while another process held the data directory", err)
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := os.Stat(childTmp); err != nil {
		t.Fatalf("the other process's temporary file was removed: %v", err)
	}
	// The other writer dies; its locks go with it.
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ingest after the other writer ended: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ingest still waiting after the other writer ended")
	}
	if _, err := os.Stat(childTmp); !os.IsNotExist(err) {
		t.Errorf("the dead writer's temporary file is still there: %v", err)
	}
	if _, err := Load(context.Background(), e.IndexPath()); err != nil {
		t.Fatal(err)
	}
}

// TestSaveRemovesOnlyStaleTemporaries: a temporary file someone holds a
// lock on is another writer's, and stays; one nobody holds is removed.
func TestSaveRemovesOnlyStaleTemporaries(t *testing.T) {
	e := newTestEngine(t, Config{})
	dir := e.cfg.DataDir
	stale, live := filepath.Join(dir, ".index-stale.tmp"), filepath.Join(dir, ".index-live.tmp")
	for _, f := range []string{stale, live} {
		if err := os.WriteFile(f, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	holder := flock.New(live, flock.SetFlag(os.O_RDONLY)) // a descriptor of its own
	if err := holder.Lock(); err != nil {
		t.Fatal(err)
	}
	defer holder.Unlock()
	if err := e.Index().Save(e.IndexPath()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a held temporary file was removed: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a stale temporary file was kept: %v", err)
	}
}

// TestIngestWhileServing runs queries while the index is rebuilt over and
// over: every query is answered, from the old index or the new one.
func TestIngestWhileServing(t *testing.T) {
	e := newTestEngine(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, 8)
	done := make(chan struct{})
	for w := 0; w < 4; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for ctx.Err() == nil {
				ans, err := e.Ask(ctx, Request{Question: "What do the drones target?"}, Stream{})
				if err != nil {
					if ctx.Err() == nil {
						errs <- err
					}
					return
				}
				if len(ans.Passages) == 0 || ans.Passages[0].ArticleID != "drones" {
					errs <- fmt.Errorf("unexpected answer during ingest: %+v", ans.Passages)
					return
				}
			}
		}()
	}
	for i := range 5 {
		if _, err := e.Ingest(ctx, bigCorpus(20+i*10), IngestOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	for range 4 {
		<-done
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(e.Articles()); n != 3+60 {
		t.Errorf("final index has %d articles, want 63", n)
	}
}
