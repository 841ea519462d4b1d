package web

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/newsrag/newsrag/rag"
)

// tokenEvent is the data of an SSE "token" event.
type tokenEvent struct {
	Text string `json:"text"`
}

// sourcesEvent is the data of an SSE "sources" event.
type sourcesEvent struct {
	Passages []rag.Passage `json:"passages"`
}

// answerBudget cancels a request whose answer text grows beyond limit bytes.
type answerBudget struct {
	limit  int64
	used   atomic.Int64
	cancel context.CancelCauseFunc
}

// spend records n more bytes and reports whether they fit the budget.
func (b *answerBudget) spend(n int) bool {
	if b.limit <= 0 || b.used.Add(int64(n)) <= b.limit {
		return true
	}
	b.cancel(errAnswerTooLarge)
	return false
}

// handleAsk answers POST /api/ask with the whole answer as JSON.
func (s *Server) handleAsk(c echo.Context) error {
	req, err := decodeAsk(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(c.Request().Context())
	defer cancel(nil)
	budget := &answerBudget{limit: s.cfg.MaxAnswerBytes, cancel: cancel}
	ans, err := s.p.Ask(ctx, req, rag.Stream{Token: func(t string) { budget.spend(len(t)) }})
	if err == nil && errors.Is(context.Cause(ctx), errAnswerTooLarge) {
		err = errAnswerTooLarge
	}
	if err != nil {
		return withCause(ctx, err)
	}
	s.metrics.observeAnswer(ans)
	return c.JSON(http.StatusOK, ans)
}

// handleAskStream answers POST /api/ask/stream with Server-Sent Events: one
// "sources" event with the retrieved passages, "token" events with the
// answer text as it is written, then "done" with the final answer (checked
// citations and all) or "error". An error before the first event is
// answered as a plain JSON error with its own status instead.
//
// Streams are not subject to RequestTimeout but to StreamTimeout, and are
// cancelled at once when the server shuts down.
func (s *Server) handleAskStream(c echo.Context) error {
	req, err := decodeAsk(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(c.Request().Context())
	defer cancel(nil)
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, s.cfg.StreamTimeout, errStreamTimeout)
	defer cancelTimeout()
	stopOnShutdown := context.AfterFunc(s.streams, func() { cancel(errShuttingDown) })
	defer stopOnShutdown()
	if s.streams.Err() != nil {
		return errShuttingDown
	}

	w := newSSEWriter(c.Response())
	defer w.close()
	stopHeartbeat := w.heartbeat(s.cfg.HeartbeatInterval)
	budget := &answerBudget{limit: s.cfg.MaxAnswerBytes, cancel: cancel}
	ans, err := s.p.Ask(ctx, req, rag.Stream{
		Sources: func(ps []rag.Passage) {
			if ps == nil {
				ps = []rag.Passage{}
			}
			if w.send(EventSources, sourcesEvent{Passages: ps}) != nil {
				cancel(context.Canceled)
			}
		},
		Token: func(t string) {
			if !budget.spend(len(t)) {
				return
			}
			if w.send(EventToken, tokenEvent{Text: t}) != nil {
				cancel(context.Canceled)
				return
			}
			s.metrics.tokens.Inc()
		},
	})
	stopHeartbeat()
	if err == nil && errors.Is(context.Cause(ctx), errAnswerTooLarge) {
		err = errAnswerTooLarge
	}
	if err != nil {
		err = withCause(ctx, err)
		if c.Request().Context().Err() != nil {
			return err // the client is gone: nothing more to write
		}
		if !w.hasStarted() {
			return err // answered as a JSON error with its status
		}
		ae := classify(err)
		if ae.status >= 500 && ae.code != CodeShuttingDown {
			s.log.Warn("answer stream failed", "request_id", requestID(c), "err", err)
		}
		s.metrics.streamErrors.WithLabelValues(ae.code).Inc()
		return w.send(EventError, ErrorBody{Error: ErrorDetail{Code: ae.code, Message: ae.message, Status: ae.status}})
	}
	s.metrics.observeAnswer(ans)
	return w.send(EventDone, ans)
}

// withCause replaces a context error caused by the server itself (shutdown,
// size limit, stream timeout) by that cause, so that it is reported as such.
func withCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil &&
		(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		if errors.Is(cause, errShuttingDown) || errors.Is(cause, errAnswerTooLarge) || errors.Is(cause, errStreamTimeout) {
			return cause
		}
	}
	return err
}
