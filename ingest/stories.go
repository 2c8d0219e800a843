package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story"
)

// Stories runs the story engine behind the pipeline: every new or changed
// article goes through it in publication order; syndicated copies are
// merged into the kept article in the store (its original credited), and
// the stories an article touches are saved.
//
// The engine knows articles by IDs of its own, not the store's: a merge
// deletes the copy's row, and the store may give the ID to a new article
// (SQLite reuses the highest rowids), which the engine, answering a known
// ID with its first Result, would take for the copy it already placed.
// The sink maps each stored article to its engine ID and back, and each
// copy merged in the store to the engine article it was merged into.
type Stories struct {
	store digest.Store
	log   *slog.Logger

	mu      sync.Mutex
	snap    sync.Mutex // held while a snapshot is written (taken before mu)
	engine  *story.Engine
	ids     map[int64]int64  // engine story ID -> stored story ID
	follows map[int64]int64  // engine story ID -> the stored story it follows (kept after that one closes)
	docs    map[int64]docRef // stored article ID -> its engine article
	sidOf   map[int64]int64  // engine article ID -> its stored article ID
	keptBy  map[int64]int64  // engine article ID of a merged copy -> the kept one's
	lastDoc int64            // the last engine article ID given out
	pruneAt int              // len(docs) at which forgotten articles are dropped
	added   int64            // articles put into the engine (snapshots are written when it moved)
	// unsettled counts the articles added since the engine last took its
	// window in canonical order (Recluster); lastAdd is when Add last
	// took one.
	unsettled atomic.Int64
	lastAdd   time.Time
	// Automatic reclusters (SetRecluster): after reclusterIdle without a
	// new article, for windows of at most reclusterMax articles, not
	// before nextRecluster.
	reclusterIdle time.Duration
	reclusterMax  int
	nextRecluster time.Time
	saved         int64 // added when the last snapshot was written
	// needSnapshot says the engine was filled by a replay: the next
	// snapshot is written at once.
	needSnapshot bool

	snapshotEvery time.Duration // see SetSnapshotInterval

	// Warm-up (see Warm): ready is closed once the engine is loaded;
	// loaded and toLoad count the articles replayed and to replay.
	warm           sync.Mutex
	ready          chan struct{}
	loaded, toLoad atomic.Int64
	cancel         context.CancelFunc
	wg             sync.WaitGroup
}

// docRef is the engine article of a stored article, with a fingerprint
// of the stored article's identity: a stored ID that comes back with
// another fingerprint is a new article that reuses a deleted one's ID.
type docRef struct {
	id int64
	fp uint64
}

// NewStories returns a story sink over store using a new engine.
func NewStories(store digest.Store, opts story.Options, log *slog.Logger) *Stories {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ready := make(chan struct{})
	close(ready) // an engine nobody warms starts empty
	return &Stories{store: store, log: log.With("component", "stories"), engine: story.NewEngine(opts),
		ids: map[int64]int64{}, follows: map[int64]int64{}, docs: map[int64]docRef{}, sidOf: map[int64]int64{}, keptBy: map[int64]int64{}, pruneAt: minPrune,
		ready: ready, snapshotEvery: DefaultSnapshotInterval}
}

// Warm runs Load in the background (retrying with backoff when the store
// fails) until it succeeds or Close is called. Until then Ready's channel
// is open and Warming reports progress: the pipeline keeps the articles'
// story steps queued meanwhile, and assigns them once it is closed. Once
// warm, it writes a snapshot of the engine at once if Load had to replay
// the window, then every snapshot interval when articles were added, and
// Close writes the last one. Warm must not be called while Add runs, nor
// twice.
func (s *Stories) Warm(ctx context.Context, now time.Time) {
	// Its reads run apart from the readers' (digest.WithBackground).
	ctx, cancel := context.WithCancel(digest.WithBackground(ctx))
	done := make(chan struct{})
	s.warm.Lock()
	s.ready, s.cancel = done, cancel
	s.warm.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		start := time.Now()
		backoff := time.Second
		for {
			err := s.Load(ctx, now)
			if err == nil {
				s.log.Info("stories warm", "articles", s.loaded.Load(), "took", time.Since(start).Round(time.Millisecond))
				close(done)
				s.wg.Add(1)
				go func() {
					defer s.wg.Done()
					s.reclusters(ctx)
				}()
				s.snapshots(ctx)
				return
			}
			if ctx.Err() != nil {
				return
			}
			s.log.Error("warm stories", "err", err, "retry_in", backoff)
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, time.Minute)
			s.resetEngine()
		}
	}()
}

