package web

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRefreshLoop(t *testing.T) {
	var calls atomic.Int32
	refresh := func(ctx context.Context) (RefreshStats, error) {
		switch calls.Add(1) {
		case 1:
			return RefreshStats{Fetched: 101, Added: 100, Failed: 1}, nil
		case 2:
			return RefreshStats{NotModified: 1, Failed: 2}, errors.New("disk full")
		default:
			return RefreshStats{NotModified: 1, Unchanged: 100}, nil
		}
	}
	s := newTestServer(t, newFake(), Config{Refresh: refresh, RefreshEvery: 10 * time.Millisecond})
	_, stop := serveStoppable(t, s)
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	n := calls.Load()
	time.Sleep(30 * time.Millisecond)
	if calls.Load() != n {
		t.Error("refreshes went on after shutdown")
	}

	body := do(t, s.Handler(), request{method: "GET", path: "/metrics"}).Body.String()
	later := int(n) - 2 // refreshes after the first two
	for _, want := range []string{
		`newsrag_refresh_runs_total{result="error"} 1`,
		`newsrag_refresh_runs_total{result="ok"} ` + strconv.Itoa(1+later),
		`newsrag_refresh_fetches_total{outcome="fetched"} 101`,
		`newsrag_refresh_fetches_total{outcome="not_modified"} ` + strconv.Itoa(1+later),
		`newsrag_refresh_fetches_total{outcome="failed"} 3`,
		`newsrag_refresh_articles_total{outcome="added"} 100`,
		`newsrag_refresh_articles_total{outcome="unchanged"} ` + strconv.Itoa(100*later),
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
