package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// CreateImport stores an OPML import of the user's, queued with its file.
func (s *Store) CreateImport(ctx context.Context, userID int64, opml []byte) (int64, error) {
	var id int64
	err := s.write.QueryRowContext(ctx, s.d.rebind(`INSERT INTO import_jobs (user_id, state, input, created) VALUES (?, ?, ?, ?) RETURNING id`),
		userID, string(digest.ImportQueued), opml, dbTime(s.now())).Scan(&id)
	if err != nil {
		return 0, wrap("create import", err)
	}
	return id, nil
}

// ImportJob returns one of the user's imports with its counts. ENOTFOUND.
func (s *Store) ImportJob(ctx context.Context, userID, id int64) (*digest.ImportJob, error) {
	j := digest.ImportJob{ID: id}
	var state string
	var created, finished int64
	err := s.queryRow(ctx, `SELECT state, error, total, created, finished FROM import_jobs WHERE id = ? AND user_id = ?`, id, userID).
		Scan(&state, &j.Error, &j.Total, &created, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("import", id)
	}
	if err != nil {
		return nil, wrap("import", err)
	}
	j.State, j.Created, j.Finished = digest.ImportState(state), goTime(created), goTime(finished)
	rows, err := s.query(ctx, `SELECT outcome, COUNT(*) FROM import_outlines WHERE job_id = ? GROUP BY outcome`, id)
	if err != nil {
		return nil, wrap("import", err)
	}
	defer rows.Close()
	for rows.Next() {
		var outcome string
		var n int
		if err := rows.Scan(&outcome, &n); err != nil {
			return nil, wrap("import", err)
		}
		switch digest.ImportOutcome(outcome) {
		case digest.OutlineAdded:
			j.Counts.Added = n
		case digest.OutlineExisting:
			j.Counts.Existing = n
		case digest.OutlineRefused:
			j.Counts.Refused = n
		case digest.OutlineBroken:
			j.Counts.Broken = n
		default:
			continue
		}
		j.Done += n
	}
	return &j, wrap("import", rows.Err())
}

// ImportOutlines lists the outlines of one of the user's imports after
// seq after (-1: from the first), limit at a time (<= 0: 100, at most
// 1,000), only those with one of outcomes when given. ENOTFOUND.
func (s *Store) ImportOutlines(ctx context.Context, userID, id int64, after, limit int, outcomes ...digest.ImportOutcome) ([]digest.ImportOutline, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var owner int64
	if err := s.queryRow(ctx, `SELECT user_id FROM import_jobs WHERE id = ?`, id).Scan(&owner); errors.Is(err, sql.ErrNoRows) || err == nil && owner != userID {
		return nil, notFound("import", id)
	} else if err != nil {
		return nil, wrap("import outlines", err)
	}
	q := `SELECT seq, url, title, site_url, category, outcome, reason FROM import_outlines WHERE job_id = ? AND seq > ?`
	args := []any{id, after}
	if len(outcomes) > 0 {
		q += ` AND outcome IN (`
		for i, o := range outcomes {
			if i > 0 {
				q += `, `
			}
			q += `?`
			args = append(args, string(o))
		}
		q += `)`
	}
	rows, err := s.query(ctx, q+` ORDER BY seq LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, wrap("import outlines", err)
	}
	defer rows.Close()
	var out []digest.ImportOutline
	for rows.Next() {
		var o digest.ImportOutline
		var outcome string
		if err := rows.Scan(&o.Seq, &o.URL, &o.Title, &o.SiteURL, &o.Category, &outcome, &o.Reason); err != nil {
			return nil, wrap("import outlines", err)
		}
		o.Outcome = digest.ImportOutcome(outcome)
		out = append(out, o)
	}
	return out, wrap("import outlines", rows.Err())
}

// UnfinishedImports lists the imports queued or running, oldest first.
func (s *Store) UnfinishedImports(ctx context.Context) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT id FROM import_jobs WHERE state IN (?, ?) ORDER BY id`, string(digest.ImportQueued), string(digest.ImportRunning))
	if err != nil {
		return nil, wrap("unfinished imports", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("unfinished imports", err)
		}
		ids = append(ids, id)
	}
	return ids, wrap("unfinished imports", rows.Err())
}

// ImportInput returns an import's user, state and file (empty once its
// outlines are stored). ENOTFOUND.
func (s *Store) ImportInput(ctx context.Context, id int64) (userID int64, state digest.ImportState, opml []byte, err error) {
	var st string
	err = s.queryRow(ctx, `SELECT user_id, state, input FROM import_jobs WHERE id = ?`, id).Scan(&userID, &st, &opml)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil, notFound("import", id)
	}
	return userID, digest.ImportState(st), opml, wrap("import input", err)
}

