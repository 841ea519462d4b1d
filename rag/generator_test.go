package rag

import (
	"context"
	"errors"
	"testing"

	"github.com/newsrag/newsrag/internal/testfake"
)

func TestGeneratorNoRetryAfterFirstToken(t *testing.T) {
	f := &testfake.LLM{Reply: "one two three four", FailAfter: 2, Err: errors.New("connection reset: status code: 502")}
	g := NewGenerator(f, "fake/x", GenerateConfig{Retries: 3})
	var got string
	_, err := g.Stream(context.Background(), nil, func(s string) { got += s })
	if err == nil || f.Calls() != 1 || got != "one two " {
		t.Errorf("err %v, calls %d, streamed %q", err, f.Calls(), got)
	}
	f2 := &testfake.LLM{Reply: "one two", FailAfter: 0, Err: errors.New("API returned unexpected status code: 503")}
	g2 := NewGenerator(f2, "fake/x", GenerateConfig{Retries: 2})
	if _, err := g2.Stream(context.Background(), nil, nil); err == nil || f2.Calls() != 3 {
		t.Errorf("before first token: err %v, calls %d, want 3", err, f2.Calls())
	}
}
