package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

// npmDir holds the Node scripts of TestOfficialClients, their pinned
// package.json and package-lock.json, and (after "npm ci") node_modules.
const npmDir = "testdata/npm"

// needNode skips the test when node or the npm packages are missing,
// unless NEWSRAG_REQUIRE_NODE=1 (as in CI), where that is a failure.
func needNode(t *testing.T) {
	t.Helper()
	_, errNode := exec.LookPath("node")
	_, errModules := os.Stat(filepath.Join(npmDir, "node_modules"))
	if err := cmp.Or(errNode, errModules); err != nil {
		if os.Getenv("NEWSRAG_REQUIRE_NODE") == "1" {
			t.Fatalf("NEWSRAG_REQUIRE_NODE=1 but node or its packages are missing (run npm ci in cmd/newsrag/%s): %v", npmDir, err)
		}
		t.Skipf("node or its packages are missing; run npm ci in cmd/newsrag/%s: %v", npmDir, err)
	}
	if testing.Short() {
		t.Skip("client tests skipped in -short mode")
	}
}

// TestOfficialClients checks the OpenAI-compatible API and the MCP server
// with the official client libraries (the openai and
// @modelcontextprotocol/sdk npm packages) against the real binary: "newsrag
// serve" on a loopback port with an API key, and "newsrag mcp" spawned by
// the MCP client, both over the default corpus, answering extractively.
func TestOfficialClients(t *testing.T) {
	needNode(t)
	needModel(t)
	bin := buildBinary(t)
	env := append(os.Environ(),
		"NEWSRAG_DATA_DIR="+t.TempDir(), "NEWSRAG_CORPUS_DIR=", "NEWSRAG_SOURCES=", "NEWSRAG_REFRESH=",
		"NEWSRAG_LLM_PROVIDER=", "NEWSRAG_API_KEY=test-key", "NEWSRAG_RATE_LIMIT=-1")
	if out, err := command(t, env, bin, "ingest").CombinedOutput(); err != nil {
		t.Fatalf("newsrag ingest: %v\n%s", err, out)
	}
	base := startServe(t, bin, env)
	env = append(env, "NEWSRAG_URL="+base, "NEWSRAG_BIN="+bin)
	for _, script := range []string{"openai.mjs", "mcp.mjs"} {
		t.Run(script, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", script)
			cmd.Dir, cmd.Env = npmDir, env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("node %s: %v\n%s", script, err, out)
			}
			t.Logf("%s", out)
		})
	}
}

// buildBinary builds newsrag into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "newsrag")
	// go test puts its own go command first on PATH.
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// command returns a command running bin with env in a temporary directory
// (so that no .env file is read).
func command(t *testing.T, env []string, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = t.TempDir(), env
	return cmd
}

// startServe starts "newsrag serve" on a free loopback port, waits until it
// is ready and returns its URL. The server is stopped with SIGTERM when the
// test ends, and must exit cleanly.
func startServe(t *testing.T, bin string, env []string) string {
	t.Helper()
	cmd := command(t, env, bin, "serve", "--addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The first log line names the address; the rest is kept for failures.
	addr := make(chan string, 1)
	var mu sync.Mutex
	var logs bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		re := regexp.MustCompile(`addr=(http://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-copied
		if err := cmd.Wait(); err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Errorf("newsrag serve: %v\n%s", err, logs.String())
		}
	})
	var base string
	select {
	case base = <-addr:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("newsrag serve did not report its address within 30 s")
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("newsrag serve not ready after 30 s (last: %v)", err)
		}
	}
}
