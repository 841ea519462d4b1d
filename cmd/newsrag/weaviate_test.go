package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsrag/newsrag/rag"
)

// TestTwoServersOneWeaviate runs two "newsrag serve" processes on one
// Weaviate collection (NEWSRAG_WEAVIATE_URL; see scripts/weaviate.sh):
// they answer the same question identically, and what a third process
// ingests both answer from at once. Skipped without a cluster unless
// NEWSRAG_REQUIRE_WEAVIATE=1.
func TestTwoServersOneWeaviate(t *testing.T) {
	url := os.Getenv("NEWSRAG_WEAVIATE_URL")
	if url == "" {
		if os.Getenv("NEWSRAG_REQUIRE_WEAVIATE") == "1" {
			t.Fatal("NEWSRAG_REQUIRE_WEAVIATE=1 but NEWSRAG_WEAVIATE_URL is not set")
		}
		t.Skip("no Weaviate: start one with scripts/weaviate.sh start and set NEWSRAG_WEAVIATE_URL")
	}
	needModel(t)
	bin := buildBinary(t)
	collection := fmt.Sprintf("TestTwoServers%d", time.Now().UnixNano()%1e9)
	t.Cleanup(func() {
		node := strings.Split(url, ",")[0]
		for _, c := range []string{collection, collection + "Article"} {
			req, _ := http.NewRequest(http.MethodDelete, node+"/v1/schema/"+c, nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	})
	env := append(os.Environ(),
		"NEWSRAG_STORE=weaviate", "NEWSRAG_WEAVIATE_URL="+url, "NEWSRAG_WEAVIATE_COLLECTION="+collection,
		"NEWSRAG_DATA_DIR="+t.TempDir(), "NEWSRAG_CORPUS_DIR=", "NEWSRAG_SOURCES=", "NEWSRAG_REFRESH=",
		"NEWSRAG_LLM_PROVIDER=", "NEWSRAG_API_KEY=", "NEWSRAG_RATE_LIMIT=-1")
	if out, err := command(t, env, bin, "ingest").CombinedOutput(); err != nil {
		t.Fatalf("newsrag ingest: %v\n%s", err, out)
	}
	a, b := startServe(t, bin, env), startServe(t, bin, env)

	q := "What do Ukraine's long-range drones target inside Russia?"
	ansA, ansB := askServer(t, a, q), askServer(t, b, q)
	if !ansA.Answerable || len(ansA.Citations) == 0 {
		t.Fatalf("server A: %+v", ansA)
	}
	if ansA.Answer != ansB.Answer || !slices.EqualFunc(ansA.Citations, ansB.Citations, sameCitation) {
		t.Errorf("the servers answer differently:\nA: %q %v\nB: %q %v", ansA.Answer, ansA.Citations, ansB.Answer, ansB.Citations)
	}

	// A third process ingests a new article; both servers answer from it.
	dir := t.TempDir()
	article := "---\ntitle: Harbour bridge reopens\nsource: Test Wire\npublished: 2025-09-01\n---\n" +
		"The Vossberg harbour bridge reopened on Monday after eighteen months of repairs costing 40 million euros. " +
		"Engineers replaced the corroded steel cables that had closed the bridge to lorries. " +
		"The city council said the Vossberg bridge now carries twice the traffic it was built for."
	if err := os.WriteFile(filepath.Join(dir, "bridge.md"), []byte(article), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := command(t, env, bin, "ingest", dir).CombinedOutput(); err != nil {
		t.Fatalf("newsrag ingest %s: %v\n%s", dir, err, out)
	}
	q = "How much did the repairs of the Vossberg harbour bridge cost?"
	for name, base := range map[string]string{"A": a, "B": b} {
		ans := askServer(t, base, q)
		if !ans.Answerable || len(ans.Citations) == 0 || ans.Citations[0].Title != "Harbour bridge reopens" || !strings.Contains(ans.Answer, "40 million euros") {
			t.Errorf("server %s after another process's ingest: %q %+v", name, ans.Answer, ans.Citations)
		}
	}
}

// askServer asks a running server through /api/ask.
func askServer(t *testing.T, base, q string) rag.Answer {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"question": q})
	resp, err := http.Post(base+"/api/ask", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans rag.Answer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s/api/ask: %d, %v", base, resp.StatusCode, err)
	}
	return ans
}

func sameCitation(x, y rag.Citation) bool {
	return x.N == y.N && x.ArticleID == y.ArticleID && x.Start == y.Start && x.End == y.End && x.Quote == y.Quote
}
