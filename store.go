package digest

import (
	"context"
	"io"
	"sync"
	"time"
)

// Store persists everything: it is the union of the stores of each
// domain, so that a part of the program can ask for only the part it
// uses. Implementations: store/sqlite (default) and, later,
// store/postgres; both pass the conformance suite in store/storetest.
//
// Methods return *Error with ENOTFOUND for a missing row, ECONFLICT for a
// duplicate and EINVALID for bad input; anything else is EINTERNAL. All
// methods are safe for concurrent use.
//
// Every method that reads or changes something personal takes the user's
// ID: a row of another user is ENOTFOUND, never someone else's data. The
// pipeline's methods (ContentStore) act on the shared content and take no
// user.
type Store interface {
	FeedStore
	ArticleStore
	ContentStore
	StoryStore
	EntityStore
	UserStore
	ForYouStore
	RuleStore
	DailyStore
	// Close releases the store.
	Close() error
}

// Category is one of a user's categories of feeds. A feed with no
// category is in none (Feed.Category "", CategoryID 0).
type Category struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Feeds  int    `json:"feeds"`
	Unread int    `json:"unread"`
}

// FeedStore keeps a user's subscriptions and categories.
type FeedStore interface {
	// CreateFeed subscribes the user to f.URL (in f.Category, created when
	// new), setting f.ID, f.CategoryID and f.Created. A feed several users
	// follow is stored and fetched once. ECONFLICT if the user already has
	// that URL.
	CreateFeed(ctx context.Context, userID int64, f *Feed) error
	// Feed returns one of the user's feeds with its unread count. ENOTFOUND.
	Feed(ctx context.Context, userID, id int64) (*Feed, error)
	// Feeds lists the user's feeds with unread counts, ordered by category
	// then title.
	Feeds(ctx context.Context, userID int64) ([]Feed, error)
	// FeedsPage lists one page of the user's feeds with unread counts, so
	// a list of thousands need not be read whole. search, unless empty,
	// keeps the feeds whose title, URL or site URL contains it, ignoring
	// the case of ASCII letters. order is "" or "category" (the order of
	// Feeds), "title", or "errors" (failing feeds first, the most
	// consecutive failures first, then as "category"). limit <= 0 means 50;
	// it is capped at 500. cursor is "" for the first page, or the next or
	// prev of an earlier call with the same order: the page after, or
	// before, that one. next and prev are "" when there is nothing further
	// that way. EINVALID for an unknown order, a malformed cursor or a
	// search longer than 1000 bytes.
	FeedsPage(ctx context.Context, userID int64, search, order string, limit int, cursor string) (feeds []Feed, next, prev string, err error)
	// FeedTotals counts the user's feeds that match search (as in
	// FeedsPage; "" counts all), their unread articles, and those failing
	// (ErrorCount > 0 or LastError set). EINVALID for a search longer than
	// 1000 bytes.
	FeedTotals(ctx context.Context, userID int64, search string) (feeds, unread, failing int, err error)
	// UpdateFeed saves the user's title and category of f (category
	// created when new) and the feed's fetch mode. ENOTFOUND.
	UpdateFeed(ctx context.Context, userID int64, f *Feed) error
	// DeleteFeed unsubscribes the user from a feed; a feed no one follows
	// is removed with its sources, and an article left with no source
	// too. ENOTFOUND.
	DeleteFeed(ctx context.Context, userID, id int64) error
	// ScheduleUserFeeds makes the given feeds of the user (all of them
	// when ids is empty) due now; IDs the user does not follow are
	// ignored. It returns how many feeds were scheduled.
	ScheduleUserFeeds(ctx context.Context, userID int64, ids ...int64) (int, error)

	// Categories lists the user's categories by title, with the number of
	// feeds and unread articles in each.
	Categories(ctx context.Context, userID int64) ([]Category, error)
	// CreateCategory creates a category (an empty one too). EINVALID for
	// an empty title; ECONFLICT when the user has one of that title.
	CreateCategory(ctx context.Context, userID int64, title string) (*Category, error)
	// RenameCategory renames one of the user's categories; its feeds
	// follow. ECONFLICT when the title is taken; ENOTFOUND.
	RenameCategory(ctx context.Context, userID, id int64, title string) error
	// DeleteCategory removes one of the user's categories; its feeds stay,
	// in no category. ENOTFOUND.
	DeleteCategory(ctx context.Context, userID, id int64) error
}

