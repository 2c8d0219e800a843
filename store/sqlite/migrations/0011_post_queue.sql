-- Post-processing (page extraction, site icon, story) is recorded in the
-- transaction that saves an article and worked off from this table, so
-- that a restart resumes it. steps is a bit set (digest.PostSteps); a row
-- whose attempts failed waits until next_try (microseconds, as every time).
CREATE TABLE post_queue (
	article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
	steps INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_try INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX post_queue_due ON post_queue (next_try, article_id);
-- A step given up after repeated failures is named on its article.
ALTER TABLE articles ADD COLUMN post_error TEXT NOT NULL DEFAULT '';
-- Articles in no story before this migration (their in-memory queue was
-- lost in a crash) get their story step queued.
INSERT INTO post_queue (article_id, steps, attempts, next_try, last_error)
	SELECT id, 4, 0, 0, '' FROM articles WHERE story_id IS NULL;
