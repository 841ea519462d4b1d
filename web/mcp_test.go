package web

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpSession connects an in-memory MCP client to NewMCPServer(p).
func mcpSession(t *testing.T, p Pipeline) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := NewMCPServer(p).Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
	})
	return cs
}

func TestMCPListsToolsWithSchemas(t *testing.T) {
	cs := mcpSession(t, newFake())
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{ // tool: its required arguments
		"search_news":   {"question"},
		"ask_news":      {"question"},
		"get_article":   {"id"},
		"list_articles": nil,
	}
	for _, tool := range res.Tools {
		req, ok := want[tool.Name]
		if !ok {
			t.Errorf("unexpected tool %q", tool.Name)
			continue
		}
		delete(want, tool.Name)
		if len(tool.Description) < 40 {
			t.Errorf("%s: description %q says too little", tool.Name, tool.Description)
		}
		var in struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
			Required []string `json:"required"`
		}
		data, _ := json.Marshal(tool.InputSchema)
		if err := json.Unmarshal(data, &in); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(in.Required, req) {
			t.Errorf("%s: required %v, want %v", tool.Name, in.Required, req)
		}
		for name, p := range in.Properties {
			if p.Description == "" {
				t.Errorf("%s: argument %q has no description", tool.Name, name)
			}
		}
		if tool.OutputSchema == nil {
			t.Errorf("%s: no output schema", tool.Name)
		}
	}
	for name := range want {
		t.Errorf("tool %q missing", name)
	}
}

func TestMCPTools(t *testing.T) {
	tests := []struct {
		name, tool string
		args       map[string]any
		wantErr    string // the tool error's message contains it
		want       []string
	}{
		{name: "search", tool: "search_news", args: map[string]any{"question": "airport", "k": 3, "outlet": "BBC", "from": "2021-08-01"},
			want: []string{`"article_id":"world/kabul"`, `"title":"Taliban enter Kabul"`}},
		{name: "search k too large", tool: "search_news", args: map[string]any{"question": "airport", "k": 99}, wantErr: "k must be between 1 and 50"},
		{name: "search bad date", tool: "search_news", args: map[string]any{"question": "airport", "from": "last week"}, wantErr: `"last week" is not a date`},
		{name: "search empty question", tool: "search_news", args: map[string]any{"question": " "}, wantErr: "question is empty"},
		{name: "ask", tool: "ask_news", args: map[string]any{"question": "What happened at the airport?",
			"history": []map[string]string{{"role": "user", "content": "Kabul?"}}},
			want: []string{"Crowds gathered at the airport [1].", "Sources:", "- [1] Taliban enter Kabul", `"answerable":true`}},
		{name: "ask bad role", tool: "ask_news", args: map[string]any{"question": "q", "history": []map[string]string{{"role": "system", "content": "x"}}},
			wantErr: `history[0].role must be "user" or "assistant"`},
		{name: "article", tool: "get_article", args: map[string]any{"id": "world/kabul"},
			want: []string{"# Taliban enter Kabul", "BBC · 2021-08-15", "Crowds gathered"}},
		{name: "article missing", tool: "get_article", args: map[string]any{"id": "nope"}, wantErr: `article "nope": not found`},
		{name: "article path", tool: "get_article", args: map[string]any{"id": "../etc/passwd"}, wantErr: "is not an article ID"},
		{name: "list", tool: "list_articles", args: map[string]any{"limit": 1},
			want: []string{`"total":2`, `"next_offset":1`, `"id":"world/kabul"`}},
		{name: "list filtered", tool: "list_articles", args: map[string]any{"outlet": "bbc", "to": "2021-12-31"},
			want: []string{`"total":1`, `"id":"world/kabul"`}},
		{name: "list bad limit", tool: "list_articles", args: map[string]any{"limit": 1000}, wantErr: "limit must be between 1 and 500"},
		{name: "list bad range", tool: "list_articles", args: map[string]any{"from": "2022-01-01", "to": "2021-01-01"}, wantErr: "before"},
	}
	cs := mcpSession(t, newFake())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tt.tool, Arguments: tt.args})
			if err != nil {
				t.Fatalf("protocol error: %v", err)
			}
			text := toolText(res)
			if tt.wantErr != "" {
				if !res.IsError || !strings.Contains(text, tt.wantErr) {
					t.Errorf("IsError %v, text %q; want an error containing %q", res.IsError, text, tt.wantErr)
				}
				return
			}
			if res.IsError {
				t.Fatalf("tool error: %s", text)
			}
			structured, _ := json.Marshal(res.StructuredContent)
			for _, w := range tt.want {
				if !strings.Contains(text, w) && !strings.Contains(string(structured), w) {
					t.Errorf("result lacks %q:\n%s\n%s", w, text, structured)
				}
			}
		})
	}
}

