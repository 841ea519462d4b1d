// Package web is newsrag's HTTP face: an Echo server with a JSON API, a
// Server-Sent Events stream of answers as they are written, an
// OpenAI-compatible chat completions API under /v1, a Model Context
// Protocol server at /mcp (also served over stdio by [ServeMCP]),
// Prometheus metrics, an OpenAPI document and the chat page (embedded from
// static/, no build step).
//
// Each face translates its protocol to calls on a [Pipeline] (satisfied by
// *rag.Engine) and back; none holds retrieval or answering logic. The
// middleware stack adds request IDs, panic recovery, structured logs, gzip
// compression (answer streams flushed per event), body and answer size
// limits, per-request timeouts (not applied to streams), secure headers with
// a Content-Security-Policy, an optional bearer API key (on /api, /v1 and
// /mcp alike), CORS when configured and a per-client rate limit keyed by the
// real remote address.
//
// Every error is a JSON body {"error": {"code", "message"}}, with one
// exception the server cannot control: requests net/http refuses before any
// handler runs get its plain-text answer. Those are a request line it
// cannot parse (400, e.g. "GET /api/articles/%"), a missing Host header
// (400), and headers over 1 MiB (431; headers over 64 KiB but under 1 MiB
// get a JSON 431).
//
// Typical use, from cmd:
//
//	srv, err := web.New(engine, web.Config{Addr: addr, APIKey: key, Logger: log})
//	if err != nil { ... }
//	err = srv.Run(ctx) // returns after ctx is cancelled and the server has shut down
package web