// resetEngine forgets what a failed Load put in the engine.
func (s *Stories) resetEngine() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.engine = story.NewEngine(s.engine.Options())
	s.ids, s.docs, s.sidOf, s.keptBy = map[int64]int64{}, map[int64]docRef{}, map[int64]int64{}, map[int64]int64{}
	s.follows = map[int64]int64{}
	s.lastDoc, s.pruneAt = 0, minPrune
}

// Ready returns a channel closed once the engine is warm (at once unless
// Warm was called). It implements Warmer.
func (s *Stories) Ready() <-chan struct{} {
	s.warm.Lock()
	defer s.warm.Unlock()
	return s.ready
}

// Warming reports whether the engine is warming up, with the articles
// replayed so far and the number to replay (0 while they are listed).
func (s *Stories) Warming() (warming bool, loaded, total int64) {
	select {
	case <-s.Ready():
		return false, 0, 0
	default:
		return true, s.loaded.Load(), s.toLoad.Load()
	}
}

// EngineSize returns the articles in the engine's open stories and the
// number of those stories (for memory figures per article and story).
func (s *Stories) EngineSize() (articles, stories int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.engine.Size()
}

// Close stops a warm-up under way and waits for it; a warm engine that
// took articles since its last snapshot writes one (close the pipeline
// first, so that it holds them all).
func (s *Stories) Close() error {
	s.warm.Lock()
	cancel := s.cancel
	s.warm.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()
	select {
	case <-s.Ready():
	default:
		return nil // not warm: a snapshot would lose the window
	}
	ctx, stop := context.WithTimeout(context.Background(), closeSnapshotTimeout)
	defer stop()
	return s.saveSnapshotIfChanged(ctx)
}

// Abandon is Close for an engine that may no longer be the only one:
// its term as the story engine ended (the lock was lost), so another
// process may be adding articles and writing snapshots meanwhile, and a
// snapshot of this engine written now would be newer than theirs but
// hold less. It stops the warm-up and writes nothing.
func (s *Stories) Abandon() {
	s.snap.Lock() // a snapshot being written is finished first
	s.mu.Lock()
	s.saved = s.added
	s.mu.Unlock()
	s.snap.Unlock()
	s.warm.Lock()
	cancel := s.cancel
	s.warm.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()
}

// closeSnapshotTimeout bounds the snapshot written at Close.
const closeSnapshotTimeout = 2 * time.Minute

// minPrune is the least number of mapped articles at which the sink drops
// those the engine has forgotten.
const minPrune = 4096

// fingerprint identifies a stored article across its updates: its
// canonical URL, or without one the GUID of its own feed's entry.
func fingerprint(a *digest.Article) uint64 {
	h := fnv.New64a()
	if a.URL != "" {
		h.Write([]byte(a.URL))
		return h.Sum64()
	}
	for _, src := range a.Sources {
		if src.FeedID == a.FeedID {
			fmt.Fprintf(h, "%d\x00%s", src.FeedID, src.GUID)
			return h.Sum64()
		}
	}
	if len(a.Sources) > 0 {
		fmt.Fprintf(h, "%d\x00%s", a.Sources[0].FeedID, a.Sources[0].GUID)
	}
	return h.Sum64()
}

// docOfStored returns the engine's view of a stored article, under the
// engine ID of that article (a new one for an article not seen yet, or
// one that reuses the ID of a deleted article). Callers hold s.mu.
func (s *Stories) docOfStored(a *digest.Article) story.Doc {
	fp := fingerprint(a)
	ref, ok := s.docs[a.ID]
	if !ok || ref.fp != fp {
		s.lastDoc++
		ref = docRef{id: s.lastDoc, fp: fp}
		s.docs[a.ID] = ref
		s.sidOf[ref.id] = a.ID
	}
	d := docOf(a)
	d.ID = ref.id
	return d
}

// stored returns the stored article that holds engine article id now (a
// merged copy: the kept article), and false when that article is gone
// from the store or its ID names another article now. Callers hold s.mu.
func (s *Stories) stored(id int64) (int64, bool) {
	if k, ok := s.keptBy[id]; ok {
		id = k
	}
	sid, ok := s.sidOf[id]
	if !ok || s.docs[sid].id != id {
		return 0, false
	}
	return sid, true
}

