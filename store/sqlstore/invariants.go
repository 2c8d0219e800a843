package sqlstore

import (
	"context"
	"database/sql"

	digest "github.com/occasional-digest/digest"
)

// Invariants counts the stored articles and stories and what breaks the
// store's invariants, in one read. Sources without their article or feed
// cannot arise while foreign keys are enforced; they are counted for a
// database written without them.
func (s *Store) Invariants(ctx context.Context) (digest.Invariants, error) {
	var v digest.Invariants
	err := s.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM articles),
		(SELECT COUNT(*) FROM stories),
		(SELECT COUNT(*) FROM articles WHERE story_id IS NULL),
		(SELECT COUNT(*) FROM stories st WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = st.id)),
		(SELECT COUNT(*) FROM sources so WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = so.article_id)
			OR NOT EXISTS (SELECT 1 FROM feeds f WHERE f.id = so.feed_id)),
		(SELECT COUNT(*) FROM post_queue),
		(SELECT COUNT(*) FROM articles WHERE post_error <> '')`).
		Scan(&v.Articles, &v.Stories, &v.WithoutStory, &v.EmptyStories, &v.OrphanSources, &v.Pending, &v.PostFailed)
	return v, wrap("invariants", err)
}

// QueueStoryless queues the story step of every article in no story (with
// its attempts reset, due now), whatever else is queued for it, and
// returns how many articles that is: the repair of "digest check" leaves
// nothing in no story that the pipeline would not work off.
func (s *Store) QueueStoryless(ctx context.Context) (int, error) {
	var n int
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM articles WHERE story_id IS NULL`).Scan(&n); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, `INSERT INTO post_queue (article_id, steps, attempts, next_try, last_error)
			SELECT id, ?, 0, 0, '' FROM articles WHERE story_id IS NULL
			ON CONFLICT (article_id) DO UPDATE SET steps = post_queue.steps | ?, attempts = 0, next_try = 0`,
			int64(digest.StepStory), int64(digest.StepStory))
		return err
	})
	return n, wrap("queue storyless", err)
}

// QueueLostStories queues the story step of every article in no story
// whose story step is not queued, and returns how many articles that is.
// A story change the engine stores in several transactions (a merged
// story deleted before the story that took its articles is saved; a split
// story saved before its new part) leaves such articles when the process
// dies between two of them. Steps already queued keep their attempts and
// next try.
func (s *Store) QueueLostStories(ctx context.Context) (int, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `INSERT INTO post_queue (article_id, steps, attempts, next_try, last_error)
			SELECT a.id, ?, 0, 0, '' FROM articles a
			WHERE a.story_id IS NULL AND NOT EXISTS (SELECT 1 FROM post_queue q WHERE q.article_id = a.id AND q.steps & ? <> 0)
			ON CONFLICT (article_id) DO UPDATE SET steps = post_queue.steps | ?`,
			int64(digest.StepStory), int64(digest.StepStory), int64(digest.StepStory))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), wrap("queue lost stories", err)
}

// DeleteEmptyStories deletes the stories that hold no article and returns
// how many. The engine empties a story it merges away or whose articles
// it moves in one transaction and deletes it in another; a process that
// dies between the two leaves the empty story behind, which no engine
// knows of any more.
func (s *Store) DeleteEmptyStories(ctx context.Context) (int, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM stories WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = stories.id)`)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), wrap("delete empty stories", err)
}
