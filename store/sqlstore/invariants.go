package sqlstore

import (
	"context"

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
