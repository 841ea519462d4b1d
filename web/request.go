package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/newsrag/newsrag/rag"
)

// askBody is the JSON body of POST /api/ask and /api/ask/stream. It mirrors
// rag.Request, except that dates are strings so that both "2025-07-01" and
// RFC 3339 timestamps are accepted with a clear error otherwise.
type askBody struct {
	Question string      `json:"question"`
	K        int         `json:"k"`
	Filters  filtersBody `json:"filters"`
	History  []rag.Turn  `json:"history"`
}

type filtersBody struct {
	Outlet string `json:"outlet"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// decodeAsk reads, decodes and validates an ask request body. Unknown
// fields are rejected so that a misspelt "filter" is not silently ignored.
func decodeAsk(c echo.Context) (rag.Request, error) {
	data, err := readJSONBody(c, `{"question": "…"}`)
	if err != nil {
		return rag.Request{}, err
	}
	var body askBody
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return rag.Request{}, jsonError(err)
	}
	if dec.More() {
		return rag.Request{}, badRequest("unexpected data after the JSON object")
	}
	req := rag.Request{Question: body.Question, K: body.K, History: body.History}
	req.Filters.Outlet = body.Filters.Outlet
	if req.Filters.From, err = rag.ParseFrom("filters.from", body.Filters.From); err != nil {
		return rag.Request{}, err
	}
	if req.Filters.To, err = rag.ParseTo("filters.to", body.Filters.To); err != nil {
		return rag.Request{}, err
	}
	if err := req.Validate(); err != nil {
		return rag.Request{}, err
	}
	return req, nil
}

// readJSONBody reads a request body that must be JSON: it checks the
// Content-Type, the size limit, emptiness and UTF-8. example is shown to
// whoever sends an empty body.
func readJSONBody(c echo.Context, example string) ([]byte, error) {
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != echo.MIMEApplicationJSON {
			return nil, &apiError{status: http.StatusUnsupportedMediaType, code: CodeUnsupportedMedia,
				message: "send the request body as JSON with Content-Type: application/json"}
		}
	} else {
		// A body without a content type could come from a plain HTML form on
		// another site; only JSON-typed requests (which need CORS) are served.
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: CodeUnsupportedMedia,
			message: "missing Content-Type: application/json"}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var he *echo.HTTPError
		var mbe *http.MaxBytesError
		if errors.As(err, &he) || errors.As(err, &mbe) {
			return nil, echo.ErrStatusRequestEntityTooLarge
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, &apiError{status: http.StatusRequestTimeout, code: CodeBodyTimeout,
				message: "the request body did not arrive in time", err: err}
		}
		return nil, badRequest("reading the request body: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badRequest("the request body is empty; send a JSON object such as %s", example)
	}
	if !utf8.Valid(data) {
		return nil, badRequest("the request body is not valid UTF-8")
	}
	return data, nil
}

// jsonError turns a decoding error into a 400 that says where the problem is.
func jsonError(err error) *apiError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return badRequest("malformed JSON at byte %d: %v", se.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: the body ends too soon")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return badRequest("the request body must be a JSON object, not %s", te.Value)
		}
		return badRequest("field %q must be %s, not %s", field, jsonKind(te.Type.Kind().String()), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown field %s; the fields are question, k, filters (outlet, from, to) and history", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return badRequest("malformed JSON: %v", err)
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64":
		return "an integer"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct":
		return "an object"
	default:
		return goKind
	}
}

// searchRequest builds and validates a request from GET /api/search's query
// string: q, k, outlet, from, to.
func searchRequest(rawQuery string) (rag.Request, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return rag.Request{}, badRequest("malformed query string: %v", err)
	}
	for name, vals := range q {
		for _, v := range vals {
			if !utf8.ValidString(v) {
				return rag.Request{}, badRequest("query parameter %q is not valid UTF-8", name)
			}
		}
	}
	req := rag.Request{Question: q.Get("q")}
	if ks := q.Get("k"); ks != "" {
		k, err := strconv.Atoi(ks)
		if err != nil {
			return rag.Request{}, badRequest("k must be an integer between 1 and %d, got %q", rag.MaxK, ks)
		}
		if k < 1 || k > rag.MaxK {
			return rag.Request{}, badRequest("k must be between 1 and %d, got %d", rag.MaxK, k)
		}
		req.K = k
	}
	req.Filters.Outlet = q.Get("outlet")
	if req.Filters.From, err = rag.ParseFrom("from", q.Get("from")); err != nil {
		return rag.Request{}, err
	}
	if req.Filters.To, err = rag.ParseTo("to", q.Get("to")); err != nil {
		return rag.Request{}, err
	}
	if err := req.Validate(); err != nil {
		return rag.Request{}, err
	}
	return req, nil
}
