package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the read pools' statements prepared, by query text, for
// dialects with Dialect.PrepareReads. SQLite parses and plans a statement
// each time it is prepared, and the driver prepares every query it runs:
// a fifth of the CPU time of a page of articles went to parsing the same
// few texts again. A cached *sql.Stmt is prepared once per connection
// that runs it.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[stmtKey]*sql.Stmt
	closed bool
}

type stmtKey struct {
	pool  *sql.DB
	query string
}

// stmtCacheMax bounds the texts kept (each is prepared on up to every
// connection of its pool); queries beyond it run unprepared. The store's
// read queries are a few dozen texts: IN lists are mostly page-sized.
const stmtCacheMax = 128

// get returns the statement of query on pool, preparing it on first use;
// nil when it is not kept (the cache is full or closed, or preparing
// failed: the caller runs the query unprepared and meets the error there).
func (c *stmtCache) get(ctx context.Context, pool *sql.DB, query string) *sql.Stmt {
	k := stmtKey{pool, query}
	c.mu.Lock()
	st, ok := c.stmts[k]
	full := c.closed || len(c.stmts) >= stmtCacheMax
	c.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	// Prepared outside the lock: it may wait for a connection.
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[k]; ok || c.closed || len(c.stmts) >= stmtCacheMax {
		_ = st.Close() // another caller kept one first, or the store closed
		return prev
	}
	if c.stmts == nil {
		c.stmts = make(map[stmtKey]*sql.Stmt)
	}
	c.stmts[k] = st
	return st
}

// close closes the kept statements before the pools close.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var first error
	for k, st := range c.stmts {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.stmts, k)
	}
	return first
}
