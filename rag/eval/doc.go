// Package eval measures newsrag's retrieval and answers on a benchmark: a
// directory with corpus/ (any format the corpus loader reads) and
// questions.jsonl (questions with gold answers and source articles). It
// builds or reuses a cached index, runs each retriever over every
// question, scores recall, article hits, MRR and latency, optionally asks
// every question through rag.Engine.Ask and scores the answers, and writes
// the report as text tables, JSON or HTML.
package eval
