package rag

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on. Errors returned by the Engine wrap one
// of these with context; test with errors.Is.
var (
	// ErrBadRequest: the request is invalid (empty question, k out of
	// range, bad filter…). The message says what to fix.
	ErrBadRequest = errors.New("bad request")
	// ErrNotFound: the named article does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNotReady: the index is still being loaded or built.
	ErrNotReady = errors.New("index not ready")
	// ErrLLM: the language model provider failed. Use errors.As with
	// *LLMError for the provider's status and reason.
	ErrLLM = errors.New("llm provider failed")
	// ErrEmptyReply: the model's reply held no text (an invalid or empty
	// body); it comes wrapped in an *LLMError.
	ErrEmptyReply = errors.New("the model's reply held no text")
	// ErrIncomplete: the model's reply stopped before its end (the stream
	// broke off, or the timeout cut it); it comes wrapped in an *LLMError.
	ErrIncomplete = errors.New("the model's reply stopped before its end")
	// ErrIndexCorrupt: the index file is truncated, corrupted or of an
	// unknown version.
	ErrIndexCorrupt = errors.New("index file corrupt")
	// ErrEmbedderMismatch: the index was built with a different embedder.
	ErrEmbedderMismatch = errors.New("index built with a different embedder")
)

// LLMError describes a failed call to a language model provider.
type LLMError struct {
	Provider string // e.g. "openai", "ollama"
	// Status is the provider's HTTP status, or 0 when the provider could
	// not be reached or the call timed out.
	Status  int
	Timeout bool // the call's deadline passed
	Err     error
}

func (e *LLMError) Error() string {
	switch {
	case e.Timeout:
		return fmt.Sprintf("llm %s: timed out: %v", e.Provider, e.Err)
	case e.Status != 0:
		return fmt.Sprintf("llm %s: status %d: %v", e.Provider, e.Status, e.Err)
	default:
		return fmt.Sprintf("llm %s: %v", e.Provider, e.Err)
	}
}

// Unwrap lets errors.Is match both ErrLLM and the underlying error.
func (e *LLMError) Unwrap() []error { return []error{ErrLLM, e.Err} }
