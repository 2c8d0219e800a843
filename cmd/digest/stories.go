package main

import (
	"log/slog"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/story"
)

// A warm engine regroups its window in canonical order (Recluster) once
// no article has come for reclusterIdle, so that its stories do not
// depend on the order concurrent fetches saved a burst of articles in;
// only while the window holds at most reclusterMax articles (about 40 s
// of a core at 30,000 on the shared 2-core machine, repeated at most once
// in twenty times that).
const (
	reclusterIdle = 5 * time.Second
	reclusterMax  = 30_000
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
	s := ingest.NewStories(st, opts, log)
	s.SetRecluster(reclusterIdle, reclusterMax)
	return s, nil
}
