package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Lock is a PostgreSQL session-level advisory lock, held by at most one
// connection at a time among every process on the database: the story
// engine's (see ingest.Leader). Its key is a hash of its name and the
// current schema, so that deployments sharing a database in separate
// schemas (and parallel tests) do not exclude each other.
type Lock struct {
	cfg  *pgx.ConnConfig
	name string
}

// Lock returns the advisory lock of that name on the database.
func (db *DB) Lock(name string) *Lock { return &Lock{cfg: db.cfg, name: name} }

// TryLock tries once to take the lock on a new connection of its own.
// ok is false when another session holds it. When taken, lost is closed
// as soon as that connection ends (the server terminated it, the
// database went away, or the network failed as TCP keepalive notices):
// the server has then released the lock, and another process may hold
// it. release ends the connection, and so the lock; it waits until lost
// is closed. Calling it more than once is harmless.
func (l *Lock) TryLock(ctx context.Context) (lost <-chan struct{}, release func(), ok bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, nil, false, fmt.Errorf("lock %s: %w", l.name, err)
	}
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1 || '/' || COALESCE(current_schema(), ''), 0))`,
		l.name).Scan(&ok)
	if err != nil || !ok {
		conn.Close(context.WithoutCancel(ctx))
		if err != nil {
			return nil, nil, false, fmt.Errorf("lock %s: %w", l.name, err)
		}
		return nil, nil, false, nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Nothing is listened to: the read returns only when the
		// connection ends (on pg_terminate_backend the server says so
		// and closes it) or when release closes it.
		for {
			if err := conn.PgConn().WaitForNotification(context.Background()); err != nil {
				return
			}
		}
	}()
	var once sync.Once
	release = func() {
		once.Do(func() {
			conn.PgConn().Conn().Close() // unblocks the read above
			<-done
			conn.Close(context.Background())
		})
	}
	return done, release, true, nil
}
