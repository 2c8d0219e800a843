package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"sync"

	digest "github.com/occasional-digest/digest"
)

// feedCache holds the last result of Feeds. Reading 10,000 feeds through
// the SQLite driver costs tens of milliseconds (the driver's per-column
// calls dominate), and the feeds page and API ask for the whole list on
// every request, while the list changes only when something is written.
// The cache is checked against the dialect's DataVersion on one kept
// connection: any commit by any connection, in this process or another,
// changes it, so no write can be missed, whatever method or program made
// it.
type feedCache struct {
	mu      sync.Mutex              // held while the cache is checked or filled
	conn    *sql.Conn               // kept from the read pool; nil until first use
	version int64                   // the data version of every entry of feeds
	feeds   map[int64][]digest.Feed // by user
}

// feedCacheUsers bounds the users whose feed lists are kept.
const feedCacheUsers = 32

// cachedFeeds returns a copy of the cached feed list when no commit
// happened since it was read, and otherwise reads it with load on the
// cache's connection and keeps it. It calls load directly when the dialect
// has no DataVersion.
func (s *Store) cachedFeeds(ctx context.Context, user int64, load func(ctx context.Context, q querier, user int64, size int) ([]digest.Feed, error)) ([]digest.Feed, error) {
	if s.d.DataVersion == "" {
		return load(ctx, s.reader(ctx), user, 0)
	}
	c := &s.feedCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		conn, err := s.read.Conn(ctx)
		if err != nil {
			return nil, wrap("feeds", err)
		}
		c.conn = conn
	}
	var v int64
	if err := c.conn.QueryRowContext(ctx, s.d.DataVersion).Scan(&v); err != nil {
		// The connection may be broken: drop it, and the cache with it.
		c.drop()
		return nil, wrap("feeds: data version", err)
	}
	if v != c.version || len(c.feeds) >= feedCacheUsers {
		clear(c.feeds)
		c.version = v
	}
	if fs, ok := c.feeds[user]; ok {
		return slices.Clone(fs), nil
	}
	// A commit between the version read above and this query leaves the
	// entry tagged with the older version: the next call reloads.
	fs, err := load(ctx, c.conn, user, 0)
	if err != nil {
		c.drop()
		return nil, err
	}
	if c.feeds == nil {
		c.feeds = map[int64][]digest.Feed{}
	}
	c.feeds[user] = fs
	return slices.Clone(fs), nil
}

// drop forgets the cache and returns its connection to the pool. The
// caller holds mu.
func (c *feedCache) drop() {
	if c.conn != nil {
		_ = c.conn.Close() // returns it to the pool; nothing to report
		c.conn = nil
	}
	c.feeds = nil
}

// close releases the cache's connection before the pool closes.
func (c *feedCache) close() {
	c.mu.Lock()
	c.drop()
	c.mu.Unlock()
}

// querier is what both *sql.DB and *sql.Conn offer for reading.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
