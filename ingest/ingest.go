// Package ingest is the pipeline: a scheduler and workers that fetch due
// feeds through the hardened client, parse them, and save entries with
// their fetch state through the store; then, for new articles, fetch and
// extract the article page when the feed carries only a summary, fetch
// site icons, and hand articles to the story engine.
//
// One writer goroutine batches the results of many feeds into one
// transaction, so the database never sees competing writers and a result
// is never dropped: the entries and the validators that describe them are
// saved together or not at all.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/feed"
	"github.com/occasional-digest/digest/fetch"
)

// Options configure a Pipeline.
type Options struct {
	Workers     int           // concurrent feed fetches; default 16
	MinInterval time.Duration // shortest time between two checks of one feed; default 15m
	MaxInterval time.Duration // longest; default 24h
	BatchSize   int           // results per store transaction at most; default 200
	// BatchBytes bounds a store transaction by the approximate size of
	// the parsed entries it saves (see PendingBytes); the writer commits
	// once a batch reaches it. Default 2 MiB (8 MiB when Shared).
	BatchBytes int64
	// PendingBytes bounds the approximate size of the parsed entries that
	// were fetched but are not saved yet: a fetch worker waits before
	// handing over a result that would exceed it, so a slow database
	// holds back fetching instead of growing memory. A single result
	// larger than the bound still passes when nothing else is pending.
	// Sizes count the entries' strings plus a fixed overhead per entry
	// and per result. Default 4 MiB (16 MiB when Shared): one batch
	// being saved while the next one is fetched. (It was 16 MiB with 8 MiB batches. Side by
	// side on the first refresh of 10,000 farm feeds, with SQLite's
	// smaller writer cache and the parse slots, the process peaked at
	// 65 MB instead of 112 MB, for 6-10% more CPU per feed with four
	// times as many transactions; wall time within 3%.)
	PendingBytes int64
	// Parsers is the number of feeds parsed at once, and so the number
	// of parsed feeds that may wait for PendingBytes outside it (see
	// budget_parse.go). Fetching is I/O and parsing is CPU work: many
	// fetch workers share a few parse slots. Default GOMAXPROCS.
	Parsers int
	// Extractors is the number of concurrent article-page fetches for
	// extraction; 0 means 2.
	Extractors int
	Logger     *slog.Logger
	// NoPostProcess turns off extraction, icons and stories (benchmarks
	// of raw feed ingestion); the store still queues them, for a later
	// pipeline.
	NoPostProcess bool
	// PostRetry is the wait after a post-processing step's first failure;
	// it doubles with each further one (at most 6h). Default 30s.
	PostRetry time.Duration
	// PostAttempts is the number of failures after which a step is given
	// up and recorded on the article. Default 8.
	PostAttempts int
	// Stories, when set, receives every new or changed article after
	// extraction.
	Stories StorySink
	// Now returns the current time; tests may set it. Default time.Now.
	Now func() time.Time
	// Owner names this pipeline on the feeds it leases (see
	// digest.ContentStore.ClaimFeeds): unique among the processes that
	// share a database. Default: host name, process ID and a random
	// suffix.
	Owner string
	// Lease is how long a claimed feed stays this pipeline's: time to
	// queue, fetch and save it. A feed whose lease ran out (its worker
	// died) is claimed again by any worker. Default 5m.
	Lease time.Duration
	// Readers, when set, counts the readers' requests being served (the
	// web server's): post-processing and story batches give way to them,
	// pausing while they are served for three times the work they did,
	// so that they take a quarter of the time then and never none (see
	// pacer). Nil: background work never pauses.
	Readers *digest.Readers
	// Shared says that other pipelines (worker processes) may share the
	// database. Otherwise this pipeline is alone on it (SQLite) and Start
	// ends every lease left, by a process that died, instead of waiting
	// for them to expire.
	Shared bool
}