// ArticleStore reads articles as one user sees them (the articles of the
// feeds they follow) and keeps their read and starred state.
type ArticleStore interface {
	// Article returns one of the user's articles with its sources and
	// state. ENOTFOUND when the user does not see it.
	Article(ctx context.Context, userID, id int64) (*Article, error)
	// Articles returns a page of q.UserID's articles, newest published
	// first (ties broken by descending ID) unless q says otherwise,
	// without Content unless q.WithContent. EINVALID for q.UserID 0.
	Articles(ctx context.Context, q ArticleQuery) (*ArticlePage, error)
	// ArticleRefs returns the IDs, feeds and times of the articles q
	// selects (in q's order, up to q.Limit, which may be up to 100,000
	// here), without reading the articles themselves. Cursor is ignored.
	ArticleRefs(ctx context.Context, q ArticleQuery) ([]ArticleRef, error)
	// ArticleIDs returns the IDs of the articles q selects, as ArticleRefs
	// but reading the user's states alone: for long ID lists (Fever's
	// unread_item_ids).
	ArticleIDs(ctx context.Context, q ArticleQuery) ([]int64, error)
	// CountArticles counts the articles q selects, ignoring Limit, Offset
	// and Cursor.
	CountArticles(ctx context.Context, q ArticleQuery) (int, error)
	// MarkRead sets the read flag of the given articles for a user;
	// articles the user does not see are ignored. It returns how many the
	// user sees.
	MarkRead(ctx context.Context, userID int64, ids []int64, read bool) (int, error)
	// MarkStarred sets the starred flag of the given articles for a user,
	// as MarkRead.
	MarkStarred(ctx context.Context, userID int64, ids []int64, starred bool) (int, error)
	// MarkAllRead marks read every unread article of the user's that q
	// selects (its UserID, FeedID, CategoryID, StoryID, Starred, Before
	// and BeforeID are honoured) and returns how many it marked.
	MarkAllRead(ctx context.Context, q ArticleQuery) (int, error)
	// Icon returns the icon of one of the user's feeds. ENOTFOUND.
	Icon(ctx context.Context, userID, id int64) (*Icon, error)
}

// ContentStore is the pipeline's side: shared feeds, articles, sources
// and icons, whoever follows them. No method takes a user.
type ContentStore interface {
	// FeedByID returns a feed's own metadata and fetch state (title as the
	// feed gives it, no category, no unread count), whoever follows it.
	// ENOTFOUND.
	FeedByID(ctx context.Context, id int64) (*Feed, error)
	// FeedIDs lists the IDs of every stored feed.
	FeedIDs(ctx context.Context) ([]int64, error)
	// DueFeeds returns up to limit feeds whose NextCheck is at or before
	// now, the most overdue first.
	DueFeeds(ctx context.Context, now time.Time, limit int) ([]Feed, error)
	// ClaimFeeds leases to owner, until now+lease, up to limit (<= 0:
	// 100) feeds whose NextCheck is at or before now and that hold no
	// lease unexpired at now, and returns them, the most overdue first.
	// Concurrent claims (of any process on the database) never return
	// the same feed while its lease lasts. SaveFetches or
	// SaveFetchStates of a feed's result ends its lease; so does
	// ReleaseFeeds.
	ClaimFeeds(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Feed, error)
	// ReleaseFeeds ends owner's leases of the given feeds (claimed and
	// not fetched), so that any worker may claim them at once; with no
	// ids, of every feed. Feeds leased to another owner are left alone;
	// owner "" stands for every owner (a process that is alone on its
	// database ends the leases of its dead predecessor).
	ReleaseFeeds(ctx context.Context, owner string, ids ...int64) error
	// StillDue returns those of the given feeds whose NextCheck is at or
	// before now: not saved since they were scheduled for now (a save
	// sets NextCheck at least a minimum interval ahead). Unknown IDs are
	// left out.
	StillDue(ctx context.Context, now time.Time, ids ...int64) ([]int64, error)
	// ScheduleNow sets NextCheck of the given feeds (all feeds if ids is
	// empty) to now, so the scheduler picks them up at once.
	ScheduleNow(ctx context.Context, ids ...int64) error
	// SetFeedIcon sets a feed's icon. ENOTFOUND.
	SetFeedIcon(ctx context.Context, feedID, iconID int64) error

	// SaveFetches saves each result's entries and its fetch state together,
	// all in one transaction: either everything of a batch is stored or
	// nothing is. An entry is matched by (feed, GUID), then by canonical URL
	// across all feeds (the article gains a source); a matched entry whose
	// Hash changed is updated in place; an unchanged one writes nothing.
	// Every follower of the feed sees the new articles.
	SaveFetches(ctx context.Context, results []FetchResult) ([]SaveResult, error)
	// SaveFetchStates saves the fetch state (and a Title or SiteURL
	// given) of results that carry no entries, a 304 or a failed fetch,
	// as SaveFetches would, ending their leases, in one transaction and,
	// where the database allows, one statement per batch. Results for
	// feeds that no longer exist are skipped; a feed given twice gets its
	// last result's state. EINVALID when a result has entries.
	SaveFetchStates(ctx context.Context, results []FetchResult) error

	// StoredArticle returns one article with its content and sources, and
	// no user's state. ENOTFOUND.
	StoredArticle(ctx context.Context, id int64) (*Article, error)
	// RecentArticles lists every stored article published at or after
	// since, newest first, a page of limit (<= 0: 500) at a time from
	// cursor ("" first), without content; next is "" on the last page.
	RecentArticles(ctx context.Context, since time.Time, limit int, cursor string) (as []Article, next string, err error)
	// UpdateArticle saves an article's extracted content and metadata
	// (everything but identity, sources and state). ENOTFOUND.
	UpdateArticle(ctx context.Context, a *Article) error
	// MergeArticles makes dup a syndicated copy of keep: dup's sources move
	// to keep, the source of original (keep or dup) is marked Original, and
	// dup is removed. Every user's read and starred state carries over.
	MergeArticles(ctx context.Context, keep, dup, original int64) error

	// DuePosts lists up to limit (<= 0: 100) articles whose pending
	// post-processing includes one of steps and is due at now (NextTry at
	// or before it), the longest due first. next is the earliest NextTry
	// of the others with one of steps, zero when there are none.
	DuePosts(ctx context.Context, now time.Time, steps PostSteps, limit int) (due []PendingPost, next time.Time, err error)
	// ClaimPosts is DuePosts for one of several workers: the articles it
	// returns are not due again, for any worker, until now+lease (their
	// NextTry is moved there; the returned NextTry is the one they had),
	// so that two workers never post-process an article at once. The
	// claimer records each with SavePosts, which sets its NextTry again;
	// the articles of a worker that died are due once the lease ends.
	// Concurrent claims never wait for each other.
	ClaimPosts(ctx context.Context, now time.Time, lease time.Duration, steps PostSteps, limit int) (due []PendingPost, next time.Time, err error)
	// SavePosts records, in one transaction, what is left of articles'
	// post-processing: Steps 0 removes an article's. GaveUp, when not "",
	// becomes the article's PostError. Articles no longer stored (merged
	// into another, or their feed removed) are ignored.
	SavePosts(ctx context.Context, ps []PendingPost) error

	// Invariants counts the stored articles and stories and what breaks
	// the store's invariants (see Invariants), reading only.
	Invariants(ctx context.Context) (Invariants, error)

	// SaveIcon stores an icon once per hash and returns its ID.
	SaveIcon(ctx context.Context, icon *Icon) (int64, error)
	// IconByID returns one icon, whoever's feed it is. ENOTFOUND.
	IconByID(ctx context.Context, id int64) (*Icon, error)
}

