package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// ErrNoDataVersion is DataVersion's error for a dialect without one.
var ErrNoDataVersion = errors.New("the database tells no data version")

// versionConn is the connection DataVersion asks on: SQLite's data
// version is per connection, so it must be one kept connection. Its lock
// is held for that one cheap query only, never while anything else runs.
type versionConn struct {
	mu   sync.Mutex
	conn *sql.Conn
}

// DataVersion returns a number that changes whenever a transaction is
// committed to the database, by this process or another (SQLite's
// data_version, PostgreSQL's snapshot), for caches of what the store
// holds: equal numbers mean nothing was committed between the two calls.
// ErrNoDataVersion when the dialect has none.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	if s.d.DataVersion == "" {
		return 0, ErrNoDataVersion
	}
	c := &s.version
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		conn, err := s.read.Conn(ctx)
		if err != nil {
			return 0, wrap("data version", err)
		}
		c.conn = conn
	}
	var v int64
	if err := c.conn.QueryRowContext(ctx, s.d.DataVersion).Scan(&v); err != nil {
		_ = c.conn.Close() // returns it to the pool; the next call takes another
		c.conn = nil
		return 0, wrap("data version", err)
	}
	return v, nil
}

func (c *versionConn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}
