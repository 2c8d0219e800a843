package web

import (
	"context"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// feedCache keeps the feed list for pages that only need feed titles and
// icons, so that a river page costs one article query instead of one feed
// query per item. Unread counts in it may be up to ttl old; the feed page
// reads the store directly.
type feedCache struct {
	store digest.Store
	ttl   time.Duration
	now   func() time.Time

	mu     sync.Mutex
	byID   map[int64]*digest.Feed // read-only once published
	list   []digest.Feed
	loaded time.Time
	gen    uint64 // counts invalidations, for caches derived from feeds
}

func newFeedCache(store digest.Store, ttl time.Duration, now func() time.Time) *feedCache {
	return &feedCache{store: store, ttl: ttl, now: now}
}

// get returns the feeds by ID and in store order. The returned values are
// shared: callers must not modify them.
func (c *feedCache) get(ctx context.Context) (map[int64]*digest.Feed, []digest.Feed, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID != nil && c.now().Sub(c.loaded) < c.ttl {
		return c.byID, c.list, nil
	}
	list, err := c.store.Feeds(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]*digest.Feed, len(list))
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	c.byID, c.list, c.loaded = byID, list, c.now()
	return byID, list, nil
}

// lookup returns the feeds by ID, reloading once when one of the wanted
// IDs is missing (a feed added since the last load).
func (c *feedCache) lookup(ctx context.Context, ids ...int64) (map[int64]*digest.Feed, error) {
	byID, _, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := byID[id]; !ok {
			c.invalidate()
			byID, _, err = c.get(ctx)
			return byID, err
		}
	}
	return byID, nil
}

// invalidate drops the cached list; the next get reloads it.
func (c *feedCache) invalidate() {
	c.mu.Lock()
	c.byID, c.list = nil, nil
	c.gen++
	c.mu.Unlock()
}

// generation changes whenever the feeds change through this server.
func (c *feedCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}
