// Package digest holds the domain types of Occasional Digest and the
// interfaces between its parts. Every other package may import it; it
// imports none of them.
//
// Data flows one way: cmd/digest wires ingest and web; ingest calls the step
// packages (fetch, feed, extract, story) and writes through a Store.
package digest

import (
	"time"
)

// FetchMode says when the ingest pipeline fetches an entry's article page to
// extract the full text.
type FetchMode string

// Fetch modes of a feed.
const (
	FetchNever  FetchMode = "never"  // keep the feed's content as it is
	FetchShort  FetchMode = "short"  // fetch when the feed carries only a summary (default)
	FetchAlways FetchMode = "always" // always fetch and extract the page
)

// Valid reports whether m is one of the known modes.
func (m FetchMode) Valid() bool {
	return m == FetchNever || m == FetchShort || m == FetchAlways
}

// Feed is one subscribed feed and its fetch state.
type Feed struct {
	ID         int64     `json:"id"`
	URL        string    `json:"url"`      // the feed document's URL
	SiteURL    string    `json:"site_url"` // the outlet's homepage
	Title      string    `json:"title"`
	Category   string    `json:"category,omitempty"`    // the user's; "" for none
	CategoryID int64     `json:"category_id,omitempty"` // 0 for none
	IconID     int64     `json:"icon_id,omitempty"`     // 0: no icon
	Fetch      FetchMode `json:"fetch_mode"`
	Created    time.Time `json:"created"`

	FetchState
	Unread int `json:"unread"` // the asking user's unread articles
}

// FetchState is what the scheduler knows of a feed between two fetches. It is
// saved in the same transaction as the entries of that fetch, so validators
// never get ahead of the items they describe.
type FetchState struct {
	ETag         string    `json:"-"`
	LastModified string    `json:"-"`
	LastCheck    time.Time `json:"last_check,omitzero"`
	NextCheck    time.Time `json:"next_check,omitzero"`
	LastError    string    `json:"last_error,omitempty"` // empty when the last fetch succeeded
	ErrorCount   int       `json:"error_count"`          // consecutive failures
	// Interval is the scheduler's current estimate of the time between two
	// posts (from observed frequency, TTL, Cache-Control); backoff is
	// applied on top of it on errors.
	Interval time.Duration `json:"-"`
}

// Article is one piece of content, stored once however many feeds carry it.
type Article struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"` // canonical URL, tracking parameters stripped
	Title     string    `json:"title"`
	Author    string    `json:"author,omitempty"`
	Published time.Time `json:"published"` // when the outlet published it; ingest time if unknown
	Updated   time.Time `json:"updated,omitzero"`
	SiteName  string    `json:"site_name,omitempty"`
	Lang      string    `json:"lang,omitempty"`
	ImageURL  string    `json:"image_url,omitempty"`
	Summary   string    `json:"summary,omitempty"` // plain text, the first lines or the feed's description
	Content   string    `json:"content,omitempty"` // sanitized HTML
	Text      string    `json:"-"`                 // plain text of Content, for stories and search
	WordCount int       `json:"word_count"`
	Extracted bool      `json:"extracted"` // Content comes from the article page, not the feed
	Created   time.Time `json:"created"`   // when we first stored it

	FeedID  int64    `json:"feed_id"`            // the feed of the original source
	StoryID int64    `json:"story_id,omitempty"` // 0 until clustered
	Sources []Source `json:"sources,omitempty"`  // every feed entry that carries it, original first

	Read    bool `json:"read"`
	Starred bool `json:"starred"`

	// PostError names the post-processing steps given up after repeated
	// failures, with the last error ("extract: fetch page: ..."); the
	// article keeps what the feed gave.
	PostError string `json:"post_error,omitempty"`

	// Snippet, filled by a search, is safe HTML: a part of the text
	// (or summary) where the search matched, escaped, with the matched
	// words in <mark>.
	Snippet string `json:"snippet,omitempty"`
}

// Source is one feed entry that carries an article: the same article reached
// through several feeds, or a syndicated copy merged into its original.
type Source struct {
	FeedID    int64     `json:"feed_id"`
	GUID      string    `json:"guid"`
	URL       string    `json:"url"` // the link as the feed gave it
	Title     string    `json:"title"`
	Published time.Time `json:"published,omitzero"`
	Original  bool      `json:"original"` // the outlet that first published the text

	// Filled on read.
	FeedTitle string `json:"feed_title,omitempty"`
	SiteURL   string `json:"site_url,omitempty"`
	IconID    int64  `json:"icon_id,omitempty"`
}

