package ingest

// SetAfterSave makes p call fn after each saved batch with the number of
// results it saved: the crash test's trigger.
func SetAfterSave(p *Pipeline, fn func(results int)) { p.afterSave = fn }

// Waiting returns how many fetch workers wait for a parse slot and how
// many wait, with a parsed result in hand, for the pending budget.
func Waiting(p *Pipeline) (forParse, forBudget int) {
	return p.parsing.waiters(), p.pending.waiters()
}

// SetOnFull makes p's scheduler call fn each time it waits for room to
// claim feeds (it holds as many unsaved feeds as it may).
func SetOnFull(p *Pipeline, fn func()) { p.onFull = fn }
