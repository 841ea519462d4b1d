package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// SSE event names of POST /api/ask/stream, in the order they are sent:
// one "sources", any number of "token", then "done" or "error".
const (
	EventSources = "sources"
	EventToken   = "token"
	EventDone    = "done"
	EventError   = "error"
)

// errStreamClosed: the stream was closed and takes no more events.
var errStreamClosed = errors.New("event stream closed")

// sseWriter writes Server-Sent Events to a response, one flush per event.
// It is safe for concurrent use, because the pipeline's callbacks and the
// heartbeat may run on different goroutines. The response headers are sent
// with the first event, so that an error before any event can still be
// answered with a plain JSON error and its own status.
type sseWriter struct {
	mu      sync.Mutex
	res     *echo.Response
	started bool
	closed  bool
}

func newSSEWriter(res *echo.Response) *sseWriter { return &sseWriter{res: res} }

// send writes one event whose data is v as JSON (which never contains a
// newline, so one data line suffices).
func (w *sseWriter) send(event string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s event: %w", event, err)
	}
	return w.write(fmt.Sprintf("event: %s\ndata: %s\n\n", event, data))
}

// comment writes an SSE comment, which clients ignore; used as heartbeat.
func (w *sseWriter) comment(text string) error { return w.write(": " + text + "\n\n") }

func (w *sseWriter) write(s string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errStreamClosed
	}
	if !w.started {
		h := w.res.Header()
		h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
		h.Set(echo.HeaderCacheControl, "no-cache")
		h.Set("X-Accel-Buffering", "no") // tell nginx not to buffer the stream
		w.res.WriteHeader(http.StatusOK)
		w.started = true
	}
	if _, err := w.res.Write([]byte(s)); err != nil {
		return fmt.Errorf("writing event: %w", err)
	}
	w.res.Flush()
	return nil
}

// hasStarted reports whether the response headers have been sent.
func (w *sseWriter) hasStarted() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.started
}

// close makes every later send fail, so that late callbacks from the
// pipeline cannot write into a finished response.
func (w *sseWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
}

// heartbeat sends a comment every interval until stop is called; stop
// waits for the heartbeat goroutine to end.
func (w *sseWriter) heartbeat(interval time.Duration) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if w.comment("keep-alive") != nil {
					return
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
