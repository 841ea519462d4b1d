package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// FuzzDecodeAsk feeds arbitrary bodies to the ask request decoder: it must
// never panic, must accept only requests that validate, and must reject
// everything else with a 4xx error.
func FuzzDecodeAsk(f *testing.F) {
	for _, seed := range []string{
		`{"question":"What happened in Kabul?"}`,
		`{"question":"q","k":5,"filters":{"outlet":"BBC","from":"2021-08-01","to":"2021-08-31T12:00:00Z"}}`,
		`{"question":"and Germany?","history":[{"role":"user","content":"coalition?"},{"role":"assistant","content":"UK and France [1]."}]}`,
		`{"question":""}`, `{"question":5}`, `[]`, `{`, `null`, `{"question":"q"} x`, "{\"question\":\"\xff\"}",
		`{"question":"q","k":1e3}`, `{"question":"q","filters":{"from":"2025-02-30"}}`,
	} {
		f.Add([]byte(seed))
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/ask", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		c := e.NewContext(req, httptest.NewRecorder())
		r, err := decodeAsk(c)
		if err != nil {
			if st := classify(err).status; st < 400 || st >= 500 {
				t.Fatalf("decodeAsk(%q) error %v maps to status %d", body, err, st)
			}
			return
		}
		if verr := r.Validate(); verr != nil {
			t.Fatalf("decodeAsk(%q) accepted a request that does not validate: %v", body, verr)
		}
		if !utf8.ValidString(r.Question) || strings.TrimSpace(r.Question) == "" {
			t.Fatalf("decodeAsk(%q) accepted question %q", body, r.Question)
		}
	})
}

func TestValidArticleID(t *testing.T) {
	for id, want := range map[string]bool{
		"ukraine-drones": true, "world/kabul": true, "a/b/c.d": true, "Résumé 2025": true,
		"": false, "..": false, "../etc/passwd": false, "world/../../x": false, "/etc/passwd": false,
		"world/": false, "a//b": false, "./a": false, `..\win.ini`: false, "a\x00b": false, "\xff": false,
		strings.Repeat("a", 513): false,
	} {
		if got := validArticleID(id); got != want {
			t.Errorf("validArticleID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestClassifyUnwrapsEcho(t *testing.T) {
	if got := classify(echo.ErrStatusRequestEntityTooLarge); got.status != 413 || got.code != CodePayloadTooLarge {
		t.Errorf("413: %+v", got)
	}
	if got := classify(errors.Join(errors.New("x"), echo.ErrNotFound)); got.status != 404 {
		t.Errorf("404: %+v", got)
	}
}
