// Package testfake holds the test doubles newsrag's packages share: a
// deterministic embedder that needs no model, and a tiny corpus with known
// contents. It is internal and used only by tests.
package testfake