func (o *Options) setDefaults() {
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.MinInterval <= 0 {
		o.MinInterval = 15 * time.Minute
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = 24 * time.Hour
	}
	if o.MaxInterval < o.MinInterval {
		o.MaxInterval = o.MinInterval
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 200
	}
	// Shared pipelines (PostgreSQL workers) keep the larger batches they
	// were tuned with: each transaction there costs round trips, and a
	// scale-out deployment has the memory. The small defaults are for
	// the single process on SQLite.
	if o.BatchBytes <= 0 {
		o.BatchBytes = 2 << 20
		if o.Shared {
			o.BatchBytes = 8 << 20
		}
	}
	if o.PendingBytes <= 0 {
		o.PendingBytes = 4 << 20
		if o.Shared {
			o.PendingBytes = 16 << 20
		}
	}
	if o.PendingBytes < o.BatchBytes {
		o.PendingBytes = o.BatchBytes
	}
	if o.Parsers <= 0 {
		o.Parsers = runtime.GOMAXPROCS(0)
	}
	if o.Extractors <= 0 {
		o.Extractors = 2
	}
	if o.PostRetry <= 0 {
		o.PostRetry = 30 * time.Second
	}
	if o.PostAttempts <= 0 {
		o.PostAttempts = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Owner == "" {
		o.Owner = leaseOwner()
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
}

// Pipeline fetches feeds and stores what they carry. Start runs it in the
// background; Close stops it and waits for its goroutines.
type Pipeline struct {
	store   digest.Store
	client  *fetch.Client
	opts    Options
	log     *slog.Logger
	post    *postProcessor
	policy  feed.Policy
	stories StorySink

	jobs    chan digest.Feed
	results chan fetched
	pending *budget     // bytes of the results fetched and not yet saved
	parsing *parseSlots // parsed results not yet under pending

	mu       sync.Mutex
	inFlight map[int64]bool // feeds claimed and not saved yet
	waiters  []*waiter
	// unfetched counts the feeds claimed and queued but not fetched yet,
	// and fetchedRate those fetched lately: see claimBound.
	unfetched   int
	fetchedRate savedRate

	wake chan struct{} // nudges the scheduler
	// full is set while the scheduler waits for room to claim (see
	// claimRoom): a fetch then nudges it.
	full atomic.Bool

	stats Stats

	afterSave func(results int) // a test's hook, called after each saved batch
	onFull    func()            // a test's hook, called when the scheduler waits for room to claim

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StorySink takes articles once they are stored and extracted: the story
// engine's side of the pipeline. A sink that is a Warmer gets articles
// only once it is ready; until then their story step stays queued.
type StorySink interface {
	Add(ctx context.Context, articleIDs []int64) error
}

// Stats counts what a pipeline has done since it started. Read with
// (*Pipeline).Stats.
type Stats struct {
	Fetched     atomic.Int64 // fetches finished (success or error)
	NotModified atomic.Int64 // 304 answers
	Errors      atomic.Int64 // failed fetches
	Created     atomic.Int64 // new articles
	Updated     atomic.Int64 // articles changed in place
	Batches     atomic.Int64 // store transactions
}

// StatsSnapshot is a copy of Stats.
type StatsSnapshot struct {
	Fetched, NotModified, Errors, Created, Updated, Batches int64
}

// New returns a pipeline over store fetching through client.
func New(store digest.Store, client *fetch.Client, opts Options) *Pipeline {
	opts.setDefaults()
	p := &Pipeline{
		store:  store,
		client: client,
		opts:   opts,
		log:    opts.Logger.With("component", "ingest"),
		// Claims take what the workers and this queue hold (see
		// queueDue): a queue of a few hundred keeps the workers busy
		// while the next claim's round trip runs, and makes a claim one
		// statement per few hundred feeds.
		jobs: make(chan digest.Feed, max(opts.Workers*4, 128)),
		// One batch waits while the writer saves the previous one: enough
		// to keep the writer busy. Memory is bounded by pending, in bytes.
		results:  make(chan fetched, opts.BatchSize),
		pending:  newBudget(opts.PendingBytes),
		parsing:  newParseSlots(opts.Parsers),
		inFlight: make(map[int64]bool),
		wake:     make(chan struct{}, 1),
	}
	p.post = newPostProcessor(p)
	p.policy = feed.DefaultPolicy()
	p.policy.Min, p.policy.Max = opts.MinInterval, opts.MaxInterval
	p.stories = opts.Stories
	return p
}

// Stats returns a snapshot of the pipeline's counters.
func (p *Pipeline) Stats() StatsSnapshot {
	return StatsSnapshot{
		Fetched:     p.stats.Fetched.Load(),
		NotModified: p.stats.NotModified.Load(),
		Errors:      p.stats.Errors.Load(),
		Created:     p.stats.Created.Load(),
		Updated:     p.stats.Updated.Load(),
		Batches:     p.stats.Batches.Load(),
	}
}

// Start runs the scheduler, the fetch workers, the writer and the
// post-processing in the background until Close or ctx ends.
func (p *Pipeline) Start(ctx context.Context) {
	// Its reads run apart from the readers' (digest.WithBackground).
	ctx, p.cancel = context.WithCancel(digest.WithBackground(ctx))
	var workers sync.WaitGroup
	for range p.opts.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			p.worker(ctx)
		}()
	}
	p.wg.Add(3)
	go func() {
		defer p.wg.Done()
		p.schedule(ctx)
	}()
	go func() {
		// The writer outlives the workers so that every fetched result
		// reaches the store before Close returns.
		defer p.wg.Done()
		workers.Wait()
		close(p.results)
	}()
	go func() {
		defer p.wg.Done()
		p.write(context.WithoutCancel(ctx))
	}()
	p.post.start(ctx)
}

// Close stops the pipeline and waits until every fetched result is saved.
func (p *Pipeline) Close() error {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
	p.post.wait()
	return nil
}

// Nudge makes the scheduler look for due feeds now.
func (p *Pipeline) Nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// schedule loads due feeds and queues them for the workers. It sleeps until
// the next feed is due (at most a minute) or until nudged.
func (p *Pipeline) schedule(ctx context.Context) {
	defer close(p.jobs)
	backoff := time.Second
	if !p.opts.Shared {
		for {
			err := p.store.ReleaseFeeds(ctx, "")
			if err == nil || ctx.Err() != nil {
				break
			}
			p.log.Error("end leases left by a previous run", "err", err, "retry_in", backoff)
			sleepCtx(ctx, backoff)
			backoff = min(backoff*2, time.Minute)
		}
		backoff = time.Second
	}
	for {
		if !p.roomToClaim() {
			if p.onFull != nil {
				p.onFull()
			}
			select {
			case <-ctx.Done():
				return
			case <-p.wake:
			}
			continue
		}
		n, err := p.queueDue(ctx)
		wait := time.Minute
		switch {
		case err != nil && ctx.Err() == nil:
			p.log.Error("load due feeds", "err", err)
			wait = backoff
			backoff = min(backoff*2, time.Minute)
		case n > 0:
			backoff = time.Second
			wait = 0 // there may be more due feeds than one query returns
		}
		if wait == 0 {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-p.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// queueDue claims due feeds (see digest.ContentStore.ClaimFeeds) and
// queues them for the workers; it blocks while the workers are busy,
// which is the pipeline's back-pressure. A claim takes what the workers
// and their queue hold, so that other worker processes on the same
// database get their share. Claims not queued when ctx ends are
// released.
func (p *Pipeline) queueDue(ctx context.Context) (int, error) {
	limit := p.claimRoom()
	if limit <= 0 {
		return 0, nil
	}
	feeds, err := p.store.ClaimFeeds(ctx, p.opts.Owner, p.opts.Now(), p.opts.Lease, limit)
	if err != nil {
		return 0, fmt.Errorf("claim due feeds: %w", err)
	}
	queued := 0
	for i, f := range feeds {
		p.mu.Lock()
		// A feed still in flight here had its lease run out: the save
		// under way ends the new one too.
		busy := p.inFlight[f.ID]
		if !busy {
			p.inFlight[f.ID] = true
			p.unfetched++
		}
		p.mu.Unlock()
		if busy {
			continue
		}
		select {
		case p.jobs <- f:
			queued++
		case <-ctx.Done():
			var left []int64
			for _, g := range feeds[i:] {
				p.mu.Lock()
				if g.ID == f.ID || !p.inFlight[g.ID] {
					left = append(left, g.ID)
				}
				p.mu.Unlock()
			}
			p.fetchDone() // f was counted, and is not queued
			p.done(f.ID)
			if err := p.store.ReleaseFeeds(context.WithoutCancel(ctx), p.opts.Owner, left...); err != nil {
				return queued, fmt.Errorf("release unqueued feeds: %w", err)
			}
			return queued, nil
		}
	}
	return queued, nil
}

// A pipeline holds at most claimBound leased feeds that it has not fetched
// yet: twice its fetch workers, plus the feeds it fetches in a second (four
// times those of the last claimWindow), at most what its workers and
// their queue hold. So a claim takes what the workers can fetch well
// within the lease (with four fetchers of a slow farm and a 3 s lease, a
// claim of 132 feeds left them queued past their lease, for another
// worker to fetch again), and leaves the rest to the other worker
// processes, while a fast refresh (all 304s) still claims a few hundred
// feeds at a time. Fetched results waiting for the writer do not count:
// the pending budget bounds them, and counting them made the fetchers
// wait for every save (smaller batches, three times the transactions).
func (p *Pipeline) claimBound() int {
	most := max(cap(p.jobs)+p.opts.Workers, 100)
	return min(most, 2*p.opts.Workers+4*p.fetchedRate.lastWindow(p.opts.Now(), p.claimWindow()))
}

// claimWindow is the span over which fetched feeds are counted for
// claimBound: a quarter of a second (an all-304 refresh of 10,000 feeds
// takes a few seconds: with a second, much of it ran on the bound of a
// pipeline that has saved nothing), or an eighth of a shorter lease.
func (p *Pipeline) claimWindow() time.Duration {
	return min(250*time.Millisecond, p.opts.Lease/8)
}

// claimRoom returns how many feeds the pipeline may claim now (see
// claimBound). p.mu must not be held.
func (p *Pipeline) claimRoom() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.claimBound() - p.unfetched
}

// roomToClaim reports whether a claim is worth its round trip: room for
// half the workers (one at least). When there is none, it marks the
// pipeline full, so that fetching a feed nudges the scheduler.
func (p *Pipeline) roomToClaim() bool {
	p.full.Store(true) // before looking: a save after it nudges
	if p.claimRoom() >= max(1, p.opts.Workers/2) {
		p.full.Store(false)
		return true
	}
	return false
}

// savedRate counts feeds (fetched ones) in fixed windows of time: the
// last full window tells how many the pipeline fetches in one.
type savedRate struct {
	start     time.Time // of the current window
	cur, prev int       // feeds saved in the current window and the one before
}

// roll moves the windows on to now.
func (r *savedRate) roll(now time.Time, window time.Duration) {
	switch d := now.Sub(r.start); {
	case d < 0 || d >= 2*window:
		r.start, r.cur, r.prev = now, 0, 0
	case d >= window:
		r.start, r.cur, r.prev = r.start.Add(window), 0, r.cur
	}
}

func (r *savedRate) add(now time.Time, window time.Duration, n int) {
	r.roll(now, window)
	r.cur += n
}

// lastWindow returns the feeds saved in the last full window.
func (r *savedRate) lastWindow(now time.Time, window time.Duration) int {
	r.roll(now, window)
	return r.prev
}

// fetchDone counts a queued feed as fetched (or given up): room for the
// next claim.
func (p *Pipeline) fetchDone() {
	p.mu.Lock()
	p.unfetched--
	p.fetchedRate.add(p.opts.Now(), p.claimWindow(), 1)
	p.mu.Unlock()
	if p.full.Load() {
		p.Nudge()
	}
}

func (p *Pipeline) inFlightCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.inFlight)
}

// done marks a feed as no longer in flight and releases waiters whose feeds
// are all done.
func (p *Pipeline) done(ids ...int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		delete(p.inFlight, id)
	}

	kept := p.waiters[:0]
	for _, w := range p.waiters {
		for _, id := range ids {
			delete(w.pending, id)
		}
		if len(w.pending) == 0 {
			close(w.ch)
			continue
		}
		kept = append(kept, w)
	}
	p.waiters = kept
}

