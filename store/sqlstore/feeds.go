package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// feedCols selects a feed as seen by the user of the subscription u; the
// unread count is appended by each query.
const feedCols = `f.id, f.url, f.site_url, COALESCE(NULLIF(u.title, ''), f.title), COALESCE(u.category, ''),
	COALESCE(f.icon_id, 0), COALESCE(NULLIF(u.fetch_mode, ''), f.fetch_mode), COALESCE(u.created, f.created),
	f.etag, f.last_modified, f.last_check, f.next_check, f.last_error, f.error_count, f.interval_ns`

// recountUnread sets the unread counters of the subscriptions to the
// given feeds from scratch (an article carried twice by a feed counts
// once). Writes that change unread state in simple ways adjust the
// counters instead (see SaveFetches and MarkRead).
const recountUnread = `UPDATE subscriptions SET unread = (
	SELECT COUNT(DISTINCT s.article_id)
	FROM sources s JOIN article_states st ON st.article_id = s.article_id AND st.user_id = subscriptions.user_id
	WHERE s.feed_id = subscriptions.feed_id AND NOT st.read AND NOT st.hidden)`

// recount recounts the unread counters of every subscription to feeds.
func (s *Store) recount(ctx context.Context, tx *sql.Tx, feeds []int64) error {
	for _, c := range s.chunks(feeds, 0) {
		in, args := inList(c)
		if _, err := s.exec(ctx, tx, recountUnread+` WHERE feed_id IN (`+in+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

// scanFeed scans feedCols and the unread count into f, then extra
// columns into more.
func scanFeed(r scanner, f *digest.Feed, more ...any) error {
	var mode string
	var created, lastCheck, nextCheck, interval int64
	dest := [32]any{&f.ID, &f.URL, &f.SiteURL, &f.Title, &f.Category, &f.IconID, &mode, &created,
		&f.ETag, &f.LastModified, &lastCheck, &nextCheck, &f.LastError, &f.ErrorCount, &interval, &f.Unread}
	n := 16 + copy(dest[16:], more)
	if err := r.Scan(dest[:n]...); err != nil {
		return err
	}
	f.Fetch = fetchMode(mode)
	f.Created = goTime(created)
	f.LastCheck = goTime(lastCheck)
	f.NextCheck = goTime(nextCheck)
	f.Interval = time.Duration(interval)
	return nil
}

// fetchMode returns the mode read from the database without keeping the
// scanned string: one of the constants when it is one.
func fetchMode(m string) digest.FetchMode {
	switch digest.FetchMode(m) {
	case digest.FetchShort:
		return digest.FetchShort
	case digest.FetchAlways:
		return digest.FetchAlways
	case digest.FetchNever:
		return digest.FetchNever
	}
	return digest.FetchMode(m)
}

// CreateFeed subscribes the user to f.URL. The feed row is shared:
// if another user already has the URL, the subscription reuses it and the
// feed's existing articles appear for the new subscriber. A new feed is due
// at f.NextCheck, or at once when that is zero. f.Fetch defaults to
// FetchShort; the category is created when new. EINVALID for an empty URL
// or unknown fetch mode; ECONFLICT if the user already has the URL.
func (s *Store) CreateFeed(ctx context.Context, userID int64, f *digest.Feed) error {
	url := clean(strings.TrimSpace(f.URL))
	if url == "" {
		return digest.Errorf(digest.EINVALID, "feed URL is empty")
	}
	if f.Fetch == "" {
		f.Fetch = digest.FetchShort
	}
	if !f.Fetch.Valid() {
		return digest.Errorf(digest.EINVALID, "unknown fetch mode %q", f.Fetch)
	}
	now := s.now().UTC()
	next := f.NextCheck
	if next.IsZero() {
		next = now
	}
	var id, categoryID int64
	category := strings.TrimSpace(clean(f.Category))
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, categoryID, err = s.subscribeTx(ctx, tx, userID, f, url, category, now, next); err != nil {
			return err
		}
		if err := s.applyRulesFeedTx(ctx, tx, userID, id); err != nil {
			return err
		}
		return s.recount(ctx, tx, []int64{id})
	})
	if err != nil {
		return wrap("create feed", err)
	}
	f.ID = id
	f.URL = url
	f.Category, f.CategoryID = category, categoryID
	f.Created = now
	return nil
}

// subscribeTx is CreateFeed's work in tx, but for recounting the feed's
// unread articles: it subscribes the user to url (stored once for all
// users), counts the articles the user already saw and sets the category.
func (s *Store) subscribeTx(ctx context.Context, tx *sql.Tx, userID int64, f *digest.Feed, url, category string, now, next time.Time) (id, categoryID int64, err error) {
	err = s.txRow(ctx, tx, `INSERT INTO feeds (url, site_url, title, icon_id, fetch_mode, created, next_check)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING RETURNING id`,
		url, clean(f.SiteURL), clean(f.Title), nullID(f.IconID), string(f.Fetch), dbTime(now), dbTime(next)).Scan(&id)
	userTitle := ""
	switch {
	case errors.Is(err, sql.ErrNoRows): // the feed exists for another user
		if err := s.txRow(ctx, tx, `SELECT id FROM feeds WHERE url = ?`, url).Scan(&id); err != nil {
			return 0, 0, err
		}
		userTitle = clean(f.Title)
	case err != nil:
		return 0, 0, err
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO subscriptions (user_id, feed_id, title, category, fetch_mode, created) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, id, userTitle, category, string(f.Fetch), dbTime(now)); err != nil {
		if s.d.IsUniqueViolation(err) {
			return 0, 0, digest.Errorf(digest.ECONFLICT, "already subscribed to %s", url)
		}
		return 0, 0, err
	}
	if _, err = s.exec(ctx, tx, `INSERT INTO article_states (user_id, article_id, published, read, starred)
		SELECT CAST(? AS BIGINT), a.id, a.published, FALSE, FALSE FROM sources s JOIN articles a ON a.id = s.article_id
		WHERE s.feed_id = ? ON CONFLICT (user_id, article_id) DO NOTHING`, userID, id); err != nil {
		return 0, 0, err
	}
	if categoryID, err = s.ensureCategory(ctx, tx, userID, category); err != nil {
		return 0, 0, err
	}
	// The new subscriber may have seen some of the feed's articles
	// through other feeds: those keep their state, so count.
	if err := s.settleFetchMode(ctx, tx, id); err != nil {
		return 0, 0, err
	}
	return id, categoryID, nil
}

// Feed returns one of the user's feeds with its unread count. ENOTFOUND.
func (s *Store) Feed(ctx context.Context, userID, id int64) (*digest.Feed, error) {
	var f digest.Feed
	err := scanFeed(s.queryRow(ctx, `SELECT `+feedCols+`, u.unread
		FROM subscriptions u JOIN feeds f ON f.id = u.feed_id
		WHERE u.user_id = ? AND u.feed_id = ?`, userID, id), &f)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("feed", id)
	}
	if err != nil {
		return nil, wrap("feed", err)
	}
	fs := []digest.Feed{f}
	if err := s.fillCategoryIDs(ctx, userID, fs); err != nil {
		return nil, wrap("feed", err)
	}
	return &fs[0], nil
}

