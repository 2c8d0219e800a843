package main

import (
	"log/slog"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
)

// newStorySink returns the story engine's side of the pipeline.
func newStorySink(st digest.Store, log *slog.Logger) ingest.StorySink {
	return nil // wired when package story lands
}
