package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/newsrag/newsrag/rag"
)

// Error codes of the JSON error body {"error": {"code", "message"}}.
const (
	CodeBadRequest       = "bad_request"
	CodeUnauthorized     = "unauthorized"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodePayloadTooLarge  = "payload_too_large"
	CodeHeadersTooLarge  = "headers_too_large"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeBodyTimeout      = "body_timeout"
	CodeRateLimited      = "rate_limited"
	CodeNotReady         = "not_ready"
	CodeLLMFailed        = "llm_failed"
	CodeLLMUnavailable   = "llm_unavailable"
	CodeTimeout          = "timeout"
	CodeAnswerTooLarge   = "answer_too_large"
	CodeShuttingDown     = "shutting_down"
	CodeInternal         = "internal"
	codeClientClosed     = "client_closed"
)

// ErrorBody is the JSON body of every error response, and the data of the
// SSE "error" event.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong: a stable machine-readable code and a
// message for people.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Status is the HTTP status the error maps to. It is only set in SSE
	// "error" events, whose response status was already sent as 200.
	Status int `json:"status,omitempty"`
}

// apiError is an error with the HTTP status and code it is reported with.
type apiError struct {
	status  int
	code    string
	message string
	err     error // the cause, for logs; may be nil
}

func (e *apiError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.status, e.code, e.message, e.err)
	}
	return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message)
}

func (e *apiError) Unwrap() error { return e.err }

// badRequest returns a 400 error with a message built from format.
func badRequest(format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: CodeBadRequest, message: fmt.Sprintf(format, a...)}
}

// Reasons a stream's or request's context is cancelled by the server.
var (
	errShuttingDown   = errors.New("server is shutting down")
	errAnswerTooLarge = errors.New("answer exceeds the size limit")
	errStreamTimeout  = errors.New("answer stream took too long")
)

// classify maps err to the status, code and message it is reported with.
// Errors from the pipeline wrap the sentinels of package rag; errors from
// Echo and its middleware are *echo.HTTPError.
func classify(err error) *apiError {
	var ae *apiError
	var he *echo.HTTPError
	var le *rag.LLMError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, errShuttingDown):
		return &apiError{http.StatusServiceUnavailable, CodeShuttingDown, "the server is shutting down; try again shortly", err}
	case errors.Is(err, errAnswerTooLarge):
		return &apiError{http.StatusBadGateway, CodeAnswerTooLarge, "the answer grew beyond the server's size limit and was cut off", err}
	case errors.Is(err, errStreamTimeout):
		return &apiError{http.StatusGatewayTimeout, CodeTimeout, "the answer took too long and was stopped", err}
	case errors.As(err, &he):
		return fromHTTPError(he)
	case errors.As(err, &le):
		msg := "the language model failed: " + le.Error()
		switch {
		case le.Timeout:
			return &apiError{http.StatusGatewayTimeout, CodeTimeout, msg, err}
		case le.Status == http.StatusTooManyRequests || le.Status == http.StatusServiceUnavailable:
			return &apiError{http.StatusServiceUnavailable, CodeLLMUnavailable, msg, err}
		default:
			return &apiError{http.StatusBadGateway, CodeLLMFailed, msg, err}
		}
	case errors.Is(err, rag.ErrBadRequest):
		return &apiError{http.StatusBadRequest, CodeBadRequest, err.Error(), err}
	case errors.Is(err, rag.ErrNotFound):
		return &apiError{http.StatusNotFound, CodeNotFound, err.Error(), err}
	case errors.Is(err, rag.ErrNotReady):
		return &apiError{http.StatusServiceUnavailable, CodeNotReady, "the article index is still being built; try again in a moment", err}
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{http.StatusGatewayTimeout, CodeTimeout, "the request took too long and was stopped", err}
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this, but logs and metrics do.
		return &apiError{499, codeClientClosed, "the request was cancelled", err}
	default:
		return &apiError{http.StatusInternalServerError, CodeInternal, "internal error", err}
	}
}

// fromHTTPError maps Echo's errors (routing, body limit, middleware) to ours.
func fromHTTPError(he *echo.HTTPError) *apiError {
	codes := map[int]string{
		http.StatusBadRequest:            CodeBadRequest,
		http.StatusUnauthorized:          CodeUnauthorized,
		http.StatusNotFound:              CodeNotFound,
		http.StatusMethodNotAllowed:      CodeMethodNotAllowed,
		http.StatusRequestEntityTooLarge: CodePayloadTooLarge,
		http.StatusUnsupportedMediaType:  CodeUnsupportedMedia,
		http.StatusTooManyRequests:       CodeRateLimited,
		http.StatusServiceUnavailable:    CodeNotReady,
		http.StatusGatewayTimeout:        CodeTimeout,
	}
	code, ok := codes[he.Code]
	if !ok {
		code = strings.ReplaceAll(strings.ToLower(http.StatusText(he.Code)), " ", "_")
	}
	msg := fmt.Sprint(he.Message)
	switch he.Code {
	case http.StatusNotFound:
		msg = "no such page or endpoint"
	case http.StatusRequestEntityTooLarge:
		msg = "the request body is too large"
	case http.StatusInternalServerError:
		code, msg = CodeInternal, "internal error"
	}
	return &apiError{status: he.Code, code: code, message: msg, err: he.Internal}
}

// handleError is the Echo HTTPErrorHandler: it writes err as a JSON error
// body, unless a response was already started.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae := classify(err)
	if ae.status == http.StatusInternalServerError {
		s.log.Error("internal error", "request_id", requestID(c), "path", c.Request().URL.Path, "err", err)
		ae = &apiError{ae.status, ae.code, "internal error (request " + requestID(c) + ")", ae.err}
	}
	if ae.status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "5")
	}
	var body any = ErrorBody{Error: ErrorDetail{Code: ae.code, Message: ae.message}}
	if isOpenAI(c) {
		body = openAIErrorBody(ae, err)
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(ae.status)
	} else {
		err = c.JSON(ae.status, body)
	}
	if err != nil {
		s.log.Debug("writing error response", "request_id", requestID(c), "err", err)
	}
}

// requestID returns the request's ID, as set by the RequestID middleware.
func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
