// Package embed turns text into unit-length vectors for retrieval.
//
// It holds the built-in Universal Sentence Encoder lite model (weights fetch,
// SentencePiece tokenizer and a pure-Go transformer), remote embedding
// providers (OpenAI-compatible servers and Ollama), and the Fingerprint that
// an index stores so vectors from different models are never mixed.
//
// Every embedder implements langchaingo's embeddings.Embedder, so the
// built-in model and remote providers are interchangeable. The package knows
// nothing about articles or indexes.
package embed