// prune drops the mappings of articles the engine has forgotten, once
// their number has doubled since the last time. Callers hold s.mu.
func (s *Stories) prune() {
	if len(s.docs) < s.pruneAt {
		return
	}
	for sid, ref := range s.docs {
		if _, ok := s.engine.StoryOf(ref.id); !ok {
			delete(s.docs, sid)
		}
	}
	for id := range s.sidOf {
		if _, ok := s.engine.StoryOf(id); !ok {
			delete(s.sidOf, id)
			delete(s.keptBy, id)
		}
	}
	s.pruneAt = max(2*len(s.docs), minPrune)
}

// Load fills the engine with the stored articles of its window, so that
// new articles join the stories they belong to after a restart: from the
// newest snapshot of the engine (see SaveSnapshot) and a replay of the
// window's articles the snapshot does not hold, or, when there is no
// usable snapshot (none, corrupt, of another format or configuration),
// from a replay of the whole window (Replay).
//
// Then the articles left in no story with no story step queued (a story
// change cut by a crash) are queued, so that the pipeline puts them in
// stories, and the stories left holding no article are deleted (see
// CutStoryChanges).
func (s *Stories) Load(ctx context.Context, now time.Time) error {
	ok, err := s.restore(ctx)
	if err != nil {
		return err
	}
	if !ok {
		err = s.Replay(ctx, now)
	} else {
		err = s.catchUp(ctx, now)
	}
	if err != nil {
		return err
	}
	if c, ok := s.store.(CutStoryChanges); ok {
		lost, err := c.QueueLostStories(ctx)
		if err != nil {
			return fmt.Errorf("load stories: %w", err)
		}
		empty, err := c.DeleteEmptyStories(ctx)
		if err != nil {
			return fmt.Errorf("load stories: %w", err)
		}
		if lost > 0 || empty > 0 {
			s.log.Warn("story changes cut short by a crash mended", "articles_queued", lost, "empty_stories_deleted", empty)
		}
	}
	return nil
}

// CutStoryChanges is a store that can mend what a story change cut by a
// crash leaves: the engine stores one change of its stories in several
// transactions (a merged story deleted, then the story taking its
// articles saved; a story emptied, then deleted), and a process killed
// between two of them leaves articles in no story with no story step
// queued, or a story holding no article that no engine knows of.
type CutStoryChanges interface {
	// QueueLostStories queues the story step of those articles.
	QueueLostStories(ctx context.Context) (int, error)
	// DeleteEmptyStories deletes the stories that hold no article.
	DeleteEmptyStories(ctx context.Context) (int, error)
}

// Replay replays the stored articles of the engine's window into an empty
// engine, oldest first; before them it recalls the older articles of the
// duplicate window (at most maxRemembered), so that a late copy of one is
// still credited to it. Articles in no story are left out: their story
// step is queued in the store (SaveFetches queues it with every saved
// article), and the pipeline adds them once the engine is loaded, with
// their extracted text; replayed with the feed's summary alone, copies of
// one summary would be taken for one article.
func (s *Stories) Replay(ctx context.Context, now time.Time) error {
	past, recent, err := s.window(ctx, now)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loaded.Store(0)
	s.toLoad.Store(int64(len(past) + len(recent)))
	if err := s.load(ctx, past, func(a *digest.Article) { s.engine.Remember(s.docOfStored(a)) }); err != nil {
		return err
	}
	if err := s.replay(ctx, recent); err != nil {
		return err
	}
	s.log.Info("stories loaded", "articles", len(recent), "remembered", len(past))
	return nil
}

// window lists the stored articles in stories that a replay at now
// takes, newest first: those of the duplicate window before the story
// window (past, at most maxRemembered), and those of the story window
// (recent).
func (s *Stories) window(ctx context.Context, now time.Time) (past, recent []int64, err error) {
	opts := s.engine.Options()
	since, pastSince := now.Add(-opts.Window), now.Add(-opts.DedupWindow)
	cursor := ""
	for {
		page, next, err := s.store.RecentArticles(ctx, pastSince, 500, cursor)
		if err != nil {
			return nil, nil, fmt.Errorf("load stories: %w", err)
		}
		done := next == ""
		for _, a := range page {
			if a.Published.Before(pastSince) || len(past) >= maxRemembered {
				done = true
				break
			}
			if a.StoryID == 0 {
				continue
			}
			if a.Published.Before(since) {
				past = append(past, a.ID)
			} else {
				recent = append(recent, a.ID)
			}
		}
		if done {
			return past, recent, nil
		}
		cursor = next
	}
}

