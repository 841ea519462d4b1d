// Package rag is newsrag's retrieval-augmented answering pipeline: it splits
// articles into chunks, keeps them in a hybrid index (chromem-go vectors plus
// a BM25 lexical index) persisted as one versioned file, retrieves passages
// for a question, and answers it with numbered citations, either through a
// langchaingo llms.Model or, offline, with an extractive answerer.
//
// It is the only package that knows what an answer with citations is. The
// CLI and the web server both call the same Engine. Beside it, rag/llm
// builds a Generator for each LLM provider (so rag itself pulls in no
// provider SDK) and rag/eval measures retrieval and answers on benchmarks.
package rag
