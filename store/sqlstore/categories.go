package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// Categories are rows of categories (id, user, title); a subscription names
// its category by title (subscriptions.category), so that the feed list's
// order and index stay on the subscription. Every write that sets a
// subscription's category makes sure the row exists (ensureCategory).

// Categories lists the user's categories by title with their feed and
// unread counts.
func (s *Store) Categories(ctx context.Context, userID int64) ([]digest.Category, error) {
	rows, err := s.query(ctx, `SELECT c.id, c.title, COUNT(u.feed_id), COALESCE(SUM(u.unread), 0)
		FROM categories c LEFT JOIN subscriptions u ON u.user_id = c.user_id AND u.category = c.title
		WHERE c.user_id = ? GROUP BY c.id, c.title ORDER BY c.title, c.id`, userID)
	if err != nil {
		return nil, wrap("categories", err)
	}
	defer rows.Close()
	out := []digest.Category{}
	for rows.Next() {
		var c digest.Category
		if err := rows.Scan(&c.ID, &c.Title, &c.Feeds, &c.Unread); err != nil {
			return nil, wrap("categories", err)
		}
		out = append(out, c)
	}
	return out, wrap("categories", rows.Err())
}

// categoryTitle checks a category title: trimmed, 1 to 200 bytes.
func categoryTitle(title string) (string, error) {
	title = strings.TrimSpace(clean(title))
	if title == "" {
		return "", digest.Errorf(digest.EINVALID, "a category needs a title")
	}
	if len(title) > 200 {
		return "", digest.Errorf(digest.EINVALID, "a category title has at most 200 bytes")
	}
	return title, nil
}

// CreateCategory creates one of the user's categories. EINVALID for an
// empty title; ECONFLICT when the user has one of that title.
func (s *Store) CreateCategory(ctx context.Context, userID int64, title string) (*digest.Category, error) {
	title, err := categoryTitle(title)
	if err != nil {
		return nil, err
	}
	c := &digest.Category{Title: title}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		return s.txRow(ctx, tx, `INSERT INTO categories (user_id, title, created) VALUES (?, ?, ?) RETURNING id`,
			userID, title, dbTime(s.now())).Scan(&c.ID)
	})
	if err != nil {
		if s.d.IsUniqueViolation(err) {
			return nil, digest.Errorf(digest.ECONFLICT, "you have a category %q", clipText(title, 80))
		}
		return nil, wrap("create category", err)
	}
	return c, nil
}

// ensureCategory makes sure the user has a category of that title (none
// for ""), and returns its ID (0 for "").
func (s *Store) ensureCategory(ctx context.Context, tx *sql.Tx, userID int64, title string) (int64, error) {
	if title == "" {
		return 0, nil
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO categories (user_id, title, created) VALUES (?, ?, ?)
		ON CONFLICT (user_id, title) DO NOTHING`, userID, title, dbTime(s.now())); err != nil {
		return 0, err
	}
	var id int64
	err := s.txRow(ctx, tx, `SELECT id FROM categories WHERE user_id = ? AND title = ?`, userID, title).Scan(&id)
	return id, err
}

// categoryOf returns the title of one of the user's categories. ENOTFOUND.
func (s *Store) categoryOf(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, userID, id int64) (string, error) {
	var title string
	err := q.QueryRowContext(ctx, s.d.rebind(`SELECT title FROM categories WHERE id = ? AND user_id = ?`), id, userID).Scan(&title)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("category", id)
	}
	return title, err
}

// RenameCategory renames one of the user's categories; its feeds follow.
// ENOTFOUND; ECONFLICT when the title is taken; EINVALID for an empty one.
func (s *Store) RenameCategory(ctx context.Context, userID, id int64, title string) error {
	title, err := categoryTitle(title)
	if err != nil {
		return err
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		old, err := s.categoryOf(ctx, tx, userID, id)
		if err != nil {
			return err
		}
		if old == title {
			return nil
		}
		if _, err := s.exec(ctx, tx, `UPDATE categories SET title = ? WHERE id = ?`, title, id); err != nil {
			if s.d.IsUniqueViolation(err) {
				return digest.Errorf(digest.ECONFLICT, "you have a category %q", clipText(title, 80))
			}
			return err
		}
		_, err = s.exec(ctx, tx, `UPDATE subscriptions SET category = ? WHERE user_id = ? AND category = ?`, title, userID, old)
		return err
	})
	return wrap("rename category", err)
}

// DeleteCategory removes one of the user's categories; its feeds stay, in
// no category. ENOTFOUND.
func (s *Store) DeleteCategory(ctx context.Context, userID, id int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		old, err := s.categoryOf(ctx, tx, userID, id)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE subscriptions SET category = '' WHERE user_id = ? AND category = ?`, userID, old); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `DELETE FROM categories WHERE id = ?`, id)
		return err
	})
	return wrap("delete category", err)
}

// fillCategoryIDs sets the CategoryID of the user's feeds from their
// category titles.
func (s *Store) fillCategoryIDs(ctx context.Context, userID int64, fs []digest.Feed) error {
	need := false
	for i := range fs {
		need = need || fs[i].Category != ""
	}
	if !need {
		return nil
	}
	rows, err := s.query(ctx, `SELECT id, title FROM categories WHERE user_id = ?`, userID)
	if err != nil {
		return err
	}
	defer rows.Close()
	ids := map[string]int64{}
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return err
		}
		ids[t] = id
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range fs {
		fs[i].CategoryID = ids[fs[i].Category]
	}
	return nil
}
