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
//
// Texts vary (IN lists of every length): a text is prepared the second
// time it runs, so that one-off texts cost no more than before, and
// beyond stmtCacheMax texts the least recently used one goes, closed once
// no caller holds it.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[stmtKey]*cachedStmt
	seen   map[stmtKey]struct{} // run once, unprepared
	tick   uint64
	closed bool
}

type stmtKey struct {
	pool  *sql.DB
	query string
}

type cachedStmt struct {
	st      *sql.Stmt
	used    uint64 // tick of the last get
	holders int    // gets not yet released
	evicted bool   // closed by the last release
}

const (
	// stmtCacheMax bounds the texts kept prepared (each on up to every
	// connection of its pool).
	stmtCacheMax = 128
	// stmtSeenMax bounds the texts remembered as run once; the set
	// starts afresh beyond it.
	stmtSeenMax = 4096
)

// get returns the statement of query on pool and a release to call once
// the query is issued (its rows keep the statement open after); nil and
// a no-op when the text is run unprepared: its first time, or when
// preparing failed (the caller runs the query and meets the error there),
// or once the cache is closed.
func (c *stmtCache) get(ctx context.Context, pool *sql.DB, query string) (*sql.Stmt, func()) {
	k := stmtKey{pool, query}
	c.mu.Lock()
	if e, ok := c.stmts[k]; ok {
		c.tick++
		e.used = c.tick
		e.holders++
		c.mu.Unlock()
		return e.st, func() { c.release(e) }
	}
	if _, ok := c.seen[k]; !ok || c.closed {
		if !c.closed {
			if c.seen == nil || len(c.seen) >= stmtSeenMax {
				c.seen = make(map[stmtKey]struct{})
			}
			c.seen[k] = struct{}{}
		}
		c.mu.Unlock()
		return nil, func() {}
	}
	c.mu.Unlock()
	// Prepared outside the lock: it may wait for a connection.
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, func() {}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = st.Close() // nothing to report: the store is closing
		return nil, func() {}
	}
	e, ok := c.stmts[k]
	if ok {
		_ = st.Close() // another caller kept one first
	} else {
		if len(c.stmts) >= stmtCacheMax {
			c.evictLocked()
		}
		if c.stmts == nil {
			c.stmts = make(map[stmtKey]*cachedStmt)
		}
		e = &cachedStmt{st: st}
		c.stmts[k] = e
		delete(c.seen, k)
	}
	c.tick++
	e.used = c.tick
	e.holders++
	return e.st, func() { c.release(e) }
}

// evictLocked drops the least recently used statement, closing it now or
// at its last holder's release.
func (c *stmtCache) evictLocked() {
	var oldest stmtKey
	var found *cachedStmt
	for k, e := range c.stmts {
		if found == nil || e.used < found.used {
			oldest, found = k, e
		}
	}
	if found == nil {
		return
	}
	delete(c.stmts, oldest)
	found.evicted = true
	if found.holders == 0 {
		_ = found.st.Close() // its connections' statements are finalized; nothing to report
	}
}

func (c *stmtCache) release(e *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.holders--
	if e.evicted && e.holders == 0 {
		_ = e.st.Close()
	}
}

// close closes the kept statements before the pools close; those still
// held close at their release.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var first error
	for k, e := range c.stmts {
		delete(c.stmts, k)
		e.evicted = true
		if e.holders == 0 {
			if err := e.st.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	c.seen = nil
	return first
}