type waiter struct {
	pending map[int64]bool
	ch      chan struct{}
}

// RefreshAndWait schedules the given feeds (all feeds if none) now and
// waits until each has been fetched and its result saved, or ctx ends.
func (p *Pipeline) RefreshAndWait(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		all, err := p.store.FeedIDs(ctx)
		if err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
		ids = all
	}
	if len(ids) == 0 {
		return nil
	}
	w := &waiter{pending: make(map[int64]bool, len(ids)), ch: make(chan struct{})}
	for _, id := range ids {
		w.pending[id] = true
	}
	p.mu.Lock()
	p.waiters = append(p.waiters, w)
	p.mu.Unlock()
	if err := p.store.ScheduleNow(ctx, ids...); err != nil {
		p.dropWaiter(w)
		return fmt.Errorf("refresh: %w", err)
	}
	p.Nudge()
	if !p.opts.Shared {
		select {
		case <-w.ch:
			return nil
		case <-ctx.Done():
			p.dropWaiter(w)
			return ctx.Err()
		}
	}
	// Other workers claim some of the feeds: a feed is done too once the
	// store shows it saved (no longer due at the time it was scheduled
	// for). A feed held by a worker that died is claimed by this one when
	// the lease ends; past twice the lease the wait ends with an error.
	at := p.opts.Now()
	limit := time.NewTimer(2 * p.opts.Lease)
	defer limit.Stop()
	tick := time.NewTicker(refreshPoll)
	defer tick.Stop()
	for {
		select {
		case <-w.ch:
			return nil
		case <-ctx.Done():
			p.dropWaiter(w)
			return ctx.Err()
		case <-limit.C:
			n := p.dropWaiter(w)
			if n == 0 {
				return nil
			}
			return fmt.Errorf("refresh: %d of %d feeds not saved within %s (twice the lease): held by other workers that have not saved them",
				n, len(ids), 2*p.opts.Lease)
		case <-tick.C:
			p.mu.Lock()
			left := make([]int64, 0, len(w.pending))
			for id := range w.pending {
				left = append(left, id)
			}
			p.mu.Unlock()
			due, err := p.store.StillDue(ctx, at, left...)
			if err != nil {
				if ctx.Err() == nil {
					p.log.Warn("refresh: check feeds saved by other workers", "err", err)
				}
				continue
			}
			still := make(map[int64]bool, len(due))
			for _, id := range due {
				still[id] = true
			}
			p.mu.Lock()
			for _, id := range left {
				if !still[id] {
					delete(w.pending, id)
				}
			}
			if len(w.pending) == 0 && p.removeWaiterLocked(w) {
				close(w.ch) // unless done released it first
			}
			p.mu.Unlock()
		}
	}
}

