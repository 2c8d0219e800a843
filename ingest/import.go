package ingest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/feed"
	"github.com/occasional-digest/digest/fetch"
)

// ImportStore is what background OPML imports need of a store (the SQLite
// and PostgreSQL stores have it, see sqlstore/jobs.go).
type ImportStore interface {
	CreateImport(ctx context.Context, userID int64, opml []byte) (int64, error)
	ImportJob(ctx context.Context, userID, id int64) (*digest.ImportJob, error)
	ImportOutlines(ctx context.Context, userID, id int64, after, limit int, outcomes ...digest.ImportOutcome) ([]digest.ImportOutline, error)
	UnfinishedImports(ctx context.Context) ([]int64, error)
	ImportInput(ctx context.Context, id int64) (userID int64, state digest.ImportState, opml []byte, err error)
	StartImport(ctx context.Context, id int64, outlines []digest.ImportOutline) error
	PendingOutlines(ctx context.Context, id int64, after, limit int) ([]digest.ImportOutline, error)
	SubscribeOutlines(ctx context.Context, id, userID int64, outlines []digest.ImportOutline, now time.Time) error
	FinishImport(ctx context.Context, id int64, failure string) error
}

// Imports runs OPML imports as background jobs: Import stores the file and
// returns at once; a worker reads it, stores its outlines and subscribes
// them in batches, recording each one's outcome, and resumes after a
// restart where it stopped. One import runs at a time, oldest first.
type Imports struct {
	store ImportStore
	nudge func()
	log   *slog.Logger
	now   func() time.Time

	mu       sync.Mutex
	finished []func(userID int64)

	wake   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// OnFinish adds f to what is called (in the worker's goroutine) once an
// import ends, done or failed: the web server drops what it caches of
// the user's feeds then, once, rather than on every view of the job.
func (im *Imports) OnFinish(f func(userID int64)) {
	im.mu.Lock()
	im.finished = append(im.finished, f)
	im.mu.Unlock()
}

func (im *Imports) finish(ctx context.Context, id, userID int64, failure string) error {
	if err := im.store.FinishImport(ctx, id, failure); err != nil {
		return err
	}
	im.mu.Lock()
	fs := im.finished
	im.mu.Unlock()
	for _, f := range fs {
		f(userID)
	}
	return nil
}

// importBatch is how many outlines are subscribed between two records of
// progress (a restart redoes at most that many).
const importBatch = 200

// NewImports returns the import runner over store; nudge (may be nil) is
// called when an import added feeds, so that the scheduler fetches them.
func NewImports(store ImportStore, nudge func(), log *slog.Logger) *Imports {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if nudge == nil {
		nudge = func() {}
	}
	return &Imports{store: store, nudge: nudge, log: log.With("component", "import"), now: time.Now, wake: make(chan struct{}, 1)}
}

// Start runs the worker until ctx ends or Close: it resumes the imports a
// previous run left unfinished, then takes new ones as they come.
func (im *Imports) Start(ctx context.Context) {
	// Its reads run apart from the readers' (digest.WithBackground).
	ctx, im.cancel = context.WithCancel(digest.WithBackground(ctx))
	im.wg.Add(1)
	go func() {
		defer im.wg.Done()
		im.loop(ctx)
	}()
	im.poke()
}

// Close stops the worker and waits for it; an import under way is resumed
// by the next Start.
func (im *Imports) Close() error {
	if im.cancel != nil {
		im.cancel()
	}
	im.wg.Wait()
	return nil
}

func (im *Imports) poke() {
	select {
	case im.wake <- struct{}{}:
	default:
	}
}

// Import stores an OPML file as a new import of the user's and returns
// its ID; the worker takes it at once.
func (im *Imports) Import(ctx context.Context, userID int64, opml []byte) (int64, error) {
	if len(opml) > feed.MaxOPMLSize {
		return 0, digest.Errorf(digest.EINVALID, "import OPML: the file is larger than %d MB", feed.MaxOPMLSize>>20)
	}
	id, err := im.store.CreateImport(ctx, userID, opml)
	if err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	im.poke()
	return id, nil
}

// Job returns one of the user's imports with its progress. ENOTFOUND.
func (im *Imports) Job(ctx context.Context, userID, id int64) (*digest.ImportJob, error) {
	return im.store.ImportJob(ctx, userID, id)
}

// Outlines lists outlines of one of the user's imports after seq after
// (-1: from the first), only those of the given outcomes if any. ENOTFOUND.
func (im *Imports) Outlines(ctx context.Context, userID, id int64, after, limit int, outcomes ...digest.ImportOutcome) ([]digest.ImportOutline, error) {
	return im.store.ImportOutlines(ctx, userID, id, after, limit, outcomes...)
}

func (im *Imports) loop(ctx context.Context) {
	backoff := time.Second
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-im.wake:
		}
		err := im.runAll(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			backoff, failures = time.Second, 0
			continue
		}
		failures++
		if failures == 1 || failures%10 == 0 {
			im.log.Error("import", "err", err, "failures", failures, "retry_in", backoff)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, time.Minute)
		im.poke()
	}
}

// runAll runs every unfinished import to its end.
func (im *Imports) runAll(ctx context.Context) error {
	ids, err := im.store.UnfinishedImports(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := im.run(ctx, id); err != nil {
			return fmt.Errorf("import %d: %w", id, err)
		}
	}
	return nil
}

// run reads an import's file if that is not done yet, then subscribes its
// pending outlines a batch at a time, and marks it done.
func (im *Imports) run(ctx context.Context, id int64) error {
	userID, state, opml, err := im.store.ImportInput(ctx, id)
	if err != nil {
		return err
	}
	if state == digest.ImportQueued {
		outlines, problems, err := feed.ParseOPML(bytes.NewReader(opml))
		if err != nil {
			im.log.Info("import refused", "import", id, "err", err)
			return im.finish(ctx, id, userID, digest.ErrorMessage(err))
		}
		items := make([]digest.ImportOutline, 0, len(outlines)+len(problems))
		for _, o := range outlines {
			items = append(items, digest.ImportOutline{Seq: len(items), URL: o.URL, Title: o.Title, SiteURL: o.SiteURL, Category: o.Category})
		}
		for _, p := range problems {
			items = append(items, digest.ImportOutline{Seq: len(items), Outcome: digest.OutlineBroken, Reason: digest.ErrorMessage(p)})
		}
		if err := im.store.StartImport(ctx, id, items); err != nil {
			return err
		}
		im.log.Info("import started", "import", id, "outlines", len(outlines), "broken", len(problems))
	}
	added, after := 0, -1
	for {
		batch, err := im.store.PendingOutlines(ctx, id, after, importBatch)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for i := range batch {
			if err := fetch.CheckURL(batch[i].URL); err != nil {
				batch[i].Outcome, batch[i].Reason = digest.OutlineRefused, digest.ErrorMessage(err)
			}
		}
		if err := im.store.SubscribeOutlines(ctx, id, userID, batch, im.now()); err != nil {
			return err
		}
		for _, o := range batch {
			if o.Outcome == digest.OutlineAdded {
				added++
			}
		}
		after = batch[len(batch)-1].Seq
		if added > 0 {
			im.nudge()
		}
	}
	if err := im.finish(ctx, id, userID, ""); err != nil {
		return err
	}
	im.log.Info("import done", "import", id)
	return nil
}
