package sqlstore

import (
	"context"
	"database/sql"
	"time"

	digest "github.com/occasional-digest/digest"
)

// DuePosts lists the pending post-processing of up to limit articles that
// is due at now and includes one of steps, the longest due first, and the
// earliest later NextTry of those steps.
func (s *Store) DuePosts(ctx context.Context, now time.Time, steps digest.PostSteps, limit int) ([]digest.PendingPost, time.Time, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, `SELECT article_id, steps, attempts, next_try, last_error FROM post_queue
		WHERE next_try <= ? AND (steps & ?) <> 0 ORDER BY next_try, article_id LIMIT ?`, dbTime(now), int64(steps), limit)
	if err != nil {
		return nil, time.Time{}, wrap("due posts", err)
	}
	var due []digest.PendingPost
	for rows.Next() {
		var p digest.PendingPost
		var st, next int64
		if err := rows.Scan(&p.ArticleID, &st, &p.Attempts, &next, &p.LastError); err != nil {
			rows.Close()
			return nil, time.Time{}, wrap("due posts", err)
		}
		p.Steps, p.NextTry = digest.PostSteps(st), goTime(next)
		due = append(due, p)
	}
	if err := rows.Close(); err != nil {
		return nil, time.Time{}, wrap("due posts", err)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, wrap("due posts", err)
	}
	var next sql.NullInt64
	err = s.queryRow(ctx, `SELECT MIN(next_try) FROM post_queue WHERE next_try > ? AND (steps & ?) <> 0`,
		dbTime(now), int64(steps)).Scan(&next)
	if err != nil {
		return nil, time.Time{}, wrap("due posts", err)
	}
	return due, goTime(next.Int64), nil
}

// ClaimPosts lists what DuePosts lists and moves the NextTry of those
// articles to now+lease, in one transaction; on PostgreSQL the rows are
// locked as they are read, skipping those another claim holds
// (Dialect.SkipLocked).
func (s *Store) ClaimPosts(ctx context.Context, now time.Time, lease time.Duration, steps digest.PostSteps, limit int) ([]digest.PendingPost, time.Time, error) {
	if limit <= 0 {
		limit = 100
	}
	if lease <= 0 {
		return nil, time.Time{}, digest.Errorf(digest.EINVALID, "claim posts: lease %s is not positive", lease)
	}
	var due []digest.PendingPost
	var next sql.NullInt64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT article_id, steps, attempts, next_try, last_error FROM post_queue
			WHERE next_try <= ? AND (steps & ?) <> 0 ORDER BY next_try, article_id LIMIT ?`+s.d.SkipLocked), dbTime(now), int64(steps), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p digest.PendingPost
			var st, at int64
			if err := rows.Scan(&p.ArticleID, &st, &p.Attempts, &at, &p.LastError); err != nil {
				rows.Close()
				return err
			}
			p.Steps, p.NextTry = digest.PostSteps(st), goTime(at)
			due = append(due, p)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		ids := make([]int64, len(due))
		for i, p := range due {
			ids[i] = p.ArticleID
		}
		for _, c := range s.chunks(ids, 1) {
			in, args := inList(c)
			if _, err := s.exec(ctx, tx, `UPDATE post_queue SET next_try = ? WHERE article_id IN (`+in+`)`,
				append([]any{dbTime(now.Add(lease))}, args...)...); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, s.d.rebind(`SELECT MIN(next_try) FROM post_queue WHERE next_try > ? AND (steps & ?) <> 0`),
			dbTime(now), int64(steps)).Scan(&next)
	})
	if err != nil {
		return nil, time.Time{}, wrap("claim posts", err)
	}
	return due, goTime(next.Int64), nil
}

// SavePosts records what is left of articles' post-processing, and the
// steps given up on the articles, in one transaction.
func (s *Store) SavePosts(ctx context.Context, ps []digest.PendingPost) error {
	if len(ps) == 0 {
		return nil
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, p := range ps {
			if p.GaveUp != "" {
				if _, err := s.exec(ctx, tx, `UPDATE articles SET post_error = ? WHERE id = ?`, clean(p.GaveUp), p.ArticleID); err != nil {
					return err
				}
			}
			var err error
			if p.Steps == 0 {
				_, err = s.exec(ctx, tx, `DELETE FROM post_queue WHERE article_id = ?`, p.ArticleID)
			} else {
				_, err = s.exec(ctx, tx, `UPDATE post_queue SET steps = ?, attempts = ?, next_try = ?, last_error = ? WHERE article_id = ?`,
					int64(p.Steps), p.Attempts, dbTime(p.NextTry), clean(p.LastError), p.ArticleID)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("save posts", err)
}

// SaveStories saves each story of sts as SaveStory does, all in one
// transaction, and sets the IDs of the new ones once it committed: a
// batch of story steps is one commit, not one per story it touched (each
// commit makes the readers' kept pages stale: see web's contentVersion).
// On any error nothing is saved and no ID is set; ENOTFOUND when one of
// them replaces a missing story.
func (s *Store) SaveStories(ctx context.Context, sts []*digest.Story) error {
	for _, st := range sts {
		if err := checkStory(st); err != nil {
			return err
		}
	}
	ids := make([]int64, len(sts))
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for i, st := range sts {
			id, err := s.saveStoryTx(ctx, tx, st)
			if err != nil {
				return err
			}
			ids[i] = id
		}
		return nil
	})
	if err != nil {
		return wrap("save stories", err)
	}
	for i, st := range sts {
		st.ID = ids[i]
	}
	return nil
}
