// Package weaviate keeps newsrag's chunks in a Weaviate cluster: a
// rag.RemoteStore that several newsrag processes share, for corpora larger
// than one machine's memory and for serving without a single point of
// failure.
//
// A corpus is one collection of chunk objects (the chunk text, its
// analysed terms for BM25, its article's title, outlet, date, URL and
// hash, and newsrag's own vector: no Weaviate vectoriser module) beside a
// companion collection holding each article's full text once, for quotes
// and the article view. Object IDs are UUIDv5 of the chunk and article IDs,
// so writing the same chunks again changes nothing. The embedder
// fingerprint and chunking are recorded in the chunk collection's
// description and checked by the engine.
//
// Search finds candidates with a BM25 query over newsrag's own analysed
// terms and a vector query (the outlet and date filters as Weaviate
// filters), counts the question terms' document frequencies with an
// aggregate query run alongside, fetches the score each candidate lacks
// from the other query, and fuses the exact scores with rag.Fuse, as the
// embedded index does: both stores rank alike. Re-ranking and everything
// after it is rag's shared code.
//
// With several node URLs, a request that fails to reach a node (refused
// connection, 5xx, a replica quorum not reached) is retried on the next.
package weaviate