// StartImport stores the outlines read from an import's file (pending,
// or broken with their reason) and marks it running, its file dropped, in
// one transaction.
func (s *Store) StartImport(ctx context.Context, id int64, outlines []digest.ImportOutline) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.d.rebind(`INSERT INTO import_outlines (job_id, seq, url, title, site_url, category, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, o := range outlines {
			if _, err := stmt.ExecContext(ctx, id, o.Seq, clean(o.URL), clean(o.Title), clean(o.SiteURL), clean(o.Category), string(o.Outcome), clean(o.Reason)); err != nil {
				return err
			}
		}
		res, err := s.exec(ctx, tx, `UPDATE import_jobs SET state = ?, total = ?, input = ? WHERE id = ? AND state = ?`,
			string(digest.ImportRunning), len(outlines), []byte{}, id, string(digest.ImportQueued))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return digest.Errorf(digest.ECONFLICT, "import %d is not queued", id)
		}
		return nil
	})
	return wrap("start import", err)
}

// PendingOutlines lists up to limit outlines of an import still pending
// after seq after (-1: from the first), in file order.
func (s *Store) PendingOutlines(ctx context.Context, id int64, after, limit int) ([]digest.ImportOutline, error) {
	rows, err := s.query(ctx, `SELECT seq, url, title, site_url, category FROM import_outlines
		WHERE job_id = ? AND seq > ? AND outcome = '' ORDER BY seq LIMIT ?`, id, after, limit)
	if err != nil {
		return nil, wrap("pending outlines", err)
	}
	defer rows.Close()
	var out []digest.ImportOutline
	for rows.Next() {
		var o digest.ImportOutline
		if err := rows.Scan(&o.Seq, &o.URL, &o.Title, &o.SiteURL, &o.Category); err != nil {
			return nil, wrap("pending outlines", err)
		}
		out = append(out, o)
	}
	return out, wrap("pending outlines", rows.Err())
}

// SubscribeOutlines subscribes the user to the pending outlines of a
// batch of an import (as CreateFeed does; one the user follows already is
// "existing") and records the outcome of every outline of the batch, in
// one transaction: a restart never redoes an outline whose outcome was
// recorded, nor loses one that was subscribed. It sets the outcomes in
// outlines.
func (s *Store) SubscribeOutlines(ctx context.Context, id, userID int64, outlines []digest.ImportOutline, now time.Time) error {
	now = now.UTC()
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var added []int64
		for i := range outlines {
			o := &outlines[i]
			if o.Outcome != digest.OutlinePending {
				continue
			}
			url := clean(strings.TrimSpace(o.URL))
			if url == "" {
				o.Outcome, o.Reason = digest.OutlineRefused, "feed URL is empty"
				continue
			}
			var one int
			err := s.txRow(ctx, tx, `SELECT 1 FROM subscriptions u JOIN feeds f ON f.id = u.feed_id WHERE u.user_id = ? AND f.url = ?`, userID, url).Scan(&one)
			if err == nil {
				o.Outcome = digest.OutlineExisting
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			f := &digest.Feed{URL: url, Title: o.Title, SiteURL: o.SiteURL, Fetch: digest.FetchShort}
			if f.Title == "" {
				f.Title = url
			}
			fid, _, err := s.subscribeTx(ctx, tx, userID, f, url, strings.TrimSpace(clean(o.Category)), now, now)
			if err != nil {
				return err
			}
			o.Outcome = digest.OutlineAdded
			added = append(added, fid)
		}
		for _, c := range s.chunks(added, 2) {
			if err := s.recount(ctx, tx, c); err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, s.d.rebind(`UPDATE import_outlines SET outcome = ?, reason = ? WHERE job_id = ? AND seq = ?`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, o := range outlines {
			if _, err := stmt.ExecContext(ctx, string(o.Outcome), clean(o.Reason), id, o.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for i := range outlines {
			if outlines[i].Outcome == digest.OutlineAdded || outlines[i].Outcome == digest.OutlineExisting {
				outlines[i].Outcome = digest.OutlinePending // not recorded: the batch is redone
			}
		}
	}
	return wrap("subscribe outlines", err)
}

// FinishImport marks an import done, or failed with the reason when
// failure is not "".
func (s *Store) FinishImport(ctx context.Context, id int64, failure string) error {
	state := digest.ImportDone
	if failure != "" {
		state = digest.ImportFailed
	}
	_, err := s.write.ExecContext(ctx, s.d.rebind(`UPDATE import_jobs SET state = ?, error = ?, input = ?, finished = ? WHERE id = ?`),
		string(state), clean(failure), []byte{}, dbTime(s.now()), id)
	return wrap("finish import", err)
}
