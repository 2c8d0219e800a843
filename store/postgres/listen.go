package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Changes calls fn with "articles" or "stories" each time a transaction
// that stored new articles, or saved stories, commits in any process on
// the database (see migration 0018's triggers), until ctx ends. It
// listens on a connection of its own and reconnects, backing off, when
// that connection is lost; since notifications sent meanwhile are lost,
// fn is then called with "" (anything may have changed). fn runs on the
// listening goroutine: it should be quick. Changes returns ctx's error.
func (db *DB) Changes(ctx context.Context, fn func(what string)) error {
	backoff := 100 * time.Millisecond
	first := true
	for {
		err := db.listen(ctx, func() {
			if !first {
				fn("")
			}
			first = false
			backoff = 100 * time.Millisecond
		}, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		db.logger.Warn("listen for changes", "err", err, "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// listen runs one connection: LISTEN, then connected(), then fn for each
// notification of this schema, until the connection fails or ctx ends.
func (db *DB) listen(ctx context.Context, connected func(), fn func(string)) error {
	conn, err := pgx.ConnectConfig(ctx, db.cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, `SELECT COALESCE(current_schema(), '')`).Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `LISTEN digest_changes`); err != nil {
		return err
	}
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		s, what, ok := strings.Cut(n.Payload, " ")
		if ok && s == schema {
			fn(what)
		}
	}
}
