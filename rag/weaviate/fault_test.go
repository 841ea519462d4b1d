package weaviate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/internal/testfake"
	"github.com/newsrag/newsrag/rag"
)

// TestFaultNodeKilled starts a 3-node cluster with scripts/weaviate.sh,
// ingests with replication factor 3, and sends a steady stream of searches
// while node 2 (the node the client talks to first) is killed with SIGKILL
// and later restarted. No search may fail: reads use QUORUM (2 of 3
// replicas), and the client moves on to the next node when one cannot be
// reached. It runs when NEWSRAG_WEAVIATE_FAULT=1 (it takes a minute or two).
func TestFaultNodeKilled(t *testing.T) {
	if os.Getenv("NEWSRAG_WEAVIATE_FAULT") != "1" {
		t.Skip("set NEWSRAG_WEAVIATE_FAULT=1 to run the 3-node fault test (needs scripts/weaviate.sh build)")
	}
	ctx := context.Background()
	script := "../../scripts/weaviate.sh"
	env := append(os.Environ(), "NEWSRAG_WEAVIATE_PORT=18180")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(script, args...)
		cmd.Env, cmd.Stderr = env, os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("weaviate.sh %s: %v", strings.Join(args, " "), err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	t.Cleanup(func() { run("stop") })
	t0 := time.Now()
	run("start", "3")
	t.Logf("3 nodes ready in %s", time.Since(t0).Round(time.Millisecond))
	node := func(i int) string { return fmt.Sprintf("http://127.0.0.1:%d", 18180+10*(i-1)) }

	s, err := New(Config{URLs: []string{node(2), node(1), node(3)}, Collection: "Fault", Replicas: 3, Consistency: "QUORUM", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e, err := rag.Open(ctx, rag.Config{Store: s, Embedder: testfake.NewEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	arts := faultCorpus()
	if _, err := e.Ingest(ctx, arts, rag.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	q := rag.Request{Question: "What do the drones target inside Russia?", K: 5}
	want, err := passages(e.Search(ctx, q))
	if err != nil || len(want) == 0 {
		t.Fatalf("search before the fault: %v, %v", want, err)
	}

	// The stream: one search after another, each timed, until stopped.
	type result struct {
		at  time.Duration
		lat time.Duration
		err error
	}
	var (
		mu      sync.Mutex
		results []result
		stop    = make(chan struct{})
		done    = make(chan struct{})
	)
	start := time.Now()
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			t1 := time.Now()
			got, err := passages(e.Search(ctx, q))
			if err == nil && (len(got) != len(want) || got[0].ChunkID != want[0].ChunkID) {
				err = fmt.Errorf("different result: %v", got[0].ChunkID)
			}
			mu.Lock()
			results = append(results, result{time.Since(start), time.Since(t1), err})
			mu.Unlock()
		}
	}()
	phase := func(name string, from, to time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		var lats []time.Duration
		failed := 0
		for _, r := range results {
			if r.at < from || r.at >= to {
				continue
			}
			lats = append(lats, r.lat)
			if r.err != nil {
				failed++
				t.Errorf("%s: search at %s failed: %v", name, r.at.Round(time.Millisecond), r.err)
			}
		}
		slices.Sort(lats)
		if len(lats) == 0 {
			t.Errorf("%s: no searches", name)
			return
		}
		t.Logf("%-28s %4d searches, %d failed; latency p50 %s, p95 %s, max %s", name, len(lats), failed,
			lats[len(lats)/2].Round(time.Millisecond), lats[len(lats)*95/100].Round(time.Millisecond), lats[len(lats)-1].Round(time.Millisecond))
	}

	time.Sleep(5 * time.Second)
	killedAt := time.Since(start)
	run("kill", "2")
	time.Sleep(15 * time.Second)
	restartAt := time.Since(start)
	run("restart", "2")
	rejoinedAt := time.Since(start)
	t.Logf("node 2 killed at %s, restarted at %s, ready after %s", killedAt.Round(time.Millisecond),
		restartAt.Round(time.Millisecond), (rejoinedAt - restartAt).Round(time.Millisecond))
	time.Sleep(5 * time.Second)
	close(stop)
	<-done
	end := time.Since(start)
	phase("before the kill", 0, killedAt)
	phase("node 2 down", killedAt, restartAt)
	phase("node 2 restarting", restartAt, rejoinedAt)
	phase("after the rejoin", rejoinedAt, end)

	// Node 2 rejoined: the cluster lists three healthy nodes, and node 2
	// alone answers as before.
	resp, err := http.Get(node(1) + "/v1/nodes")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var nodes struct {
		Nodes []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"nodes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&nodes); err != nil {
		t.Fatal(err)
	}
	healthy := 0
	for _, n := range nodes.Nodes {
		if n.Status == "HEALTHY" {
			healthy++
		}
	}
	t.Logf("cluster after the rejoin: %+v", nodes.Nodes)
	if healthy != 3 {
		t.Errorf("%d healthy nodes after the rejoin, want 3", healthy)
	}
	only2, err := New(Config{URLs: []string{node(2)}, Collection: "Fault", Consistency: "ONE", Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	e2, err := rag.Open(ctx, rag.Config{Store: only2, Embedder: testfake.NewEmbedder()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := passages(e2.Search(ctx, q))
	if err != nil || len(got) != len(want) || got[0].ChunkID != want[0].ChunkID {
		t.Fatalf("node 2 after the rejoin: %v, %v", got, err)
	}
}

// faultCorpus is the test corpus plus filler articles, so the collection
// has some bulk.
func faultCorpus() []corpus.Article {
	arts := testfake.Articles()
	for i := range 200 {
		a := corpus.Article{ID: fmt.Sprintf("filler-%03d", i), Title: fmt.Sprintf("Bulletin %d", i), Outlet: "Wire",
			Text: strings.Repeat(fmt.Sprintf("Markets moved on day %d as traders weighed rates and earnings. ", i), 8)}
		a.Hash = testfake.Hash(a)
		arts = append(arts, a)
	}
	return arts
}
