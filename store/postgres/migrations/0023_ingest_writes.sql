-- Fewer foreign-key checks on the rows a new article brings. PostgreSQL
-- checks a foreign key row by row, each check a query of its own that
-- locks the parent row: a new article paid seven (its feed; its search
-- row, queue entry and source each checking the article; the source its
-- feed; every state row its user and its article), a fifth of the
-- server's time saving a first refresh. Five of them checked parents
-- that the saving transaction holds anyway: it inserted the article (no
-- other transaction sees it before the commit) or updated it, it updated
-- the feed's row (saving the fetch state comes first), and it locks the
-- subscriptions whose users get state rows (SaveFetches reads them FOR
-- KEY SHARE). Those foreign keys go; what they did on deletion, statement
-- triggers now do, once per statement instead of once per row. The
-- article's source and state rows keep theirs: they join the tables the
-- reader pages walk, and rows written outside SaveFetches (merges,
-- subscriptions) rely on them.

ALTER TABLE articles_search DROP CONSTRAINT articles_search_article_id_fkey;
ALTER TABLE post_queue DROP CONSTRAINT post_queue_article_id_fkey;
ALTER TABLE sources DROP CONSTRAINT sources_feed_id_fkey;
ALTER TABLE articles DROP CONSTRAINT articles_feed_id_fkey;
ALTER TABLE article_states DROP CONSTRAINT article_states_user_id_fkey;

-- ON DELETE CASCADE of an article's search row and queue entry.
CREATE FUNCTION digest_articles_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM articles_search WHERE article_id IN (SELECT id FROM gone);
	DELETE FROM post_queue WHERE article_id IN (SELECT id FROM gone);
	RETURN NULL;
END
$$;
CREATE TRIGGER articles_deleted AFTER DELETE ON articles REFERENCING OLD TABLE AS gone
	FOR EACH STATEMENT EXECUTE FUNCTION digest_articles_deleted();

-- ON DELETE CASCADE of a feed's sources and ON DELETE SET NULL of the
-- articles it was the original feed of.
CREATE FUNCTION digest_feeds_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM sources WHERE feed_id IN (SELECT id FROM gone);
	UPDATE articles SET feed_id = NULL WHERE feed_id IN (SELECT id FROM gone);
	RETURN NULL;
END
$$;
CREATE TRIGGER feeds_deleted AFTER DELETE ON feeds REFERENCING OLD TABLE AS gone
	FOR EACH STATEMENT EXECUTE FUNCTION digest_feeds_deleted();

-- ON DELETE CASCADE of a user's state rows (their rule verdicts follow
-- them by their own foreign key).
CREATE FUNCTION digest_users_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM article_states WHERE user_id IN (SELECT id FROM gone);
	RETURN NULL;
END
$$;
CREATE TRIGGER users_deleted AFTER DELETE ON users REFERENCING OLD TABLE AS gone
	FOR EACH STATEMENT EXECUTE FUNCTION digest_users_deleted();