// Entry is one item of a parsed feed, ready to be stored.
type Entry struct {
	GUID      string // the feed's id, or the canonical URL when it has none
	URL       string // canonical URL (see feed.CanonicalURL)
	Link      string // the link as given
	Title     string
	Author    string
	Published time.Time
	Updated   time.Time
	Summary   string // plain text
	Content   string // sanitized HTML
	Text      string // plain text of Content
	ImageURL  string
	Lang      string
	Extracted bool
	// Hash identifies the entry's visible content; an entry whose hash
	// changed is updated in place.
	Hash string
}

// FetchResult is one fetch of one feed: its new state and, unless the server
// answered 304 or the fetch failed, its entries. The store saves both in one
// transaction.
type FetchResult struct {
	FeedID  int64
	State   FetchState
	Entries []Entry
	// Title and SiteURL, when not empty, update the feed's metadata.
	Title   string
	SiteURL string
}

// SaveResult says what saving a FetchResult changed.
type SaveResult struct {
	FeedID  int64
	Created []int64 // new articles
	Updated []int64 // articles whose content changed
	Linked  []int64 // existing articles that gained this feed as a source
}

// ArticleQuery selects one user's articles. Filters combine with AND.
type ArticleQuery struct {
	UserID     int64 // required
	FeedID     int64 // 0: all feeds
	CategoryID int64 // 0: all categories; -1: feeds in no category
	StoryID    int64 // 0: all stories
	IDs        []int64
	Unread     bool // only unread
	Read       bool // only read
	Starred    bool // only starred
	Search     string
	// After and Before keep articles published strictly after and before
	// them; AfterID and BeforeID those whose ID is above and below.
	After, Before     time.Time
	AfterID, BeforeID int64
	// Oldest lists oldest first; ByID orders by ID (arrival order)
	// instead of publication time.
	Oldest bool
	ByID   bool
	// Relevance orders a search by relevance, most relevant first,
	// instead of by time; pages are then counted by offset. Only the
	// 5,000 newest matches are ranked and listed.
	Relevance bool
	// WithContent fills Content.
	WithContent bool
	Limit       int    // 0 means 50; capped at 500 (ArticleRefs: 100,000)
	Offset      int    // articles skipped before the page (not with Cursor)
	Cursor      string // from a previous page's Next; opaque
}

// ArticleRef is an article's identity and place in a user's lists.
type ArticleRef struct {
	ID        int64
	FeedID    int64
	Published time.Time
	Read      bool
	Starred   bool
}

// ArticlePage is one page of articles and the cursor of the next one.
type ArticlePage struct {
	Articles []Article `json:"articles"`
	Next     string    `json:"next"` // empty on the last page
}

// Icon is a site icon, stored once per distinct image.
type Icon struct {
	ID          int64
	Hash        string // hex SHA-256 of Data
	ContentType string
	Data        []byte
}

// EntityKind is the type of a named entity.
type EntityKind string

// Entity kinds, as in CoNLL-2003.
const (
	Person       EntityKind = "PER"
	Organization EntityKind = "ORG"
	Place        EntityKind = "LOC"
	Misc         EntityKind = "MISC"
)

// Entity is a named person, organisation or place, normalised across
// articles ("Mr Xi" and "Xi" become "Xi Jinping").
type Entity struct {
	ID    int64      `json:"id,omitempty"`
	Name  string     `json:"name"`
	Kind  EntityKind `json:"kind"`
	Count int        `json:"count,omitempty"` // mentions, in the article or story it belongs to
}

// Story is the coverage of one event: articles from several outlets.
type Story struct {
	ID       int64  `json:"id"`
	Headline string `json:"headline"`
	Summary  string `json:"summary"`
	// Short is the summary for lists (about 40–60 words), written with
	// Summary; empty for a story saved before it was kept (readers then
	// shorten Summary).
	Short string `json:"short,omitempty"`
	// Follows is the earlier story this one is a later episode of ("earlier
	// in this story"), 0 if none. The story may since have been removed.
	Follows    int64     `json:"follows,omitempty"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Importance float64   `json:"importance"`
	Outlets    int       `json:"outlets"` // distinct feeds
	Entities   []Entity  `json:"entities,omitempty"`
	ArticleIDs []int64   `json:"article_ids,omitempty"`
}
