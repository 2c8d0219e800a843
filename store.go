package digest

import (
	"context"
	"time"
)

// Store persists feeds, articles, their sources, icons, fetch state and
// stories. Implementations: store/sqlite (default) and, later,
// store/postgres; both pass the conformance suite in store/storetest.
//
// Methods return *Error with ENOTFOUND for a missing row and ECONFLICT for a
// duplicate; anything else is EINTERNAL. All methods are safe for
// concurrent use.
type Store interface {
	// CreateFeed subscribes the default user to f.URL, setting f.ID and
	// f.Created. ECONFLICT if the user already has that URL.
	CreateFeed(ctx context.Context, f *Feed) error
	// Feed returns one feed with its unread count. ENOTFOUND.
	Feed(ctx context.Context, id int64) (*Feed, error)
	// Feeds lists every feed with unread counts, ordered by category then title.
	Feeds(ctx context.Context) ([]Feed, error)
	// FeedsPage lists one page of the default user's feeds with unread
	// counts, so a list of thousands need not be read whole. search, unless
	// empty, keeps the feeds whose title, URL or site URL contains it,
	// ignoring the case of ASCII letters. order is "" or "category" (the
	// order of Feeds), "title", or "errors" (failing feeds first, the most
	// consecutive failures first, then as "category"). limit <= 0 means 50;
	// it is capped at 500. cursor is "" for the first page, or the next or
	// prev of an earlier call with the same order: the page after, or
	// before, that one. next and prev are "" when there is nothing further
	// that way. EINVALID for an unknown order, a malformed cursor or a
	// search longer than 1000 bytes.
	FeedsPage(ctx context.Context, search, order string, limit int, cursor string) (feeds []Feed, next, prev string, err error)
	// FeedTotals counts the default user's feeds that match search (as in
	// FeedsPage; "" counts all), their unread articles, and those failing
	// (ErrorCount > 0 or LastError set). EINVALID for a search longer than
	// 1000 bytes.
	FeedTotals(ctx context.Context, search string) (feeds, unread, failing int, err error)
	// UpdateFeed saves f's title, site URL, category, icon and fetch mode
	// (not its fetch state). ENOTFOUND.
	UpdateFeed(ctx context.Context, f *Feed) error
	// DeleteFeed removes a feed and its sources; an article left with no
	// source is removed too. ENOTFOUND.
	DeleteFeed(ctx context.Context, id int64) error
	// DueFeeds returns up to limit feeds whose NextCheck is at or before
	// now, the most overdue first.
	DueFeeds(ctx context.Context, now time.Time, limit int) ([]Feed, error)
	// ScheduleNow sets NextCheck of the given feeds (all feeds if ids is
	// empty) to now, so the scheduler picks them up at once.
	ScheduleNow(ctx context.Context, ids ...int64) error

	// SaveFetches saves each result's entries and its fetch state together,
	// all in one transaction: either everything of a batch is stored or
	// nothing is. An entry is matched by (feed, GUID), then by canonical URL
	// across all feeds (the article gains a source); a matched entry whose
	// Hash changed is updated in place; an unchanged one writes nothing.
	SaveFetches(ctx context.Context, results []FetchResult) ([]SaveResult, error)

	// Article returns one article with its sources and the user's read
	// state. ENOTFOUND.
	Article(ctx context.Context, id int64) (*Article, error)
	// Articles returns a page of articles, newest published first
	// (ties broken by descending ID), without Content.
	Articles(ctx context.Context, q ArticleQuery) (*ArticlePage, error)
	// UpdateArticle saves an article's extracted content and metadata
	// (everything but identity, sources and state). ENOTFOUND.
	UpdateArticle(ctx context.Context, a *Article) error
	// MarkRead sets the read flag of the given articles for a user.
	MarkRead(ctx context.Context, userID int64, ids []int64, read bool) error
	// MarkStarred sets the starred flag of the given articles for a user.
	MarkStarred(ctx context.Context, userID int64, ids []int64, starred bool) error
	// MergeArticles makes dup a syndicated copy of keep: dup's sources move
	// to keep, the source of original (keep or dup) is marked Original, and
	// dup is removed. Read and starred state carry over.
	MergeArticles(ctx context.Context, keep, dup, original int64) error

	// SaveIcon stores an icon once per hash and returns its ID.
	SaveIcon(ctx context.Context, icon *Icon) (int64, error)
	// Icon returns one icon. ENOTFOUND.
	Icon(ctx context.Context, id int64) (*Icon, error)

	// SaveStory creates (ID 0) or replaces a story: its fields, its
	// entities, and the story of each of its ArticleIDs.
	SaveStory(ctx context.Context, s *Story) error
	// DeleteStory removes a story (after a merge); its articles keep no story.
	DeleteStory(ctx context.Context, id int64) error
	// Story returns one story with its entities and article IDs. ENOTFOUND.
	Story(ctx context.Context, id int64) (*Story, error)
	// Stories lists stories by descending importance, then last seen.
	Stories(ctx context.Context, limit, offset int) ([]Story, error)
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
	EntityStories(ctx context.Context, kind EntityKind, name string, limit int) (spellings []Entity, stories []Story, err error)

	// Close releases the store.
	Close() error
}
