package web

import (
	"context"
	"errors"
	"html/template"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// feedCache keeps each user's feed list for pages that only need feed
// titles and icons, so that a river page costs one article query instead
// of one feed query per item. Unread counts in it may be up to ttl old,
// or older while one request reloads it: readers never wait for the
// reload of a list they have, and one request at a time loads a user's
// list. The feed page reads the store directly. At most feedCacheUsers
// users' lists are kept.
type feedCache struct {
	store digest.FeedStore
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	users   map[int64]*userFeeds
	loading map[int64]*feedLoad
	gen     uint64 // counts invalidations, for caches derived from feeds
}

// userFeeds is one user's cached list.
type userFeeds struct {
	byID   map[int64]*digest.Feed // read-only once published
	list   []digest.Feed
	loaded time.Time
	// picked is the river's outlet picker made of list, once.
	picked struct {
		once  sync.Once
		feeds []digest.Feed
		html  template.HTML
	}
}

// picker returns the river's outlet picker for the list: the feeds it
// shows (see pickerFeeds) and their links written out. Both are made on
// first use and shared: callers must not modify them.
func (e *userFeeds) picker() ([]digest.Feed, template.HTML) {
	e.picked.once.Do(func() {
		e.picked.feeds = pickerFeeds(e.list, maxPickerFeeds)
		e.picked.html = pickerFeedsHTML(e.picked.feeds)
	})
	return e.picked.feeds, e.picked.html
}

// feedLoad is a load of one user's list under way; done is closed when
// its result is set.
type feedLoad struct {
	gen  uint64 // the cache's generation when it began
	done chan struct{}
	e    *userFeeds
	err  error
}

const feedCacheUsers = 256

func newFeedCache(store digest.FeedStore, ttl time.Duration, now func() time.Time) *feedCache {
	return &feedCache{store: store, ttl: ttl, now: now, users: map[int64]*userFeeds{}, loading: map[int64]*feedLoad{}}
}

// get returns the user's feeds by ID and in store order. The returned
// values are shared: callers must not modify them. A list older than the
// ttl is returned as it is while another request reloads it; a request
// finding no list (or one dropped by invalidate) waits for the load under
// way, or loads it.
func (c *feedCache) get(ctx context.Context, user int64) (map[int64]*digest.Feed, []digest.Feed, error) {
	e, err := c.entry(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	return e.byID, e.list, nil
}

// entry is get's list with what is made of it once (see picker).
func (c *feedCache) entry(ctx context.Context, user int64) (*userFeeds, error) {
	for {
		c.mu.Lock()
		e := c.users[user]
		l := c.loading[user]
		if l != nil && l.gen != c.gen {
			l = nil // began before an invalidation: its list is not wanted
		}
		switch {
		case e != nil && (c.now().Sub(e.loaded) < c.ttl || l != nil):
			c.mu.Unlock()
			return e, nil
		case l != nil:
			c.mu.Unlock()
			select {
			case <-l.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if l.err != nil {
				if ctx.Err() == nil && (errors.Is(l.err, context.Canceled) || errors.Is(l.err, context.DeadlineExceeded)) {
					continue // the loading request went away: load again
				}
				return nil, l.err
			}
			return l.e, nil
		}
		l = &feedLoad{gen: c.gen, done: make(chan struct{})}
		c.loading[user] = l
		c.mu.Unlock()
		return c.load(ctx, user, l)
	}
}

// load reads the user's list for l and publishes it.
func (c *feedCache) load(ctx context.Context, user int64, l *feedLoad) (*userFeeds, error) {
	list, err := c.store.Feeds(ctx, user)
	var e *userFeeds
	if err == nil {
		byID := make(map[int64]*digest.Feed, len(list))
		for i := range list {
			byID[list[i].ID] = &list[i]
		}
		e = &userFeeds{byID: byID, list: list, loaded: c.now()}
	}
	c.mu.Lock()
	if c.loading[user] == l {
		delete(c.loading, user)
	}
	if err == nil && l.gen == c.gen {
		if len(c.users) >= feedCacheUsers {
			clear(c.users)
		}
		c.users[user] = e
	}
	l.e, l.err = e, err
	close(l.done)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return e, nil
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
