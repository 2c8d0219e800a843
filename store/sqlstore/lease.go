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
// most overdue first. The feeds are picked, leased and read by one
// statement, outside any transaction: on PostgreSQL its subquery locks the rows it picks and skips
// those another claim has locked (Dialect.SkipLocked), so concurrent
// claims never wait for each other nor return the same feed; on SQLite
// writes are serial. The statement's text is the same for every claim,
// so PostgreSQL parses it once per connection. SaveFetches and
// SaveFetchStates end a feed's lease.
func (s *Store) ClaimFeeds(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]digest.Feed, error) {
	if limit <= 0 {
		limit = 100
	}
	if lease <= 0 {
		return nil, digest.Errorf(digest.EINVALID, "claim feeds: lease %s is not positive", lease)
	}
	at := dbTime(now)
	// One statement is atomic alone: no transaction around it, which on
	// PostgreSQL would cost two more round trips per claim.
	rows, err := s.write.QueryContext(ctx, s.d.rebind(`UPDATE feeds SET lease_owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM feeds WHERE next_check <= ? AND lease_until <= ?
			ORDER BY next_check, id LIMIT ?`+s.d.SkipLocked+`)
		RETURNING `+claimCols), clean(owner), dbTime(now.Add(lease)), at, at, limit)
	if err != nil {
		return nil, wrap("claim feeds", err)
	}
	feeds, err := appendFeeds(make([]digest.Feed, 0, min(limit, 1024)), rows, "claim feeds")
	if err != nil {
		return nil, err
	}
	sortDue(feeds)
	return feeds, nil
}

// claimCols are feedCols of a feed read alone (no subscription: no
// category, the feed's own title and fetch mode, no unread count), for
// a RETURNING clause.
const claimCols = `id, url, site_url, title, '', COALESCE(icon_id, 0), fetch_mode, created,
	etag, last_modified, last_check, next_check, last_error, error_count, interval_ns, 0`

// SaveFetchStates saves the fetch state of results without entries (a
// 304, a failed fetch) and ends their leases; see
// digest.ContentStore.SaveFetchStates. With Dialect.Arrays one statement
// writes the whole batch from arrays; otherwise a statement prepared once
// writes a row at a time (SQLite: no round trips). Rules due for a
// recheck are rechecked as after SaveFetches, so that they do not wait
// for a feed with news.
func (s *Store) SaveFetchStates(ctx context.Context, results []digest.FetchResult) error {
	if len(results) == 0 {
		return nil
	}
	// The last result of a feed wins, as in SaveFetches.
	last := make(map[int64]int, len(results))
	for i := range results {
		if len(results[i].Entries) > 0 {
			return digest.Errorf(digest.EINVALID, "save fetch states: the result for feed %d has entries", results[i].FeedID)
		}
		last[results[i].FeedID] = i
	}
	n := len(last)
	ids, checks, nexts, intervals := make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n), make([]int64, 0, n)
	errCounts := make([]int32, 0, n)
	etags, mods, errs, titles, sites := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	for i := range results {
		r := &results[i]
		if last[r.FeedID] != i {
			continue
		}
		fs := &r.State
		ids = append(ids, r.FeedID)
		etags = append(etags, clean(fs.ETag))
		mods = append(mods, clean(fs.LastModified))
		checks = append(checks, dbTime(fs.LastCheck))
		nexts = append(nexts, dbTime(fs.NextCheck))
		errs = append(errs, clean(fs.LastError))
		errCounts = append(errCounts, int32(fs.ErrorCount))
		intervals = append(intervals, int64(fs.Interval))
		titles = append(titles, clean(r.Title))
		sites = append(sites, clean(r.SiteURL))
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if s.d.Arrays {
			_, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE feeds SET etag = v.etag, last_modified = v.modified,
				last_check = v.checked, next_check = v.next, last_error = v.err, error_count = v.errors,
				interval_ns = v.interval, lease_until = 0, lease_owner = '',
				title = CASE WHEN v.title = '' THEN feeds.title ELSE v.title END,
				site_url = CASE WHEN v.site = '' THEN feeds.site_url ELSE v.site END
				FROM unnest(CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]),
					CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS INTEGER[]), CAST(? AS BIGINT[]),
					CAST(? AS TEXT[]), CAST(? AS TEXT[]))
					AS v(id, etag, modified, checked, next, err, errors, interval, title, site)
				WHERE feeds.id = v.id`), ids, etags, mods, checks, nexts, errs, errCounts, intervals, titles, sites)
			if err != nil {
				return err
			}
		} else {
			st, err := tx.PrepareContext(ctx, s.d.rebind(`UPDATE feeds SET etag = ?, last_modified = ?, last_check = ?,
				next_check = ?, last_error = ?, error_count = ?, interval_ns = ?, lease_until = 0, lease_owner = '',
				title = CASE WHEN ? = '' THEN title ELSE ? END,
				site_url = CASE WHEN ? = '' THEN site_url ELSE ? END
				WHERE id = ?`))
			if err != nil {
				return err
			}
			defer st.Close()
			for i, id := range ids {
				if _, err := st.ExecContext(ctx, etags[i], mods[i], checks[i], nexts[i], errs[i], errCounts[i], intervals[i],
					titles[i], titles[i], sites[i], sites[i], id); err != nil {
					return wrapFeed(id, err)
				}
			}
		}
		return s.recheckRulesTx(ctx, tx)
	})
	if err != nil {
		return wrap("save fetch states", err)
	}
	s.states.Add(int64(n))
	return nil
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
