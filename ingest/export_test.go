package ingest

// SetAfterSave makes p call fn after each saved batch with the number of
// results it saved: the crash test's trigger.
func SetAfterSave(p *Pipeline, fn func(results int)) { p.afterSave = fn }
