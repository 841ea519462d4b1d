// Package corpus holds the articles newsrag ships as its default corpus and
// the loader that reads a user's directory of articles (Markdown with
// optional YAML front matter, plain text, HTML and PDF).
//
// It knows files and formats; it knows nothing about vectors or indexes.
package corpus