// Recluster rebuilds the engine from the stored articles of its window,
// taken in one canonical order: publication time, then the article's
// title and text, then its URL, never the store's IDs, which follow the order in
// which fetches were saved. The engine is incremental, so what it makes
// of a burst of articles (a first refresh, a catch-up after an outage)
// depends on the order they reached it, which concurrent fetches and
// worker processes change from run to run; rebuilt, the stories depend
// only on the articles stored. Stored stories keep their IDs where they
// keep their articles; those whose grouping changed are saved again and
// those merged away removed. Articles whose story step is queued are
// left to the pipeline, as in Replay.
func (s *Stories) Recluster(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Listed and read under the lock: an article Add placed meanwhile
	// would be listed without its story and left out.
	past, recent, err := s.window(ctx, now)
	if err != nil {
		return err
	}
	if past, err = s.canonical(ctx, past); err != nil {
		return err
	}
	if recent, err = s.canonical(ctx, recent); err != nil {
		return err
	}
	// The articles are read again one at a time as they are added (only
	// their order is kept meanwhile); a failed read puts the engine back
	// as it was.
	engine, ids, docs, sidOf, keptBy, follows := s.engine, s.ids, s.docs, s.sidOf, s.keptBy, s.follows
	lastDoc, pruneAt, added, unsettled := s.lastDoc, s.pruneAt, s.added, s.unsettled.Load()
	restore := func(err error) error {
		s.engine, s.ids, s.docs, s.sidOf, s.keptBy, s.follows = engine, ids, docs, sidOf, keptBy, follows
		s.lastDoc, s.pruneAt, s.added = lastDoc, pruneAt, added
		s.unsettled.Store(unsettled)
		return err
	}
	s.engine = story.NewEngine(s.engine.Options())
	s.ids, s.docs, s.sidOf, s.keptBy = map[int64]int64{}, map[int64]docRef{}, map[int64]int64{}, map[int64]int64{}
	s.follows = map[int64]int64{}
	s.lastDoc, s.pruneAt = 0, minPrune
	rp := s.newReplayer()
	for i, id := range slices.Concat(past, recent) {
		a, err := s.store.StoredArticle(ctx, id)
		if digest.IsNotFound(err) {
			continue
		}
		if err != nil {
			return restore(fmt.Errorf("recluster stories: %w", err))
		}
		if i < len(past) {
			s.engine.Remember(s.docOfStored(a))
		} else {
			rp.add(ctx, a)
		}
	}
	s.added = added + 1 // the engine changed: the next snapshot holds it
	if err := errors.Join(rp.finish(ctx), errors.Join(rp.errs...)); err != nil {
		// Some stories are saved, some not: the next recluster saves
		// what this one could not.
		s.unsettled.Store(max(unsettled, 1))
		return err
	}
	// Settled only now that the stories are stored (Unsettled is read
	// without the lock).
	s.unsettled.Store(0)
	return nil
}

// canonical returns ids in the order Recluster adds their articles.
func (s *Stories) canonical(ctx context.Context, ids []int64) ([]int64, error) {
	keys := make([]articleKey, 0, len(ids))
	for _, id := range ids {
		a, err := s.store.StoredArticle(ctx, id)
		if err != nil {
			if digest.IsNotFound(err) {
				continue
			}
			return nil, fmt.Errorf("recluster stories: %w", err)
		}
		keys = append(keys, canonicalKey(a))
	}
	slices.SortFunc(keys, articleKey.compare)
	sorted := make([]int64, len(keys))
	for i, k := range keys {
		sorted[i] = k.id
	}
	return sorted, nil
}

// articleKey places a stored article in canonical order: publication
// time, then what the article says, which is the same wherever it was
// fetched from (a URL holds the host and port it came through), then its
// identity, and last its ID.
type articleKey struct {
	id             int64
	published      time.Time
	title          string
	text, identity uint64
}

func canonicalKey(a *digest.Article) articleKey {
	h := fnv.New64a()
	h.Write([]byte(a.Text))
	return articleKey{a.ID, a.Published, a.Title, h.Sum64(), fingerprint(a)}
}

