package digest

import (
	"context"
	"time"
)

// FeedToken is a credential whose secret, in a URL, opens a user's
// private Atom feeds (the daily digest, saved searches) to a feed reader
// that cannot sign in. Revoking it (DeleteCredential) closes every URL
// that carries it.
const FeedToken CredentialKind = "feed_token"

// DailySettings are a user's daily digest settings.
type DailySettings struct {
	UserID int64 `json:"user_id"`
	// Enabled turns the daily digest on: built each day at Hour, kept in
	// the archive and the private feed, and mailed when Email is set.
	// The web page shows today's stories either way.
	Enabled bool `json:"enabled"`
	// Hour is the hour of the day (0–23), in the user's time zone
	// (Settings.TimeZone), at which the day's digest is built and sent.
	Hour int `json:"hour"`
	// Email is the address the digest is sent to; "" sends none.
	Email string `json:"email"`
	// Weekly builds the digest once a week, on Weekday (0 Sunday to 6
	// Saturday), covering the week, instead of every day.
	Weekly  bool `json:"weekly"`
	Weekday int  `json:"weekday"`
	// MarkRead marks the digest's articles read once its mail is sent.
	MarkRead bool `json:"mark_read"`
}

// DailyDigest is one user's digest of one day: built once, kept (the
// archive), and mailed at most once when the user asked for e-mail.
type DailyDigest struct {
	UserID int64       `json:"user_id"`
	Day    string      `json:"day"` // YYYY-MM-DD in the user's time zone
	Built  time.Time   `json:"built"`
	Items  []DailyItem `json:"items"`

	// The e-mail: To is the address at build time ("" when none is
	// sent); Sent is zero until the server accepted it.
	To        string    `json:"-"`
	MessageID string    `json:"-"`
	Sent      time.Time `json:"-"`
	Attempts  int       `json:"-"` // failed sends so far
	NextTry   time.Time `json:"-"` // not before
	LastError string    `json:"-"`
}

// DailyItem is one story of a digest, as it was when the digest was built.
type DailyItem struct {
	StoryID  int64       `json:"story_id"`
	Headline string      `json:"headline"`
	Summary  string      `json:"summary"`
	Sources  int         `json:"sources"` // outlets covering it
	Reason   string      `json:"reason,omitempty"`
	Links    []DailyLink `json:"links,omitempty"`
	// Group is the part of the digest the story is in: GroupTop,
	// GroupFollow, GroupLong or GroupRare ("" in digests built before
	// groups: top stories).
	Group string `json:"group,omitempty"`
	// ArticleIDs are the reader's articles of the story when the digest
	// was built (marked read when it is sent, if the reader asked).
	ArticleIDs []int64 `json:"article_ids,omitempty"`
}

// The groups of a digest, in the order it shows them.
const (
	GroupTop    = "top"    // the most important stories for the reader
	GroupFollow = "follow" // from what the reader follows, prioritises or likes by a rule
	GroupLong   = "long"   // long reads
	GroupRare   = "rare"   // from feeds that publish rarely
)

// DailyLink is one source of a digest's story.
type DailyLink struct {
	Outlet string `json:"outlet"`
	Title  string `json:"title"`
	URL    string `json:"url"`
}

// SavedSearch is a search a user named: a view in the navigation and a
// private feed.
type SavedSearch struct {
	ID      int64     `json:"id"`
	UserID  int64     `json:"user_id"`
	Name    string    `json:"name"`
	Query   string    `json:"query"`
	Created time.Time `json:"created"`
}

// DailyStore keeps the daily digests, their settings and send log, and
// saved searches.
type DailyStore interface {
	// DailySettings returns the user's settings; a user who never saved
	// any gets the zero settings (off, hour 0). ENOTFOUND for no user.
	DailySettings(ctx context.Context, userID int64) (*DailySettings, error)
	// SetDailySettings saves the settings of ds.UserID. EINVALID for an
	// hour outside 0–23; ENOTFOUND for no user.
	SetDailySettings(ctx context.Context, ds *DailySettings) error
	// DailyUsers lists the settings of every user with the digest
	// enabled.
	DailyUsers(ctx context.Context) ([]DailySettings, error)
	// DailyStories lists up to limit (<= 0: 200) of the stories the user
	// sees that were last seen at or after since, by descending
	// importance, then last seen, but those they dismissed: a digest's
	// candidates.
	DailyStories(ctx context.Context, userID int64, since time.Time, limit int) ([]Story, error)
	// SaveDailyDigest stores a new digest, mail state included.
	// ECONFLICT when the user has one of that day: a digest is built once.
	SaveDailyDigest(ctx context.Context, d *DailyDigest) error
	// DailyDigest returns the user's digest of a day. ENOTFOUND.
	DailyDigest(ctx context.Context, userID int64, day string) (*DailyDigest, error)
	// DailyDigests lists up to limit (<= 0: 30) of the user's digests,
	// newest day first.
	DailyDigests(ctx context.Context, userID int64, limit int) ([]DailyDigest, error)
	// DueDailyMail lists up to limit (<= 0: 100) digests with an address,
	// not sent, whose NextTry is at or before now, the oldest first.
	DueDailyMail(ctx context.Context, now time.Time, limit int) ([]DailyDigest, error)
	// SaveDailyMail saves the mail state of a digest (MessageID, Sent,
	// Attempts, NextTry, LastError). ENOTFOUND.
	SaveDailyMail(ctx context.Context, d *DailyDigest) error

	// SavedSearches lists the user's saved searches by name.
	SavedSearches(ctx context.Context, userID int64) ([]SavedSearch, error)
	// SavedSearch returns one of the user's saved searches. ENOTFOUND.
	SavedSearch(ctx context.Context, userID, id int64) (*SavedSearch, error)
	// CreateSavedSearch stores ss, setting its ID and Created. EINVALID
	// for an empty name or query, or one over 1000 bytes; ECONFLICT when
	// the user has a saved search of that name.
	CreateSavedSearch(ctx context.Context, ss *SavedSearch) error
	// DeleteSavedSearch removes one of the user's saved searches.
	// ENOTFOUND.
	DeleteSavedSearch(ctx context.Context, userID, id int64) error

	// ServerKey returns the server's secret key of that name (32 random
	// bytes), created on first use and the same ever after, for signing
	// tokens that need no row of their own.
	ServerKey(ctx context.Context, name string) ([]byte, error)
}