// FeedByID returns a feed's own metadata and fetch state, whoever follows
// it: the title the feed document gives, no category, no unread count.
// ENOTFOUND.
func (s *Store) FeedByID(ctx context.Context, id int64) (*digest.Feed, error) {
	var f digest.Feed
	err := scanFeed(s.queryRow(ctx, `SELECT `+feedCols+`, 0
		FROM feeds f LEFT JOIN subscriptions u ON FALSE
		WHERE f.id = ?`, id), &f)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("feed", id)
	}
	if err != nil {
		return nil, wrap("feed", err)
	}
	return &f, nil
}

// FeedIDs lists the IDs of every stored feed, ascending.
func (s *Store) FeedIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT id FROM feeds ORDER BY id`)
	if err != nil {
		return nil, wrap("feed ids", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("feed ids", err)
		}
		ids = append(ids, id)
	}
	return ids, wrap("feed ids", rows.Err())
}

// SetFeedIcon sets a feed's icon (0: none). ENOTFOUND.
func (s *Store) SetFeedIcon(ctx context.Context, feedID, iconID int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE feeds SET icon_id = ? WHERE id = ?`, nullID(iconID), feedID)
		if err != nil {
			return err
		}
		return mustAffect(res, "feed", feedID)
	})
	return wrap("set feed icon", err)
}

// Feeds lists the user's feeds with unread counts, ordered by
// category, then title ignoring the case of ASCII letters, then ID: the
// order of FeedsPage's "category".
func (s *Store) Feeds(ctx context.Context, userID int64) ([]digest.Feed, error) {
	return s.cachedFeeds(ctx, userID, s.loadFeeds)
}

