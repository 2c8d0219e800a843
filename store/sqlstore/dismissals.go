package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	digest "github.com/occasional-digest/digest"
)

// notDismissed is true for a story st the user has not dismissed (its
// one parameter is the user): a lookup of story_dismissals' key. The
// lists a dismissal takes a story off (For you's candidates, the
// digest's, Stories) add it beside userSees; Story and search do not.
const notDismissed = `NOT EXISTS (SELECT 1 FROM story_dismissals sd WHERE sd.user_id = ? AND sd.story_id = st.id)`

// DismissStory records that the user dismissed a story. See
// digest.ForYouStore.
func (s *Store) DismissStory(ctx context.Context, userID, storyID int64, now time.Time) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := s.txRow(ctx, tx, `SELECT 1 FROM stories st WHERE st.id = ? AND `+userSees, storyID, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("story", storyID)
		}
		if err != nil {
			return err
		}
		// Dismissed again: the first time stays (the list's order).
		if _, err := s.exec(ctx, tx, `INSERT INTO story_dismissals (user_id, story_id, dismissed) VALUES (?, ?, ?)
			ON CONFLICT (user_id, story_id) DO NOTHING`, userID, storyID, dbTime(now)); err != nil {
			return err
		}
		return s.trim(ctx, tx, "story_dismissals", "dismissed", "story_id", userID, digest.MaxDismissals)
	})
	return wrap("dismiss story", err)
}

// UndismissStory brings a dismissed story back. ENOTFOUND when the user
// had not dismissed it.
func (s *Store) UndismissStory(ctx context.Context, userID, storyID int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM story_dismissals WHERE user_id = ? AND story_id = ?`, userID, storyID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return digest.Errorf(digest.ENOTFOUND, "story %d is not dismissed", storyID)
		}
		return nil
	})
	return wrap("undismiss story", err)
}

// Dismissed reports which of the given stories the user dismissed, and
// when.
func (s *Store) Dismissed(ctx context.Context, userID int64, storyIDs []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	for _, c := range s.chunks(storyIDs, 1) {
		in, args := inList(c)
		rows, err := s.query(ctx, `SELECT story_id, dismissed FROM story_dismissals WHERE user_id = ? AND story_id IN (`+in+`)`,
			append([]any{userID}, args...)...)
		if err != nil {
			return nil, wrap("dismissed", err)
		}
		for rows.Next() {
			var id, at int64
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return nil, wrap("dismissed", err)
			}
			out[id] = goTime(at)
		}
		if err := rows.Close(); err != nil {
			return nil, wrap("dismissed", err)
		}
		if err := rows.Err(); err != nil {
			return nil, wrap("dismissed", err)
		}
	}
	return out, nil
}