func (x articleKey) compare(y articleKey) int {
	if c := x.published.Compare(y.published); c != 0 {
		return c
	}
	if c := cmp.Compare(x.title, y.title); c != 0 {
		return c
	}
	if c := cmp.Compare(x.text, y.text); c != 0 {
		return c
	}
	if c := cmp.Compare(x.identity, y.identity); c != 0 {
		return c
	}
	return cmp.Compare(x.id, y.id)
}

// Unsettled returns the number of articles added to the engine since it
// last took its window in canonical order (see Recluster).
func (s *Stories) Unsettled() int64 { return s.unsettled.Load() }

// SetRecluster makes a warm engine run Recluster by itself once no article
// has come for idle, when articles came since its last one and its window
// holds at most maxArticles; after a recluster that took d the next waits
// at least 20×d, so that they cost at most a twentieth of a core. A zero
// idle (the default) turns them off. Call it before Warm.
func (s *Stories) SetRecluster(idle time.Duration, maxArticles int) {
	s.reclusterIdle, s.reclusterMax = idle, maxArticles
}

// reclusters runs Recluster as SetRecluster says until ctx ends.
// Failures are logged and tried again later: until then the stories are
// the incremental engine's.
func (s *Stories) reclusters(ctx context.Context) {
	if s.reclusterIdle <= 0 {
		return
	}
	t := time.NewTimer(s.reclusterIdle)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wait := s.reclusterWait(time.Now())
		if wait == 0 {
			start := time.Now()
			n := s.Unsettled()
			err := s.Recluster(ctx, time.Now())
			took := time.Since(start)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				s.log.Error("recluster stories", "err", err)
				took = max(took, time.Minute/20)
			} else {
				articles, stories := s.EngineSize()
				s.log.Info("stories reclustered", "unsettled", n, "articles", articles, "stories", stories, "took", took.Round(time.Millisecond))
			}
			s.mu.Lock()
			s.nextRecluster = time.Now().Add(20 * took)
			s.mu.Unlock()
			wait = max(s.reclusterIdle, 20*took)
		}
		t.Reset(wait)
	}
}

// reclusterWait returns how long to wait before a recluster is due at now
// (0: now).
func (s *Stories) reclusterWait(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unsettled.Load() == 0 {
		return s.reclusterIdle
	}
	if articles, _ := s.engine.Size(); articles > s.reclusterMax {
		return s.reclusterIdle
	}
	if quiet := now.Sub(s.lastAdd); quiet < s.reclusterIdle {
		return s.reclusterIdle - quiet
	}
	if now.Before(s.nextRecluster) {
		return s.nextRecluster.Sub(now)
	}
	return 0
}

// load calls fn with the stored articles of ids, taken newest first,
// oldest first. Callers hold s.mu.
func (s *Stories) load(ctx context.Context, ids []int64, fn func(a *digest.Article)) error {
	for i := len(ids) - 1; i >= 0; i-- { // oldest first
		s.loaded.Add(1)
		a, err := s.store.StoredArticle(ctx, ids[i])
		if err != nil {
			if digest.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("load stories: %w", err)
		}
		fn(a)
	}
	return nil
}

// replay adds the stored articles of ids (newest first) to the engine,
// oldest first, and saves the stories whose grouping changed. Callers
// hold s.mu.
func (s *Stories) replay(ctx context.Context, recent []int64) error {
	rp := s.newReplayer()
	if err := s.load(ctx, recent, func(a *digest.Article) { rp.add(ctx, a) }); err != nil {
		return err
	}
	if err := errors.Join(rp.errs...); err != nil {
		// The copies stay articles of their own, in their stories; a
		// warm-up goes on (the next recluster tries them again).
		s.log.Error("stories: copies found by the replay not merged", "failed", len(rp.errs), "err", err)
	}
	return rp.finish(ctx)
}

// replayer adds stored articles to the engine and keeps what the stored
// stories need once they are all in. The replay may group the articles
// otherwise than the stored stories do (the engine's rules changed, a
// merge or split was not saved before a crash, or the articles come in
// another order than they first did): the stories whose grouping differs
// are saved again at the end, and stored stories the replay merged away
// are removed.
type replayer struct {
	s    *Stories
	redo map[int64]bool
	gone []int64
	// was is the stored story of each engine article when it was read,
	// and seen every engine story the replay put an article in.
	was  map[int64]int64
	seen map[int64]bool
	errs []error // merges that failed (the articles stay apart)
	// owner is the engine story that keeps each stored story: when the
	// replay splits a stored story, only one part keeps its ID.
	owner map[int64]int64
}