// loadFeeds reads the user's feeds through q, sorted as Feeds
// returns them; size is the number expected, 0 if unknown.
func (s *Store) loadFeeds(ctx context.Context, q querier, user int64, size int) ([]digest.Feed, error) {
	if size == 0 {
		// Growing the slice row by row copied it a dozen times.
		rows, err := q.QueryContext(ctx, s.d.rebind(`SELECT COUNT(*) FROM subscriptions WHERE user_id = ?`), user)
		if err != nil {
			return nil, wrap("feeds", err)
		}
		for rows.Next() {
			if err := rows.Scan(&size); err != nil {
				rows.Close()
				return nil, wrap("feeds", err)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, wrap("feeds", err)
		}
		size += 8 // a few may be added meanwhile
	}
	// Sorted here: SQLite's sorter takes ten times as long as the query for
	// 10,000 wide rows.
	fs := make([]digest.Feed, 0, size)
	if s.d.GroupConcat != "" {
		var err error
		if fs, err = s.loadPackedFeeds(ctx, q, user, fs); err != nil {
			return nil, err
		}
	} else {
		rows, err := q.QueryContext(ctx, s.d.rebind(`SELECT `+feedCols+`, u.unread
			FROM subscriptions u JOIN feeds f ON f.id = u.feed_id
			WHERE u.user_id = ?`), user)
		if err != nil {
			return nil, wrap("feeds", err)
		}
		if fs, err = appendFeeds(fs, rows, "feeds"); err != nil {
			return nil, err
		}
	}
	sortFeeds(fs)
	if err := s.fillCategoryIDs(ctx, user, fs); err != nil {
		return nil, wrap("feeds", err)
	}
	return fs, nil
}

// sortFeeds sorts feeds by category, then title ignoring the case of ASCII
// letters (as SQLite's lower() does, so that Feeds and FeedsPage agree),
// then ID. It sorts an index, then moves each feed once.
func sortFeeds(fs []digest.Feed) {
	idx := make([]int32, len(fs))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		fa, fb := &fs[a], &fs[b]
		return cmp.Or(strings.Compare(fa.Category, fb.Category), compareFold(fa.Title, fb.Title), cmp.Compare(fa.ID, fb.ID))
	})
	// fs[i] must become the feed now at fs[idx[i]]: follow each cycle of
	// the permutation.
	for i := range idx {
		if idx[i] < 0 || int(idx[i]) == i {
			continue
		}
		tmp := fs[i]
		j := i
		for {
			k := int(idx[j])
			idx[j] = -1
			if k == i {
				fs[j] = tmp
				break
			}
			fs[j] = fs[k]
			j = k
		}
	}
}

// compareFold compares a and b byte by byte with ASCII letters lowered.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a), len(b))
}

func collectFeeds(rows *sql.Rows, op string) ([]digest.Feed, error) {
	return appendFeeds(nil, rows, op)
}

// appendFeeds appends the feeds of rows (feedCols and the unread count) to
// out and closes rows.
func appendFeeds(out []digest.Feed, rows *sql.Rows, op string) ([]digest.Feed, error) {
	defer rows.Close()
	for rows.Next() {
		var f digest.Feed
		if err := scanFeed(rows, &f); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// UpdateFeed saves the user's title and category of the feed (the
// category created when new) and the feed's fetch mode. A title equal to
// the feed document's own is stored as "follow the feed", so later
// renames by the outlet show. ENOTFOUND; EINVALID for an unknown fetch
// mode.
func (s *Store) UpdateFeed(ctx context.Context, userID int64, f *digest.Feed) error {
	mode := f.Fetch
	if mode == "" {
		mode = digest.FetchShort
	}
	if !mode.Valid() {
		return digest.Errorf(digest.EINVALID, "unknown fetch mode %q", f.Fetch)
	}
	category := strings.TrimSpace(clean(f.Category))
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var feedTitle string
		err := s.txRow(ctx, tx, `SELECT f.title FROM subscriptions u JOIN feeds f ON f.id = u.feed_id
			WHERE u.user_id = ? AND u.feed_id = ?`, userID, f.ID).Scan(&feedTitle)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("feed", f.ID)
		}
		if err != nil {
			return err
		}
		title := clean(f.Title)
		if title == feedTitle {
			title = ""
		}
		if f.CategoryID, err = s.ensureCategory(ctx, tx, userID, category); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE subscriptions SET title = ?, category = ? WHERE user_id = ? AND feed_id = ?`,
			title, category, userID, f.ID); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE subscriptions SET fetch_mode = ? WHERE user_id = ? AND feed_id = ?`, string(mode), userID, f.ID); err != nil {
			return err
		}
		return s.settleFetchMode(ctx, tx, f.ID)
	})
	f.Category = category
	return wrap("update feed", err)
}

