package llm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/newsrag/newsrag/rag"
)

// streamGuard is the transport of the OpenAI-compatible provider. The
// client library reads a streamed chat completion leniently: it ends
// quietly at the end of the body whether or not the stream's terminator
// ("data: [DONE]") came, skips lines that are not JSON events, and reads an
// HTML page or a whole (non-streamed) completion as an empty stream. The
// guard makes those cases explicit:
//
//   - an event stream that ends without its terminator fails with
//     rag.ErrIncomplete, and one with an event that is not JSON fails;
//   - a whole completion (a server that ignores "stream": true) is turned
//     into the equivalent event stream, so its answer is used;
//   - any other body (an HTML error page from a proxy, say) fails.
type streamGuard struct{ base http.RoundTripper }

// maxWholeReply bounds a non-streamed completion read into memory.
const maxWholeReply = 8 << 20

func (t streamGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(req.URL.Path, "/chat/completions") {
		return resp, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch mt {
	case "text/event-stream":
		resp.Body = &sseCheck{r: bufio.NewReader(resp.Body), body: resp.Body}
		return resp, nil
	case "application/json":
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxWholeReply))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read completion: %w", err)
		}
		events, err := asEvents(b)
		if err != nil {
			resp.Body = failing{err}
			return resp, nil
		}
		resp.Body = io.NopCloser(bytes.NewReader(events))
		resp.ContentLength = int64(len(events))
		resp.Header.Set("Content-Type", "text/event-stream")
		return resp, nil
	default:
		// The client hides transport errors behind a generic message, so
		// the failure is reported by reading the body.
		resp.Body.Close()
		resp.Body = failing{fmt.Errorf("%w: the server answered with %q, not an event stream", rag.ErrEmptyReply, resp.Header.Get("Content-Type"))}
		return resp, nil
	}
}

// failing is a body whose reads fail with err.
type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }
func (f failing) Close() error             { return nil }

// asEvents turns a whole chat completion into the event stream that would
// have carried it.
func asEvents(body []byte) ([]byte, error) {
	var c struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(body, &c); err != nil || len(c.Choices) == 0 {
		return nil, fmt.Errorf("%w: the completion is not a chat completion", rag.ErrEmptyReply)
	}
	stop := c.Choices[0].FinishReason
	if stop == "" {
		stop = "stop"
	}
	ev, err := json.Marshal(map[string]any{"choices": []any{map[string]any{
		"index": 0, "delta": map[string]string{"content": c.Choices[0].Message.Content}, "finish_reason": stop,
	}}})
	if err != nil {
		return nil, err
	}
	return []byte("data: " + string(ev) + "\n\ndata: [DONE]\n\n"), nil
}

// sseCheck passes an event stream through, line by line, failing a read
// when an event is not JSON or the body ends before "data: [DONE]".
type sseCheck struct {
	r    *bufio.Reader
	body io.Closer
	buf  []byte // the rest of the line being delivered
	done bool   // the terminator was seen
	err  error  // returned once buf is delivered
}

func (s *sseCheck) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		line, err := s.r.ReadBytes('\n')
		switch {
		case err == io.EOF && len(line) > 0:
			// A last line without its newline was cut off.
			s.err = fmt.Errorf("%w: the event stream broke off mid-line", rag.ErrIncomplete)
			return 0, s.err
		case err == io.EOF && !s.done:
			s.err = fmt.Errorf("%w: the event stream ended without data: [DONE]", rag.ErrIncomplete)
		case err != nil:
			s.err = err
		}
		if len(line) > 0 {
			if cerr := s.check(line); cerr != nil {
				s.err = cerr
				return 0, cerr
			}
			s.buf = line
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// check validates one line of the stream.
func (s *sseCheck) check(line []byte) error {
	data, ok := strings.CutPrefix(strings.TrimSpace(string(line)), "data:")
	if !ok {
		return nil
	}
	data = strings.TrimSpace(data)
	switch {
	case data == "[DONE]":
		s.done = true
	case !json.Valid([]byte(data)):
		return fmt.Errorf("%w: an event of the stream is not JSON: %.80q", rag.ErrEmptyReply, data)
	}
	return nil
}

func (s *sseCheck) Close() error { return s.body.Close() }
