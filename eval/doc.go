// Package eval scores the story engine against reference data: ROUGE for
// summaries (rouge*.go) and clustering metrics for stories (cluster*.go).
// It is used by tests and by the digest-eval command, never by the product.
package eval
