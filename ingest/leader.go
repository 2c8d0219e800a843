package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Lock is held by at most one process at a time among those sharing a
// database: store/postgres's advisory lock (postgres.DB.Lock).
type Lock interface {
	// TryLock tries once to take the lock. ok is false when another
	// process holds it. When taken, lost is closed once the lock is no
	// longer held (the connection holding it ended), and release gives
	// it up.
	TryLock(ctx context.Context) (lost <-chan struct{}, release func(), ok bool, err error)
}

// ErrNotLeader is what Leader.Add returns while this process does not run
// the story engine: the articles' story step stays queued for the one
// that does.
var ErrNotLeader = errors.New("the story engine runs in another process")

// LeaderOptions tune a Leader. The zero value means the defaults.
type LeaderOptions struct {
	// Retry is the wait between two tries to take the lock while another
	// process holds it or the database fails. Default 2s: a standby takes
	// over within that of the holder's end.
	Retry  time.Duration
	Logger *slog.Logger
	// Now returns the current time (the warm-up's); default time.Now.
	Now func() time.Time
}

// Leader runs the story engine in exactly one of the processes that share
// a database: the one holding lock. It is the pipeline's StorySink (and a
// Warmer): while this process leads and its engine is warm it passes
// articles to the engine; otherwise their story step stays queued in the
// store, for the leader, or for this process once it leads. Each term
// starts a fresh engine from fresh() and warms it from the store, since
// another process may have changed the stories meanwhile.
//
// A holder that loses its lock (its connection ended) stops passing
// articles at once; a story step already under way finishes first, and
// may so overlap with a new leader's warm-up by one step.
type Leader struct {
	lock  Lock
	fresh func() *Stories
	opts  LeaderOptions
	log   *slog.Logger

	mu      sync.RWMutex // held for reading by Add
	cur     *Stories     // the engine of this term, nil while standing by
	changed chan struct{}

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewLeader returns a Leader that runs engines made by fresh under lock.
// Start makes it try for the lock.
func NewLeader(lock Lock, fresh func() *Stories, opts LeaderOptions) *Leader {
	if opts.Retry <= 0 {
		opts.Retry = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Leader{lock: lock, fresh: fresh, opts: opts, log: opts.Logger.With("component", "stories"),
		changed: make(chan struct{})}
}

// Start tries for the lock in the background, until Close or ctx ends,
// and runs the engine while it holds it.
func (l *Leader) Start(ctx context.Context) {
	// Its reads run apart from the readers' (digest.WithBackground).
	ctx, l.cancel = context.WithCancel(digest.WithBackground(ctx))
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.run(ctx)
	}()
}

// Close stops leading (releasing the lock) or standing by, and waits.
func (l *Leader) Close() error {
	if l.cancel != nil {
		l.cancel()
	}
	l.wg.Wait()
	return nil
}

func (l *Leader) run(ctx context.Context) {
	failing := false
	for ctx.Err() == nil {
		lost, release, ok, err := l.lock.TryLock(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			if !failing {
				l.log.Error("story engine lock", "err", err)
			}
			failing = true
		case ok:
			failing = false
			l.lead(ctx, lost)
			release()
			// Waits before trying again, as a standby does: after a
			// loss, one that was waiting longer may take over.
		}
		t := time.NewTimer(l.opts.Retry)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// lead runs one term: a fresh engine, warmed, until the lock is lost or
// ctx ends.
func (l *Leader) lead(ctx context.Context, lost <-chan struct{}) {
	s := l.fresh()
	s.Warm(ctx, l.opts.Now())
	l.set(s)
	l.log.Info("story engine: leading")
	select {
	case <-lost:
		l.log.Warn("story engine: lock lost; standing by")
		l.set(nil) // waits for an Add under way
		s.Abandon()
		return
	case <-ctx.Done():
	}
	l.set(nil) // waits for an Add under way
	if err := s.Close(); err != nil {
		l.log.Error("story engine: snapshot at the end of the term", "err", err)
	}
}

func (l *Leader) set(s *Stories) {
	l.mu.Lock()
	l.cur = s
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// Leading reports whether this process runs the story engine now.
func (l *Leader) Leading() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cur != nil
}

// Ready returns a channel closed once this process leads with a warm
// engine: while standing by, one closed when it starts leading (the
// pipeline then asks again). It implements Warmer.
func (l *Leader) Ready() <-chan struct{} {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.cur == nil {
		return l.changed
	}
	return l.cur.Ready()
}

// Warming reports whether this process leads with an engine still
// warming, with its progress (see Stories.Warming). A standby is not
// warming: it serves and fetches as it is.
func (l *Leader) Warming() (warming bool, loaded, total int64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.cur == nil {
		return false, 0, 0
	}
	return l.cur.Warming()
}

// Unsettled is Stories.Unsettled of the engine of this term (0 while
// standing by).
func (l *Leader) Unsettled() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.cur == nil {
		return 0
	}
	return l.cur.Unsettled()
}

// Add passes articles to the engine of this term; ErrNotLeader while
// standing by.
func (l *Leader) Add(ctx context.Context, ids []int64) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.cur == nil {
		return ErrNotLeader
	}
	return l.cur.Add(ctx, ids)
}

var (
	_ StorySink = (*Leader)(nil)
	_ Warmer    = (*Leader)(nil)
)
