package ingest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	digest "github.com/occasional-digest/digest"
)

// pacer makes background work (post-processing, story batches) give way
// to readers. The worker calls wait before each piece of work: while no
// reader's request is being served it returns at once; while readers are
// served, once the work done since the last pause reaches paceQuantum, it
// pauses for paceRatio times that work (at most paceMaxPause), or until
// the readers are all served. So while readers keep the server busy the
// background work takes about 1/(1+paceRatio) of the time: it slows down
// but always progresses, and it never waits for a server that is idle.
//
// On two cores, fifty readers and the post-processing of a refresh share
// the CPU and the writer; a reader's page that waits behind a story batch
// (the engine's work, then a commit per story, each of which makes the
// readers' kept pages stale) is what made the readers' p99 while the post
// queue was worked off.
type pacer struct {
	readers *digest.Readers // nil: never paces
	now     func() time.Time
	// sleep waits for d, for idle to close or for ctx to end.
	sleep func(ctx context.Context, d time.Duration, idle <-chan struct{})

	mu    sync.Mutex
	since time.Time // the start of the work not yet paid for by a pause
	busy  bool      // readers were served at the last wait

	pauses atomic.Int64 // pauses made
	paused atomic.Int64 // nanoseconds they were meant to last
}

const (
	// paceQuantum is the work done between two pauses at least: pausing
	// after every small step would cost more timers than it saves.
	paceQuantum = 20 * time.Millisecond
	// paceRatio is the pause per unit of work done while readers are
	// served: background work gets a quarter of the time then.
	paceRatio = 3
	// paceMaxPause bounds one pause (a long batch does not stop the
	// work for longer).
	paceMaxPause = 2 * time.Second
)

func newPacer(readers *digest.Readers) *pacer {
	return &pacer{readers: readers, now: time.Now, sleep: sleepOrIdle}
}

// sleepOrIdle waits for d, idle's closing or the end of ctx.
func sleepOrIdle(ctx context.Context, d time.Duration, idle <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-idle:
	case <-t.C:
	}
}

// wait paces the caller's next piece of work (see pacer). It returns
// false when ctx ended.
func (p *pacer) wait(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	if p == nil || p.readers == nil {
		return true
	}
	p.mu.Lock()
	now := p.now()
	busy, wasBusy := p.readers.Busy(), p.busy
	p.busy = busy
	if !busy || !wasBusy {
		// Work done while nobody waited is not paid for: the count
		// starts when readers are first seen.
		p.since = now
		p.mu.Unlock()
		return true
	}
	worked := now.Sub(p.since)
	if worked < paceQuantum {
		p.mu.Unlock()
		return true
	}
	d := min(paceRatio*worked, paceMaxPause)
	p.pauses.Add(1)
	p.paused.Add(int64(d))
	// Held while pausing: concurrent callers pause once, together.
	p.sleep(ctx, d, p.readers.Idle())
	p.since = p.now()
	p.mu.Unlock()
	return ctx.Err() == nil
}

// PaceStats counts the pauses background work made for readers (see
// Options.Readers) and the time they were meant to last.
type PaceStats struct {
	Pauses int64
	Paused time.Duration
}

// PaceStats returns the pauses post-processing made for readers.
func (p *Pipeline) PaceStats() PaceStats {
	pc := p.post.pace
	return PaceStats{Pauses: pc.pauses.Load(), Paused: time.Duration(pc.paused.Load())}
}
