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

// askRequest decodes an ask request and charges its question's cost to the
// client's rate limit.
func (s *Server) askRequest(c echo.Context) (rag.Request, error) {
	req, err := decodeAsk(c)
	if err != nil {
		return req, err
	}
	return req, s.charge(c, req.Question)
}

// handleAsk answers POST /api/ask with the whole answer as JSON.
func (s *Server) handleAsk(c echo.Context) error {
	req, err := s.askRequest(c)
	if err != nil {
		return err
	}
	ans, err := s.askWhole(c.Request().Context(), req)
	if err != nil {
		return err
	}
	s.metrics.observeAnswer(ans)
	return c.JSON(http.StatusOK, ans)
}

// askWhole answers req without streaming, stopping the pipeline if the
// answer outgrows MaxAnswerBytes.
func (s *Server) askWhole(ctx context.Context, req rag.Request) (*rag.Answer, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	run := answerRun{ctx: ctx, budget: &answerBudget{limit: s.cfg.MaxAnswerBytes, cancel: cancel}}
	ans, err := s.p.Ask(ctx, req, rag.Stream{Token: func(t string) { run.budget.spend(len(t)) }})
	if err = run.result(err); err != nil {
		return nil, err
	}
	return ans, nil
}

// answerRun is the context one answer is produced in, with its size budget
// and, for a stream, the writer of its events.
type answerRun struct {
	ctx    context.Context
	cancel context.CancelCauseFunc // ends ctx with a cause
	budget *answerBudget
	w      *sseWriter // nil unless streaming
	end    func()     // releases the run's resources
}

// startStream starts the run of an answer stream to c's response, with
// heartbeats: its context ends when the request does, after StreamTimeout,
// when the server shuts down, or when the answer outgrows MaxAnswerBytes.
// The caller must call end, after which the writer takes no more events.
func (s *Server) startStream(c echo.Context) (*answerRun, error) {
	if s.streams.Err() != nil {
		return nil, errShuttingDown
	}
	ctx, cancel := context.WithCancelCause(c.Request().Context())
	tctx, cancelTimeout := context.WithTimeoutCause(ctx, s.cfg.StreamTimeout, errStreamTimeout)
	stopOnShutdown := context.AfterFunc(s.streams, func() { cancel(errShuttingDown) })
	w := newSSEWriter(c.Response())
	stopHeartbeat := w.heartbeat(s.cfg.HeartbeatInterval)
	return &answerRun{
		ctx: tctx, cancel: cancel,
		budget: &answerBudget{limit: s.cfg.MaxAnswerBytes, cancel: cancel},
		w:      w,
		end:    func() { stopHeartbeat(); w.close(); stopOnShutdown(); cancelTimeout(); cancel(nil) },
	}, nil
}

// result is err, the pipeline's error, as reported: a context error the
// server caused is replaced by its cause, and an answer cut off by the
// size limit is an error even if the pipeline returned none.
func (r *answerRun) result(err error) error {
	if err == nil && errors.Is(context.Cause(r.ctx), errAnswerTooLarge) {
		return errAnswerTooLarge
	}
	if err != nil {
		return withCause(r.ctx, err)
	}
	return nil
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
	req, err := s.askRequest(c)
	if err != nil {
		return err
	}
	run, err := s.startStream(c)
	if err != nil {
		return err
	}
	defer run.end()
	w := run.w
	ans, err := s.p.Ask(run.ctx, req, rag.Stream{
		Sources: func(ps []rag.Passage) {
			if ps == nil {
				ps = []rag.Passage{}
			}
			if w.send(EventSources, sourcesEvent{Passages: ps}) != nil {
				run.cancel(context.Canceled)
			}
		},
		Token: func(t string) {
			if !run.budget.spend(len(t)) {
				return
			}
			if w.send(EventToken, tokenEvent{Text: t}) != nil {
				run.cancel(context.Canceled)
				return
			}
			s.metrics.tokens.Inc()
		},
	})
	if err = run.result(err); err != nil {
		if c.Request().Context().Err() != nil {
			return err // the client is gone: nothing more to write
		}
		if !w.hasStarted() {
			return err // answered as a JSON error with its status
		}
		ae := s.streamFailed(c, err)
		return w.send(EventError, ErrorBody{Error: ErrorDetail{Code: ae.code, Message: ae.message, Status: ae.status}})
	}
	s.metrics.observeAnswer(ans)
	return w.send(EventDone, ans)
}

// streamFailed classifies err, which ended a stream after its first event,
// logs it when the server is at fault and counts it.
func (s *Server) streamFailed(c echo.Context, err error) *apiError {
	ae := classify(err)
	if ae.status >= 500 && ae.code != CodeShuttingDown {
		s.log.Warn("answer stream failed", "request_id", requestID(c), "path", c.Request().URL.Path, "err", err)
	}
	s.metrics.streamErrors.WithLabelValues(ae.code).Inc()
	return ae
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
