// Package llm builds the rag.Generator for a configured LLM provider:
// OpenAI and compatible servers (vLLM, llama.cpp, LM Studio), Ollama,
// Anthropic and Google. It holds the provider SDKs, so that package rag,
// which only needs langchaingo's llms.Model interface, does not.
package llm