// Invariants are what ContentStore.Invariants counts. Once post-processing
// has settled, every article is in a story, every story holds an article,
// and every source belongs to a stored article and feed: WithoutStory,
// EmptyStories, OrphanSources and Pending are then 0. PostFailed counts
// articles that keep their feed's text after a step was given up; they
// break no invariant.
type Invariants struct {
	Articles      int // stored articles
	Stories       int // stored stories
	WithoutStory  int // articles in no story
	EmptyStories  int // stories no article is in
	OrphanSources int // sources whose article or feed is gone
	Pending       int // articles with post-processing to do (not an error)
	PostFailed    int // articles with a post-processing step given up
}

// PostSteps is a set of the post-processing steps of a saved article.
// SaveFetches records them for every new article (all three) and every
// changed one (StepStory), in the transaction that saves it.
type PostSteps uint8

const (
	StepExtract PostSteps = 1 << iota // fetch and extract the article page (per the feed's Fetch mode)
	StepIcon                          // fetch the feed's site icon when it has none
	StepStory                         // put the article in a story

	AllSteps = StepExtract | StepIcon | StepStory
)

// PendingPost is the post-processing an article still needs.
type PendingPost struct {
	ArticleID int64
	Steps     PostSteps // still to do
	Attempts  int       // failed attempts so far
	NextTry   time.Time // not before
	LastError string    // of the last failed attempt

	// GaveUp, on SavePosts, names a step given up after repeated failures
	// with its last error; it is kept as the article's PostError.
	GaveUp string
}

// StoryStore keeps stories. Stories are shared; a user sees a story when
// they see one of its articles, and only those articles of it.
type StoryStore interface {
	// SaveStory creates (ID 0) or replaces a story: its fields, its
	// entities, and the story of each of its ArticleIDs.
	SaveStory(ctx context.Context, s *Story) error
	// DeleteStory removes a story (after a merge); its articles keep no story.
	DeleteStory(ctx context.Context, id int64) error
	// StoredStory returns one story with its entities and every article
	// ID, for the pipeline. ENOTFOUND.
	StoredStory(ctx context.Context, id int64) (*Story, error)
	// Story returns one story the user sees, with its entities and the IDs
	// of the articles the user sees. ENOTFOUND.
	Story(ctx context.Context, userID, id int64) (*Story, error)
	// Stories lists the stories the user sees by descending importance,
	// then last seen, but those they dismissed (see DismissStory).
	Stories(ctx context.Context, userID int64, limit, offset int) ([]Story, error)
}