func TestMCPSearchNoArticlePassesTheFilters(t *testing.T) {
	f := newFake()
	f.passages, f.filterMiss = nil, `No article in the corpus matches the filters (outlet "Nobody"). Its outlets: "BBC".`
	cs := mcpSession(t, f)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "search_news", Arguments: map[string]any{"question": "airport", "outlet": "Nobody"}})
	if err != nil || res.IsError {
		t.Fatalf("%v %s", err, toolText(res))
	}
	structured, _ := json.Marshal(res.StructuredContent)
	if want := `"note":"No article in the corpus matches the filters (outlet \"Nobody\"). Its outlets: \"BBC\"."`; !strings.Contains(string(structured), want) {
		t.Errorf("structured result %s lacks %s", structured, want)
	}
}

// toolText joins a tool result's text content.
func toolText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func TestMCPArgumentOfWrongType(t *testing.T) {
	cs := mcpSession(t, newFake())
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "search_news", Arguments: map[string]any{"question": "q", "k": "three"}})
	if err == nil && !res.IsError {
		t.Fatalf("k as a string was accepted: %s", toolText(res))
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	} else {
		msg = toolText(res)
	}
	if !strings.Contains(msg, "k") {
		t.Errorf("error %q does not name the argument", msg)
	}
}

func TestMCPArticleResources(t *testing.T) {
	cs := mcpSession(t, newFake())
	ctx := context.Background()
	var uris []string
	for r, err := range cs.Resources(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, r.URI)
	}
	if want := []string{"newsrag://articles/world/kabul", "newsrag://articles/ukraine-drones"}; !slices.Equal(uris, want) {
		t.Errorf("resources %v, want %v", uris, want)
	}
	res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "newsrag://articles/world/kabul"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Contents) != 1 || !strings.HasPrefix(res.Contents[0].Text, "# Taliban enter Kabul") || res.Contents[0].MIMEType != "text/markdown" {
		t.Errorf("contents %+v", res.Contents)
	}
	for _, uri := range []string{"newsrag://articles/missing", "newsrag://articles/a/../b"} {
		if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri}); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("%s: err %v, want not found", uri, err)
		}
	}
}

func TestMCPOverHTTPNeedsKey(t *testing.T) {
	s := newTestServer(t, newFake(), Config{APIKey: "sekrit"})
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	hdr := map[string]string{"Accept": "application/json, text/event-stream"}
	rec := do(t, s.Handler(), request{method: "POST", path: "/mcp", body: init, header: hdr})
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("no key: status %d", rec.Code)
	}
	hdr["Authorization"] = "Bearer sekrit"
	rec = do(t, s.Handler(), request{method: "POST", path: "/mcp", body: init, header: hdr})
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK || !strings.Contains(string(body), `"serverInfo":{"name":"newsrag"`) {
		t.Errorf("with key: status %d, %s", rec.Code, body)
	}
}

func TestServeMCPOverPipes(t *testing.T) {
	// The stdio transport's framing, as "newsrag mcp" uses it: one JSON-RPC
	// message per line each way, and a clean return when the client closes
	// its end.
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- ServeMCP(context.Background(), newFake(), inR, outW) }()
	responses := bufio.NewScanner(outR)
	responses.Buffer(make([]byte, 1<<20), 1<<20)
	for i, req := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_article","arguments":{"id":"world/kabul"}}}`,
	} {
		if _, err := io.WriteString(inW, req+"\n"); err != nil {
			t.Fatal(err)
		}
		if i == 1 { // a notification: no response
			continue
		}
		if !responses.Scan() {
			t.Fatalf("no response to %s: %v", req, responses.Err())
		}
		var msg struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		line := responses.Text()
		if err := json.Unmarshal([]byte(line), &msg); err != nil || msg.Result == nil || msg.ID != map[int]int{0: 1, 2: 2}[i] {
			t.Errorf("response to %s: %s", req, line)
		}
		if i == 2 && !strings.Contains(line, "Taliban enter Kabul") {
			t.Errorf("get_article: %s", line)
		}
	}
	inW.Close()
	go io.Copy(io.Discard, outR)
	if err := <-done; err != nil {
		t.Errorf("ServeMCP after the client closed its end: %v", err)
	}
	outW.Close()
}
