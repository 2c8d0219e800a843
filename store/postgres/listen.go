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

// ContentVersion returns a number that moves with every change of what
// readers are shown (articles, their states and sources, subscriptions,
// stories, saved searches, For you's inputs: see migration 0032), heard
// as a notification, and ok when it can be trusted: while Changes
// listens on a live connection. It moves too when that connection is
// (re)made, since notifications sent meanwhile are lost. A change is
// seen once its notification has arrived, milliseconds after its commit;
// caches of this process's own writes must account for them themselves.
// Unlike DataVersion it asks nothing of the database, and commits in
// other databases of the cluster or of rows readers never see (a feed's
// fetch state, a session's last use) leave it alone.
func (db *DB) ContentVersion() (v uint64, ok bool) {
	v = db.content.Load()
	return v, db.listening.Load() > 0
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
	db.content.Add(1) // what was sent before is not heard
	db.listening.Add(1)
	defer db.listening.Add(-1)
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			db.content.Add(1)
			return fmt.Errorf("wait for notification: %w", err)
		}
		s, what, ok := strings.Cut(n.Payload, " ")
		if ok && s == schema {
			if what != "posts" && what != "accounts" {
				db.content.Add(1)
			}
			fn(what)
		}
	}
}
