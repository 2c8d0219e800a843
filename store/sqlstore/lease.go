package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	digest "github.com/occasional-digest/digest"
)

// ClaimFeeds leases to owner, until now+lease, up to limit (<= 0: 100)
// due feeds that hold no lease unexpired at now, and returns them, the
// most overdue first. The feeds are picked and leased by one statement:
// on PostgreSQL its subquery locks the rows it picks and skips those
// another claim has locked (Dialect.SkipLocked), so concurrent claims
// never wait for each other nor return the same feed; on SQLite writes
// are serial. SaveFetches ends a feed's lease (see fetchQueries).
func (s *Store) ClaimFeeds(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]digest.Feed, error) {
	if limit <= 0 {
		limit = 100
	}
	if lease <= 0 {
		return nil, digest.Errorf(digest.EINVALID, "claim feeds: lease %s is not positive", lease)
	}
	at := dbTime(now)
	var feeds []digest.Feed
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.d.rebind(`UPDATE feeds SET lease_owner = ?, lease_until = ?
			WHERE id IN (SELECT id FROM feeds WHERE next_check <= ? AND lease_until <= ?
				ORDER BY next_check, id LIMIT ?`+s.d.SkipLocked+`)
			RETURNING id`), clean(owner), dbTime(now.Add(lease)), at, at, limit)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range s.chunks(ids, 0) {
			in, args := inList(c)
			rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT `+feedCols+`, 0
				FROM feeds f LEFT JOIN subscriptions u ON FALSE
				WHERE f.id IN (`+in+`)`), args...)
			if err != nil {
				return err
			}
			if feeds, err = appendFeeds(feeds, rows, "claim feeds"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("claim feeds", err)
	}
	sortDue(feeds)
	return feeds, nil
}

// sortDue orders feeds as DueFeeds does: the most overdue first, then by
// ID.
func sortDue(fs []digest.Feed) {
	slices.SortFunc(fs, func(a, b digest.Feed) int {
		if c := a.NextCheck.Compare(b.NextCheck); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// ReleaseFeeds ends owner's leases (owner "": anyone's) of the given
// feeds (none given: of every feed); feeds leased to another owner are
// left alone.
func (s *Store) ReleaseFeeds(ctx context.Context, owner string, ids ...int64) error {
	owner = clean(owner)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if len(ids) == 0 {
			_, err := s.exec(ctx, tx, `UPDATE feeds SET lease_until = 0, lease_owner = ''
				WHERE lease_until <> 0 AND (? = '' OR lease_owner = ?)`, owner, owner)
			return err
		}
		for _, c := range s.chunks(ids, 1) {
			in, args := inList(c)
			if _, err := s.exec(ctx, tx, `UPDATE feeds SET lease_until = 0, lease_owner = ''
				WHERE (? = '' OR lease_owner = ?) AND id IN (`+in+`)`, append([]any{owner, owner}, args...)...); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("release feeds", err)
}

// Backlog is what waits in the store for the workers, for metrics.
type Backlog struct {
	DueFeeds int // feeds whose NextCheck has come, leased or not
	Queued   int // articles with post-processing queued (due or waiting for a retry)
	// OldestStory is the time since when the longest-due story step has
	// been due (zero when none is): the story engine's lag.
	OldestStory time.Time
}

// Backlog counts the due feeds and the queued post-processing at now.
// Each count reads an index (feeds by next_check; the whole post queue,
// which post-processing keeps short).
func (s *Store) Backlog(ctx context.Context, now time.Time) (Backlog, error) {
	var b Backlog
	at := dbTime(now)
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM feeds WHERE next_check <= ?`, at).Scan(&b.DueFeeds); err != nil {
		return b, wrap("backlog", err)
	}
	var oldest int64
	err := s.queryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(CASE WHEN (steps & ?) <> 0 AND next_try <= ? THEN next_try END), 0)
		FROM post_queue`, int64(digest.StepStory), at).Scan(&b.Queued, &oldest)
	if err != nil {
		return b, wrap("backlog", err)
	}
	b.OldestStory = goTime(oldest)
	return b, nil
}

// Ping checks that the database answers, on the read pool (and so on a
// fresh connection when the pooled ones were lost).
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.read.PingContext(ctx))
}

// StillDue returns those of ids whose next_check is at or before now,
// in ID order, reading the feeds' primary key a chunk of IDs at a time.
func (s *Store) StillDue(ctx context.Context, now time.Time, ids ...int64) ([]int64, error) {
	var due []int64
	for _, c := range s.chunks(ids, 1) {
		in, args := inList(c)
		rows, err := s.query(ctx, `SELECT id FROM feeds WHERE next_check <= ? AND id IN (`+in+`)`, append([]any{dbTime(now)}, args...)...)
		if err != nil {
			return nil, wrap("still due", err)
		}
		got, err := scanIDs(rows)
		if err != nil {
			return nil, wrap("still due", err)
		}
		due = append(due, got...)
	}
	slices.Sort(due)
	return due, nil
}