// DeleteFeed unsubscribes the user from a feed. When no user is
// left subscribed, the feed and its sources are removed, and so is every
// article left with no source; an article still carried by another feed
// stays (its FeedID moves to one of its remaining sources). ENOTFOUND.
func (s *Store) DeleteFeed(ctx context.Context, user, id int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM subscriptions WHERE user_id = ? AND feed_id = ?`, user, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("feed", id)
		}
		// The user no longer sees articles that none of their other feeds carry.
		if _, err := s.exec(ctx, tx, `DELETE FROM article_states WHERE user_id = ?
			AND article_id IN (SELECT article_id FROM sources WHERE feed_id = ?)
			AND NOT EXISTS (SELECT 1 FROM sources s JOIN subscriptions u ON u.feed_id = s.feed_id AND u.user_id = ?
				WHERE s.article_id = article_states.article_id)`, user, id, user); err != nil {
			return err
		}
		var others int
		if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM subscriptions WHERE feed_id = ?`, id).Scan(&others); err != nil {
			return err
		}
		if others > 0 {
			return s.settleFetchMode(ctx, tx, id)
		}
		// Sources go by cascade; articles.feed_id of this feed becomes NULL.
		if _, err := s.exec(ctx, tx, `DELETE FROM feeds WHERE id = ?`, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM articles WHERE feed_id IS NULL
			AND NOT EXISTS (SELECT 1 FROM sources s WHERE s.article_id = articles.id)`)
		if err != nil {
			return err
		}
		var orphans []int64
		for rows.Next() {
			var a int64
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return err
			}
			orphans = append(orphans, a)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := s.unindex(ctx, tx, orphans...); err != nil {
			return err
		}
		for _, c := range s.chunks(orphans, 0) {
			in, args := inList(c)
			if _, err := s.exec(ctx, tx, `DELETE FROM articles WHERE id IN (`+in+`)`, args...); err != nil {
				return err
			}
		}
		_, err = s.exec(ctx, tx, `UPDATE articles SET feed_id = (SELECT s.feed_id FROM sources s WHERE s.article_id = articles.id
			ORDER BY s.original DESC, s.created, s.feed_id LIMIT 1) WHERE feed_id IS NULL`)
		return err
	})
	return wrap("delete feed", err)
}

// DueFeeds returns up to limit feeds (100 if limit <= 0) whose NextCheck is
// at or before now, the most overdue first, whoever subscribes to them,
// with the feed document's own title and no category.
func (s *Store) DueFeeds(ctx context.Context, now time.Time, limit int) ([]digest.Feed, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, `SELECT `+feedCols+`, 0
		FROM feeds f LEFT JOIN subscriptions u ON FALSE
		WHERE f.next_check <= ?
		ORDER BY f.next_check, f.id LIMIT ?`, dbTime(now), limit)
	if err != nil {
		return nil, wrap("due feeds", err)
	}
	return collectFeeds(rows, "due feeds")
}

// ScheduleNow makes the given feeds (every feed if ids is empty) due now.
// Unknown IDs are ignored.
func (s *Store) ScheduleNow(ctx context.Context, ids ...int64) error {
	now := dbTime(s.now())
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if len(ids) == 0 {
			_, err := s.exec(ctx, tx, `UPDATE feeds SET next_check = ?`, now)
			return err
		}
		for _, c := range s.chunks(ids, 1) {
			in, args := inList(c)
			if _, err := s.exec(ctx, tx, `UPDATE feeds SET next_check = ? WHERE id IN (`+in+`)`, append([]any{now}, args...)...); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("schedule now", err)
}

// ScheduleUserFeeds makes the given feeds of the user (all of theirs when
// ids is empty) due now and returns how many it scheduled; IDs the user
// does not follow are ignored.
func (s *Store) ScheduleUserFeeds(ctx context.Context, userID int64, ids ...int64) (int, error) {
	now := dbTime(s.now())
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if len(ids) == 0 {
			res, err := s.exec(ctx, tx, `UPDATE feeds SET next_check = ?
				WHERE id IN (SELECT feed_id FROM subscriptions WHERE user_id = ?)`, now, userID)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		}
		for _, c := range s.chunks(ids, 2) {
			in, args := inList(c)
			res, err := s.exec(ctx, tx, `UPDATE feeds SET next_check = ?
				WHERE id IN (SELECT feed_id FROM subscriptions WHERE user_id = ? AND feed_id IN (`+in+`))`,
				append([]any{now, userID}, args...)...)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	return int(n), wrap("schedule feeds", err)
}

// settleFetchMode sets a feed's fetch mode to the most demanding of its
// followers' (always, then short, then never): the feed is fetched once
// for all of them, and each sees their own setting.
func (s *Store) settleFetchMode(ctx context.Context, tx *sql.Tx, feedID int64) error {
	_, err := s.exec(ctx, tx, `UPDATE feeds SET fetch_mode = COALESCE((SELECT CASE
			WHEN SUM(CASE WHEN u.fetch_mode = 'always' THEN 1 ELSE 0 END) > 0 THEN 'always'
			WHEN SUM(CASE WHEN u.fetch_mode = 'short' OR u.fetch_mode = '' THEN 1 ELSE 0 END) > 0 THEN 'short'
			ELSE 'never' END
		FROM subscriptions u WHERE u.feed_id = feeds.id), fetch_mode) WHERE id = ?`, feedID)
	return err
}
