package web

import (
	"context"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// feedCache keeps each user's feed list for pages that only need feed
// titles and icons, so that a river page costs one article query instead
// of one feed query per item. Unread counts in it may be up to ttl old;
// the feed page reads the store directly. At most feedCacheUsers users'
// lists are kept.
type feedCache struct {
	store digest.FeedStore
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	users map[int64]*userFeeds
	gen   uint64 // counts invalidations, for caches derived from feeds
}

// userFeeds is one user's cached list.
type userFeeds struct {
	byID   map[int64]*digest.Feed // read-only once published
	list   []digest.Feed
	loaded time.Time
}

const feedCacheUsers = 256

func newFeedCache(store digest.FeedStore, ttl time.Duration, now func() time.Time) *feedCache {
	return &feedCache{store: store, ttl: ttl, now: now, users: map[int64]*userFeeds{}}
}

// get returns the user's feeds by ID and in store order. The returned
// values are shared: callers must not modify them.
func (c *feedCache) get(ctx context.Context, user int64) (map[int64]*digest.Feed, []digest.Feed, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.users[user]; e != nil && c.now().Sub(e.loaded) < c.ttl {
		return e.byID, e.list, nil
	}
	list, err := c.store.Feeds(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]*digest.Feed, len(list))
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	if len(c.users) >= feedCacheUsers {
		clear(c.users)
	}
	c.users[user] = &userFeeds{byID: byID, list: list, loaded: c.now()}
	return byID, list, nil
}

// lookup returns the user's feeds by ID, reloading once when one of the
// wanted IDs is missing (a feed added since the last load).
func (c *feedCache) lookup(ctx context.Context, user int64, ids ...int64) (map[int64]*digest.Feed, error) {
	byID, _, err := c.get(ctx, user)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := byID[id]; !ok {
			c.invalidate()
			byID, _, err = c.get(ctx, user)
			return byID, err
		}
	}
	return byID, nil
}

// invalidate drops every cached list; the next get reloads.
func (c *feedCache) invalidate() {
	c.mu.Lock()
	clear(c.users)
	c.gen++
	c.mu.Unlock()
}

// generation changes whenever the feeds change through this server.
func (c *feedCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}
