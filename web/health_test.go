package web

import (
	"encoding/json"
	"testing"
)

func TestReadyProgress(t *testing.T) {
	f := newFake()
	f.ready = false
	prog := &IndexProgress{}
	h := newTestServer(t, f, Config{IndexProgress: prog}).Handler()
	readyz := func() HealthResponse {
		t.Helper()
		rec := do(t, h, request{method: "GET", path: "/readyz"})
		var body HealthResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("readyz %d %q: %v", rec.Code, rec.Body, err)
		}
		return body
	}
	if p := readyz().Progress; p != nil {
		t.Errorf("progress %+v before the build has started, want none", p)
	}
	prog.Set(40, 120)
	if p := readyz().Progress; p == nil || p.Done != 40 || p.Total != 120 {
		t.Errorf("progress %+v, want 40 of 120", p)
	}
	f.ready = true
	if body := readyz(); body.Status != "ready" || body.Progress != nil {
		t.Errorf("ready: %+v", body)
	}
}