// refreshPoll is how often RefreshAndWait asks the store which of the
// feeds it waits for other workers saved.
const refreshPoll = 250 * time.Millisecond

// dropWaiter stops w from being released and returns the number of feeds
// it still waited for (0 if it was released meanwhile).
func (p *Pipeline) dropWaiter(w *waiter) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.removeWaiterLocked(w) {
		return 0
	}
	return len(w.pending)
}

// removeWaiterLocked removes w from the waiters; false if it was not
// there (released already). p.mu is held.
func (p *Pipeline) removeWaiterLocked(w *waiter) bool {
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// Refresh schedules the given feeds of the user (all of theirs if none)
// for a fetch now; feeds the user does not follow are ignored.
func (p *Pipeline) Refresh(ctx context.Context, userID int64, ids ...int64) error {
	if _, err := p.store.ScheduleUserFeeds(ctx, userID, ids...); err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	p.Nudge()
	return nil
}

var _ digest.FeedService = (*Pipeline)(nil)

// fetched is a fetch result on its way to the writer with its size as
// counted against the pending budget.
type fetched struct {
	res  digest.FetchResult
	size int64
}

func (p *Pipeline) worker(ctx context.Context) {
	for f := range p.jobs {
		res := p.fetchFeed(ctx, f)
		p.fetchDone()
		size := resultSize(&res)
		// The result is sent even when ctx ended: the writer drains
		// everything before Close returns. The writer releases the budget
		// once the result is saved.
		p.pending.acquire(size)
		p.results <- fetched{res: res, size: size}
		p.parsing.handedOver(f.ID)
	}
}

// write batches results into store transactions.
func (p *Pipeline) write(ctx context.Context) {
	batch := make([]digest.FetchResult, 0, p.opts.BatchSize)
	var batchBytes int64
	flush := func() {
		if len(batch) == 0 {
			return
		}
		p.saveBatch(ctx, batch)
		// Drop the saved results: the backing array outlives the batch
		// and would otherwise keep their entries alive.
		clear(batch)
		batch = batch[:0]
		p.pending.release(batchBytes)
		batchBytes = 0
	}
	add := func(f fetched) {
		batch = append(batch, f.res)
		batchBytes += f.size
	}
	for {
		f, ok := <-p.results
		if !ok {
			flush()
			return
		}
		add(f)
		// Take whatever else is ready without waiting: under load batches
		// fill up, when idle each result is saved at once.
	fill:
		for len(batch) < p.opts.BatchSize && batchBytes < p.opts.BatchBytes {
			select {
			case f, ok := <-p.results:
				if !ok {
					break fill
				}
				add(f)
			default:
				break fill
			}
		}
		flush()
	}
}

// saveBatch saves a batch, retrying with backoff: a result is never dropped
// while the process runs. Results without entries (304s, failed fetches:
// most of a refresh) are saved apart, by SaveFetchStates, a statement or
// so per batch; the others by SaveFetches. On a batch that keeps failing
// it falls back to one result at a time so one bad result cannot block
// the others.
func (p *Pipeline) saveBatch(ctx context.Context, batch []digest.FetchResult) {
	ids := make([]int64, len(batch))
	for i, r := range batch {
		ids[i] = r.FeedID
	}
	defer p.done(ids...)
	// The results with entries move to the front, in order; the others
	// follow.
	full := 0
	for i := range batch {
		if len(batch[i].Entries) > 0 {
			batch[full], batch[i] = batch[i], batch[full]
			full++
		}
	}
	states := 0
	if rest := batch[full:]; len(rest) > 0 {
		states = p.saveStates(ctx, rest)
	}
	batch = batch[:full]
	if len(batch) == 0 {
		if p.afterSave != nil {
			p.afterSave(states)
		}
		return
	}
	saved, err := p.store.SaveFetches(ctx, batch)
	if err != nil && len(batch) > 1 {
		p.log.Warn("save batch failed; saving one by one", "feeds", len(batch), "err", err)
		saved = saved[:0]
		for i := range batch {
			s, err := p.saveOne(ctx, batch[i])
			if err != nil {
				p.log.Error("save fetch result", "feed", batch[i].FeedID, "err", err)
				continue
			}
			saved = append(saved, s...)
		}
	} else if err != nil {
		saved, err = p.saveOne(ctx, batch[0])
		if err != nil {
			p.log.Error("save fetch result", "feed", batch[0].FeedID, "err", err)
		}
	}
	p.stats.Batches.Add(1)
	for _, s := range saved {
		p.stats.Created.Add(int64(len(s.Created)))
		p.stats.Updated.Add(int64(len(s.Updated)))
		if len(s.Created)+len(s.Updated) > 0 {
			p.post.wake() // the store queued their post-processing
		}
	}
	if p.afterSave != nil {
		p.afterSave(states + len(saved))
	}
}

// saveStates saves results without entries with SaveFetchStates,
// retrying a few times with backoff, then one result at a time through
// saveOne. It returns how many results it saved.
func (p *Pipeline) saveStates(ctx context.Context, rs []digest.FetchResult) int {
	var err error
	delay := 50 * time.Millisecond
	for attempt := 0; attempt < 3; attempt++ {
		if err = p.store.SaveFetchStates(ctx, rs); err == nil {
			p.stats.Batches.Add(1)
			return len(rs)
		}
		time.Sleep(delay)
		delay *= 2
	}
	p.log.Warn("save fetch states failed; saving one by one", "feeds", len(rs), "err", err)
	n := 0
	for i := range rs {
		if _, err := p.saveOne(ctx, rs[i]); err != nil {
			p.log.Error("save fetch result", "feed", rs[i].FeedID, "err", err)
			continue
		}
		n++
	}
	return n
}

// saveOne retries one result a few times with backoff. If the entries
// cannot be saved, the feed's state is saved without them and with the
// error, and its validators cleared so that the next fetch gets the items
// again: nothing is lost, and the error is visible on the feed.
func (p *Pipeline) saveOne(ctx context.Context, r digest.FetchResult) ([]digest.SaveResult, error) {
	var err error
	delay := 50 * time.Millisecond
	for attempt := 0; attempt < 4; attempt++ {
		var s []digest.SaveResult
		s, err = p.store.SaveFetches(ctx, []digest.FetchResult{r})
		if err == nil {
			return s, nil
		}
		time.Sleep(delay)
		delay *= 2
	}
	fallback := digest.FetchResult{FeedID: r.FeedID, State: r.State}
	fallback.State.ETag, fallback.State.LastModified = "", ""
	fallback.State.LastError = "save entries: " + err.Error()
	fallback.State.ErrorCount++
	if _, err2 := p.store.SaveFetches(ctx, []digest.FetchResult{fallback}); err2 != nil {
		return nil, errors.Join(err, err2)
	}
	return nil, err
}

// nextState computes the feed's state after a fetch.
func (p *Pipeline) nextState(f digest.Feed, now time.Time, published []time.Time, ttl, maxAge, retryAfter time.Duration, fetchErr error) digest.FetchState {
	st := f.FetchState
	st.LastCheck = now
	if fetchErr != nil {
		st.ErrorCount++
		st.LastError = fetchErr.Error()
	} else {
		st.ErrorCount = 0
		st.LastError = ""
	}
	st.NextCheck, st.Interval = feed.NextCheck(p.policy, now, feed.Signals{
		FeedID:     f.ID,
		Published:  published,
		Interval:   f.Interval,
		TTL:        ttl,
		MaxAge:     maxAge,
		RetryAfter: retryAfter,
		ErrorCount: st.ErrorCount,
	})
	return st
}

// WaitIdle waits until no feed is in flight and no queued post-processing
// is due (retries of failed steps wait for their time; stories wait for a
// warming sink), or until timeout or ctx ends. It polls: it is meant for
// command-line runs and tests, not for the server's hot path.
func (p *Pipeline) WaitIdle(ctx context.Context, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if p.inFlightCount() == 0 && p.post.idle(ctx) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("still busy after %s", timeout)
		case <-tick.C:
		}
	}
}
