package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsrag/newsrag/rag"
)

// TestGracefulShutdown opens an answer stream that would never end, and a
// slow ordinary request, then cancels Run's context: the stream must get an
// "error" event saying the server is shutting down, the ordinary request
// must complete, and Serve must return within about a second.
func TestGracefulShutdown(t *testing.T) {
	streaming := newFake()
	streaming.block = true
	slow := newFake()
	slow.tokenDelay = 100 * time.Millisecond
	mux := &switchPipeline{stream: streaming, other: slow, Pipeline: slow}
	s := newTestServer(t, mux, Config{ShutdownTimeout: time.Second})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Post(base+"/api/ask/stream", "application/json", strings.NewReader(`{"question":"q"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	readEvent := func() (name, data string) {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("reading stream: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && name != "":
				return name, data
			}
		}
	}
	var seen []string
	for len(seen) < 4 { // sources and three tokens; then the pipeline blocks
		name, _ := readEvent()
		seen = append(seen, name)
	}

	slowDone := make(chan int, 1)
	go func() {
		r, err := client.Post(base+"/api/ask", "application/json", strings.NewReader(`{"question":"slow"}`))
		if err != nil {
			slowDone <- -1
			return
		}
		r.Body.Close()
		slowDone <- r.StatusCode
	}()
	time.Sleep(50 * time.Millisecond) // let the slow request start

	start := time.Now()
	cancel()
	name, data := readEvent()
	if name != "error" || !strings.Contains(data, CodeShuttingDown) {
		t.Errorf("after shutdown: event %s %s", name, data)
	}
	var b ErrorBody
	if err := json.Unmarshal([]byte(data), &b); err != nil || b.Error.Status != http.StatusServiceUnavailable {
		t.Errorf("error event %s (%v)", data, err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Serve did not return within 2 s of cancellation")
	}
	if took := time.Since(start); took > 1200*time.Millisecond {
		t.Errorf("shutdown took %s", took)
	}
	if code := <-slowDone; code != http.StatusOK {
		t.Errorf("request in flight during shutdown: status %d", code)
	}
	if _, err := client.Get(base + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

// switchPipeline sends streams to one pipeline and everything else to another.
type switchPipeline struct {
	stream, other *fakePipeline
	Pipeline
}

// Ask sends requests with a Sources callback (streams) to p.stream.
func (p *switchPipeline) Ask(ctx context.Context, req rag.Request, s rag.Stream) (*rag.Answer, error) {
	if s.Sources != nil {
		return p.stream.Ask(ctx, req, s)
	}
	return p.other.Ask(ctx, req, s)
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	s := newTestServer(t, newFake(), Config{})
	rec := do(t, s.Handler(), request{method: "GET", path: "/api/openapi.json"})
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var routes []string
	for _, r := range s.echo.Routes() {
		// HEAD mirrors GET on the page and the probes; it is not documented apart.
		if r.Path == routeStatic || r.Method == http.MethodHead || strings.HasPrefix(r.Method, "echo_route") {
			continue
		}
		path := strings.Replace(strings.Replace(r.Path, "/*", "/{id}", 1), "/:id", "/{id}", 1)
		routes = append(routes, r.Method+" "+path)
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not documented", r.Method, path)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !slices.Contains(routes, strings.ToUpper(method)+" "+path) {
				t.Errorf("documented %s %s is not served", method, path)
			}
		}
	}
}

// TestShutdownUnderLoad cancels Run's context while many requests are in
// flight: every request the server accepted must complete with 200.
func TestShutdownUnderLoad(t *testing.T) {
	f := newFake()
	f.tokenDelay = 100 * time.Millisecond // each answer takes about 300 ms
	s := newTestServer(t, f, Config{ShutdownTimeout: time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	defer client.CloseIdleConnections()
	const n = 24
	codes := make(chan int, n)
	for i := range n {
		go func() {
			path := "/api/ask"
			if i%3 == 0 {
				path = "/api/search?q=x"
			}
			var r *http.Response
			var err error
			if strings.HasPrefix(path, "/api/ask") {
				r, err = client.Post(base+path, "application/json", strings.NewReader(`{"question":"q"}`))
			} else {
				r, err = client.Get(base + path)
			}
			if err != nil {
				codes <- -1
				return
			}
			r.Body.Close()
			codes <- r.StatusCode
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.asks.Load()+f.searches.Load() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := f.asks.Load() + f.searches.Load(); got != n {
		t.Fatalf("only %d of %d requests reached the pipeline", got, n)
	}
	cancel()
	for range n {
		if c := <-codes; c != http.StatusOK {
			t.Errorf("a request accepted before shutdown ended with %d", c)
		}
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestShutdownWithUnusedConnection: a connection that never sends a request
// (as browsers open ahead of time) does not make a shutdown fail.
func TestShutdownWithUnusedConnection(t *testing.T) {
	base, stop := serveStoppable(t, newTestServer(t, newFake(), Config{ShutdownTimeout: 200 * time.Millisecond}))
	idle, err := net.Dial("tcp", hostPort(base))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stop() // fails the test if Serve returns an error
}

// serve runs s on a free loopback port until the test ends and returns its URL.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	base, _ := serveStoppable(t, s)
	return base
}

// serveStoppable is serve with a func that stops the server early. A
// Serve that ends with an error fails the test.
func serveStoppable(t *testing.T, s *Server) (base string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

// hostPort is the host:port of a base URL that serve returned.
func hostPort(base string) string { return strings.TrimPrefix(base, "http://") }

// TestStalledBodyIsCut: a client that sends headers and part of a body,
// then nothing, gets 408 and is disconnected once BodyTimeout has passed.
func TestStalledBodyIsCut(t *testing.T) {
	addr := hostPort(serve(t, newTestServer(t, newFake(), Config{BodyTimeout: 300 * time.Millisecond})))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /api/ask HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"question\":")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response to a stalled body within 5 s: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), CodeBodyTimeout) {
		t.Errorf("status %d, body %s; want 408 %s", resp.StatusCode, body, CodeBodyTimeout)
	}
	if _, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("connection still open after the response: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the stalled body was cut after %s", took)
	}
}

// TestBodyTimeoutSparesStreams: an answer stream that lasts longer than
// BodyTimeout is delivered whole.
func TestBodyTimeoutSparesStreams(t *testing.T) {
	p := newFake()
	p.tokenDelay = 150 * time.Millisecond // three tokens: 450 ms
	addr := hostPort(serve(t, newTestServer(t, p, Config{BodyTimeout: 100 * time.Millisecond})))
	for _, path := range []string{"/api/ask/stream", "/api/ask"} {
		resp, err := http.Post("http://"+addr+path, "application/json", strings.NewReader(`{"question":"q"}`))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "airport") {
			t.Errorf("%s: status %d, err %v, body %s", path, resp.StatusCode, err, body)
		}
		if path == "/api/ask/stream" && !strings.Contains(string(body), "event: done") {
			t.Errorf("stream cut short: %s", body)
		}
	}
}

// rawRequest sends req as is to the server at addr and returns the response.
func rawRequest(t *testing.T, addr, req string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestMalformedRequestsGetJSON: requests the server itself turns away are
// answered with a JSON error body too. (What net/http refuses before any
// handler runs, such as a request line it cannot parse, stays plain text:
// see the package documentation.)
func TestMalformedRequestsGetJSON(t *testing.T) {
	addr := hostPort(serve(t, newTestServer(t, newFake(), Config{})))
	tests := []struct {
		name, req string
		status    int
		code, msg string
	}{
		{"headers over the limit", "GET /api/articles HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", maxHeaderBytes) + "\r\n\r\n",
			http.StatusRequestHeaderFieldsTooLarge, CodeHeadersTooLarge, "headers"},
		{"malformed query string", "GET /api/search?q=%zz HTTP/1.1\r\nHost: x\r\n\r\n",
			http.StatusBadRequest, CodeBadRequest, "malformed query string"},
	}
	for _, tt := range tests {
		resp, body := rawRequest(t, addr, tt.req)
		var eb ErrorBody
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
			json.Unmarshal(body, &eb) != nil || eb.Error.Code != tt.code || !strings.Contains(eb.Error.Message, tt.msg) {
			t.Errorf("%s: %d %s %s; want %d and a JSON %s error", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.status, tt.code)
		}
	}
}