// EntityStore finds the stories that name a person, place or
// organisation.
type EntityStore interface {
	// EntityStories finds the entity that kind and name name, under any
	// stored spelling, and lists up to limit (<= 0: 50) stories that name
	// it, last seen first. Spellings are the stored names with the same
	// key (see story/ner.Key: case, punctuation, possessives, titles;
	// organisations and places share keys), a person's names that differ
	// only by a middle initial when one such variant is stored, and a
	// one-word person name that is the first or last word of exactly one
	// stored full name ("Xi" of "Xi Jinping"); two full names are never
	// merged. spellings come canonical first (the name and kind pages
	// show: the kind of most mentions, then the most mentioned name, a
	// person's full name before a one-word one), each with its ID and
	// Count of mentions in all stories. A name found under no entity of
	// kind but under exactly one entity of another kind names that one.
	// EINVALID for an unknown kind or a name without a letter or digit;
	// ENOTFOUND when no stored entity has the name.
	// Only stories the user sees are listed.
	EntityStories(ctx context.Context, userID int64, kind EntityKind, name string, limit int) (spellings []Entity, stories []Story, err error)
}

// FeedService is what the edges (web pages, JSON API, reader-app
// protocols) need from the ingest pipeline: they never fetch anything
// themselves. The ingest package implements it.
type FeedService interface {
	// Subscribe discovers the feed at rawURL (a feed or a site), subscribes
	// the user to it in the given category and schedules its first fetch.
	// Errors are *Error with EINVALID (bad URL), EREFUSED (a policy refused
	// the address), ENOTFOUND (no feed there), ECONFLICT (already
	// subscribed) or EUPSTREAM (the remote server failed).
	Subscribe(ctx context.Context, userID int64, rawURL, category string) (*Feed, error)
	// Discover lists the feeds found at rawURL (a feed or a site) without
	// subscribing; errors as Subscribe's.
	Discover(ctx context.Context, rawURL string) ([]DiscoveredFeed, error)
	// Refresh schedules the given feeds of the user (all of theirs if
	// none) for a fetch now.
	Refresh(ctx context.Context, userID int64, ids ...int64) error
	// ImportOPML subscribes the user to every feed of an OPML document.
	// problems are the outlines that could not be imported; err is set
	// when the document itself is unusable.
	ImportOPML(ctx context.Context, userID int64, r io.Reader) (imported int, problems []error, err error)
	// ExportOPML writes the user's subscriptions as an OPML document.
	ExportOPML(ctx context.Context, userID int64, w io.Writer) error
}

// DiscoveredFeed is a feed found at an address.
type DiscoveredFeed struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Type  string `json:"type"` // "rss", "atom" or "json"
}

type backgroundKey struct{}

// WithBackground marks ctx as the context of background work: the
// pipeline's post-processing, the story engine, rule and import jobs. A
// store may serve the reads of a marked context from connections kept
// apart from the readers' (store/sqlite does), so that pages never queue
// behind a backlog of post-processing and the backlog never queues behind
// pages. The mark changes where a read runs, never what it returns.
func WithBackground(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// IsBackground reports whether ctx (or a context it derives from) was
// marked by WithBackground.
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}

// Readers counts the readers' requests being served, so that background
// work can give way to them: the web server counts each request in
// (Enter), post-processing and the story engine look before each piece of
// work (Busy, Idle) and pace themselves while readers wait (see
// ingest.Options.Readers). The zero value counts none. A nil *Readers is
// never busy.
type Readers struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n fell to 0; nil until someone waits
}

// Enter counts a request in; the request is counted out by calling the
// returned function (once).
func (r *Readers) Enter() (leave func()) {
	if r == nil {
		return func() {}
	}
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
	var once sync.Once
	return func() { once.Do(r.leave) }
}

func (r *Readers) leave() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n--
	if r.n == 0 && r.idle != nil {
		close(r.idle)
		r.idle = nil
	}
}

// Busy reports whether a reader's request is being served.
func (r *Readers) Busy() bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n > 0
}

// Idle returns a channel closed once no reader's request is being
// served: already closed when none is.
func (r *Readers) Idle() <-chan struct{} {
	if r == nil {
		return closedChan
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return closedChan
	}
	if r.idle == nil {
		r.idle = make(chan struct{})
	}
	return r.idle
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()
