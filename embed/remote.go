package embed

// The remote embedders speak HTTP with net/http directly rather than through
// langchaingo's provider clients: each API is a single JSON POST, and doing
// it here keeps control over batching, per-request timeouts, the error text
// (status code plus the server's own message) and the fingerprint's
// dimension, without pulling in the heavier client packages.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults shared by the remote embedders, taken by zero fields of
// OpenAIConfig and OllamaConfig.
const (
	// DefaultBatchSize is the number of texts sent per request.
	DefaultBatchSize = 64
	// DefaultTimeout bounds each request.
	DefaultTimeout = 60 * time.Second
)

const maxErrorBody = 1 << 10 // bytes of an error body quoted in errors

// StatusError is returned (wrapped) when an embedding server answers with a
// non-2xx status. Message is the server's error message when it sent one in
// a known JSON shape, else the start of the response body.
type StatusError struct {
	URL        string
	StatusCode int
	Message    string
}

// Error implements error.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("POST %s: %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// postJSON POSTs in as JSON to url with an optional bearer token and
// decodes a 2xx response into out. The request is bounded by timeout.
func postJSON(ctx context.Context, client *http.Client, timeout time.Duration, url, apiKey string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return fmt.Errorf("POST %s: no answer within %v: %w", url, timeout, err)
		}
		return fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return &StatusError{URL: url, StatusCode: resp.StatusCode, Message: serverMessage(b)}
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("POST %s: decode response: %w", url, err)
	}
	return nil
}

// serverMessage extracts the error message from an error body: OpenAI's
// {"error":{"message":…}}, Ollama's {"error":"…"}, or the raw text.
func serverMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &v) == nil {
		var s string
		if json.Unmarshal(v.Error, &s) == nil && s != "" {
			return s
		}
		var obj struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(v.Error, &obj) == nil && obj.Message != "" {
			return obj.Message
		}
		if v.Message != "" {
			return v.Message
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > maxErrorBody {
		s = s[:maxErrorBody] + "…"
	}
	return s
}

// batchEmbed splits texts into batches of size n, embeds each with call,
// checks that every vector has the same, non-zero dimension (recorded in
// dim) and normalises the vectors to unit length.
func batchEmbed(ctx context.Context, texts []string, n int, dim *atomic.Int64, call func(context.Context, []string) ([][]float32, error)) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch := texts[start:min(start+n, len(texts))]
		vs, err := call(ctx, batch)
		if err != nil {
			return nil, err
		}
		if len(vs) != len(batch) {
			return nil, fmt.Errorf("server returned %d embeddings for %d texts", len(vs), len(batch))
		}
		for i, v := range vs {
			if len(v) == 0 {
				return nil, fmt.Errorf("server returned an empty embedding for text %d", start+i)
			}
			d := int64(len(v))
			if have := dim.Load(); have != 0 && have != d {
				return nil, fmt.Errorf("server returned a %d-d embedding, earlier ones were %d-d", d, have)
			}
			dim.Store(d)
			Normalize(v)
		}
		out = append(out, vs...)
	}
	return out, nil
}

// nonEmpty replaces empty texts, which some servers reject, by one space.
// texts itself is not modified.
func nonEmpty(texts []string) []string {
	var out []string
	for i, t := range texts {
		if t == "" {
			if out == nil {
				out = slices.Clone(texts)
			}
			out[i] = " "
		}
	}
	if out == nil {
		return texts
	}
	return out
}
