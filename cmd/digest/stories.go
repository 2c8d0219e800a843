package main

import (
	"log/slog"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/story"
)

// newStorySink returns the story engine's side of the pipeline, configured
// as the batch command "digest cluster" runs it (entity tagger and story
// summarizer included).
func newStorySink(st digest.Store, log *slog.Logger) (*ingest.Stories, error) {
	opts, err := story.Standard()
	if err != nil {
		return nil, err
	}
	opts.Now = time.Now // a far-future date must not freeze the engine's clock
	return ingest.NewStories(st, opts, log), nil
}