// newReplayer starts a replay into the sink's engine. Callers hold s.mu
// until finish returns.
func (s *Stories) newReplayer() *replayer {
	rp := &replayer{s: s, redo: map[int64]bool{}, owner: make(map[int64]int64, len(s.ids)),
		was: map[int64]int64{}, seen: map[int64]bool{}}
	for e, sid := range s.ids {
		rp.owner[sid] = e
	}
	return rp
}

func (rp *replayer) add(ctx context.Context, a *digest.Article) {
	s := rp.s
	d := s.docOfStored(a)
	r := s.engine.Add(d)
	s.added++
	s.unsettled.Add(1) // replayed as the store lists them, not in canonical order
	rp.was[d.ID] = a.StoryID
	if r.DuplicateOf != 0 && r.DuplicateOf != r.ID {
		// A copy stored as an article of its own (the order it first
		// came in hid it): merged now, as Add would have.
		if err := s.merge(ctx, a, r); err != nil {
			rp.errs = append(rp.errs, fmt.Errorf("stories: merge %d: %w", a.ID, err))
		}
	}
	rp.seen[r.StoryID] = true
	for _, n := range r.SplitStories {
		rp.seen[n] = true
	}
	for _, m := range r.MergedStories {
		if sid, ok := s.ids[m]; ok {
			rp.gone = append(rp.gone, sid)
			delete(s.ids, m)
			delete(rp.owner, sid)
		}
		delete(rp.redo, m)
		rp.redo[r.StoryID] = true
	}
	for _, n := range r.SplitStories {
		rp.redo[n], rp.redo[r.StoryID] = true, true
	}
	switch sid, ok := s.ids[r.StoryID]; {
	case a.StoryID == 0:
		rp.redo[r.StoryID] = true
	case !ok:
		if o, taken := rp.owner[a.StoryID]; taken && o != r.StoryID {
			// The replay puts apart what one stored story holds:
			// this part is saved as a story of its own.
			rp.redo[r.StoryID], rp.redo[o] = true, true
			break
		}
		s.ids[r.StoryID] = a.StoryID
		rp.owner[a.StoryID] = r.StoryID
	case sid != a.StoryID:
		// Two stored stories hold what the engine holds as one: the
		// first keeps it, the other goes once the first is saved.
		rp.gone = append(rp.gone, a.StoryID)
		rp.redo[r.StoryID] = true
	}
}

// finish saves the stories whose grouping changed and removes the stored
// stories the replay merged away.
func (rp *replayer) finish(ctx context.Context) error {
	s := rp.s
	// An engine story holding an article that was stored in another
	// story than the one it maps to is saved, whatever the order of the
	// replay made of it: a story merged away is deleted below, and its
	// articles would be left in none.
	for id := range rp.seen {
		v, ok := s.engine.Story(id)
		if !ok || rp.redo[v.ID] {
			continue
		}
		sid, mapped := s.ids[v.ID]
		for _, m := range v.Articles {
			if was, ok := rp.was[m.ID]; ok && (!mapped || was != sid) {
				rp.redo[v.ID] = true
				break
			}
		}
	}
	if errs := s.saveAll(ctx, slices.Sorted(maps.Keys(rp.redo))); len(errs) > 0 {
		return fmt.Errorf("load stories: %w", errors.Join(errs...))
	}
	for _, sid := range rp.gone {
		if slices.Contains(slices.Collect(maps.Values(s.ids)), sid) {
			continue // still the store's story of another engine story
		}
		if err := s.store.DeleteStory(ctx, sid); err != nil && !digest.IsNotFound(err) {
			return fmt.Errorf("load stories: %w", err)
		}
	}
	return nil
}

// maxRemembered bounds the older articles Load recalls for duplicate
// detection (the newest of them), and so the time a start takes.
const maxRemembered = 50_000

// Add implements StorySink.
func (s *Stories) Add(ctx context.Context, ids []int64) error {
	arts := make([]*digest.Article, 0, len(ids))
	for _, id := range ids {
		a, err := s.store.StoredArticle(ctx, id)
		if err != nil {
			if digest.IsNotFound(err) {
				continue // merged or deleted since
			}
			return fmt.Errorf("stories: %w", err)
		}
		arts = append(arts, a)
	}
	// Publication order, then ID: the engine is deterministic for a given
	// order, and the earliest copy is the one kept.
	slices.SortFunc(arts, func(a, b *digest.Article) int {
		if c := a.Published.Compare(b.Published); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	touched := map[int64]bool{}
	var errs []error
	for _, a := range arts {
		r := s.engine.Add(s.docOfStored(a))
		s.added++
		if r.DuplicateOf != 0 && r.DuplicateOf != r.ID {
			if err := s.merge(ctx, a, r); err != nil {
				// The article stays one of its own, in the story the
				// engine gave it (save lists it); the batch goes on.
				errs = append(errs, fmt.Errorf("stories: merge %d: %w", a.ID, err))
			}
		}
		for _, m := range r.MergedStories {
			if sid, ok := s.ids[m]; ok {
				if err := s.store.DeleteStory(ctx, sid); err != nil && !digest.IsNotFound(err) {
					errs = append(errs, fmt.Errorf("stories: delete merged story: %w", err))
				}
				delete(s.ids, m)
			}
			delete(touched, m)
		}
		touched[r.StoryID] = true
		for _, n := range r.SplitStories {
			// A split moved articles into a new story; saving both
			// stories moves their article lists in the store.
			touched[n] = true
		}
	}
	errs = append(errs, s.saveAll(ctx, slices.Sorted(maps.Keys(touched)))...)
	s.prune()
	if len(arts) > 0 {
		s.unsettled.Add(int64(len(arts)))
		s.lastAdd = time.Now()
	}
	return errors.Join(errs...)
}

// merge makes stored article dup a copy of the article the engine kept
// for it (r.DuplicateOf), crediting r.Original. The engine's original is
// the new article or one of the group already in the store, where every
// copy merged earlier lives in the kept article: then the kept article
// keeps its credit. A kept article gone from the store (its feed removed)
// leaves dup an article of its own. Callers hold s.mu.
//
// Of the two stored rows the one that comes first in canonical order
// (published earlier, then by title and text; see canonical) stays and
// takes the other's sources, whichever the engine saw first: so the
// articles a group of copies leaves in the store do not depend on the
// order fetches brought them in, and neither does a Recluster of them.
// The engine's kept article then stands for the row that stayed.
func (s *Stories) merge(ctx context.Context, dup *digest.Article, r story.Result) error {
	keep, ok := s.stored(r.DuplicateOf)
	if !ok || keep == dup.ID {
		// Gone, or dup is the kept article itself under a new engine ID
		// (its identity changed with an update): nothing to merge.
		return nil
	}
	original := keep
	if r.Original == r.ID {
		original = dup.ID
	}
	kept, err := s.store.StoredArticle(ctx, keep)
	if err != nil {
		if digest.IsNotFound(err) {
			return nil // keep deleted since: dup stays an article of its own
		}
		return fmt.Errorf("into %d: %w", keep, err)
	}
	stay, gone := kept, dup
	if canonicalKey(dup).compare(canonicalKey(kept)) < 0 {
		stay, gone = dup, kept
	}
	if err := s.store.MergeArticles(ctx, stay.ID, gone.ID, original); err != nil {
		if digest.IsNotFound(err) {
			return nil // dup deleted since, or keep: nothing left to merge
		}
		return fmt.Errorf("into %d: %w", stay.ID, err)
	}
	s.keptBy[r.ID] = r.DuplicateOf
	if k, ok := s.keptBy[r.DuplicateOf]; ok {
		s.keptBy[r.ID] = k
	}
	if stay.ID == dup.ID {
		// The engine's kept article is stored as dup's row now.
		k := r.DuplicateOf
		if kk, ok := s.keptBy[k]; ok {
			k = kk
		}
		delete(s.docs, keep)
		s.docs[dup.ID] = docRef{id: k, fp: fingerprint(dup)}
		s.sidOf[k] = dup.ID
		return nil
	}
	delete(s.docs, dup.ID) // the store may give the ID to a new article
	return nil
}

// storiesSaver is a store that saves several stories in one transaction
// (store/sqlstore).
type storiesSaver interface {
	SaveStories(ctx context.Context, sts []*digest.Story) error
}

// storiesPerCommit bounds the stories saveAll saves in one transaction.
const storiesPerCommit = 100

// saveAll stores the engine's stories ids (see save): a batch of them in
// one transaction when the store can, so that a batch of story steps is
// one commit rather than one per story (each commit makes the readers'
// kept pages stale, and costs the writer a sync); one at a time when it
// cannot, or when a batch fails, so that each story's failure is its
// own. Callers hold s.mu.
func (s *Stories) saveAll(ctx context.Context, ids []int64) []error {
	var errs []error
	b, batched := s.store.(storiesSaver)
	for len(ids) > 0 {
		n := min(len(ids), storiesPerCommit)
		part := ids[:n]
		ids = ids[n:]
		if batched && len(part) > 1 {
			sts := make([]*digest.Story, 0, len(part))
			eids := make([]int64, 0, len(part))
			for _, id := range part {
				if st, ok := s.storyOf(id); ok {
					sts = append(sts, st)
					eids = append(eids, id)
				}
			}
			if err := b.SaveStories(ctx, sts); err == nil {
				for i, id := range eids {
					s.ids[id] = sts[i].ID
				}
				continue
			}
			// Nothing of the batch was saved: one at a time, below.
		}
		for _, id := range part {
			if err := s.save(ctx, id); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// save stores the engine's story id: its articles that are stored as
// themselves (the copies merged away are sources of the kept ones).
func (s *Stories) save(ctx context.Context, id int64) error {
	st, ok := s.storyOf(id)
	if !ok {
		return nil
	}
	err := s.store.SaveStory(ctx, st)
	if digest.IsNotFound(err) && st.ID != 0 {
		// The stored story is gone (removed by a repair, or by another
		// process since the snapshot this engine started from): the
		// engine's story is stored anew.
		st.ID = 0
		err = s.store.SaveStory(ctx, st)
	}
	if err != nil {
		return fmt.Errorf("stories: save story: %w", err)
	}
	s.ids[id] = st.ID
	return nil
}

// storyOf returns the engine's story id as it is to be stored, false when
// there is nothing of it to store. Callers hold s.mu.
func (s *Stories) storyOf(id int64) (*digest.Story, bool) {
	v, ok := s.engine.Story(id)
	if !ok {
		return nil, false
	}
	st := v.Story
	st.ID = s.ids[id]
	// The engine names the earlier story while it is open; the stored
	// link stays after it closes.
	if f, ok := s.ids[v.Follows]; ok && v.Follows != 0 && f != st.ID {
		s.follows[id] = f
	}
	st.Follows = s.follows[id]
	st.ArticleIDs = st.ArticleIDs[:0]
	seen := map[int64]bool{}
	for _, m := range v.Articles {
		sid, ok := s.stored(m.ID)
		if !ok || s.docs[sid].id != m.ID || seen[sid] {
			continue
		}
		seen[sid] = true
		st.ArticleIDs = append(st.ArticleIDs, sid)
	}
	if len(st.ArticleIDs) == 0 && st.ID == 0 {
		return nil, false // nothing of it is stored
	}
	return &st, true
}

// sourceLink finds a "Source link" (or "Source:", "Originally published
// at") anchor in sanitized article HTML: the article names its original.
var sourceLink = regexp.MustCompile(`(?i)<a\s[^>]*href="([^"]+)"[^>]*>\s*(?:source(?:\s+link)?|original(?:ly published)?[^<]{0,40}|read the original[^<]{0,20})\s*</a>`)

func docOf(a *digest.Article) story.Doc {
	d := story.Doc{
		ID:        a.ID,
		Title:     a.Title,
		Text:      a.Text,
		URL:       a.URL,
		Outlet:    "feed-" + strconv.FormatInt(a.FeedID, 10),
		Published: a.Published,
		Author:    a.Author,
	}
	if d.Text == "" {
		d.Text = a.Summary
	}
	for _, src := range a.Sources {
		if src.FeedID == a.FeedID && src.FeedTitle != "" {
			d.Outlet = src.FeedTitle
		}
		f := "feed-" + strconv.FormatInt(src.FeedID, 10)
		if !slices.Contains(d.Feeds, f) {
			d.Feeds = append(d.Feeds, f)
		}
	}
	if len(d.Feeds) == 0 && a.FeedID != 0 {
		d.Feeds = []string{"feed-" + strconv.FormatInt(a.FeedID, 10)}
	}
	if m := sourceLink.FindStringSubmatch(a.Content); m != nil {
		d.SourceURL = html.UnescapeString(m[1])
	}
	return d
}
