-- A page of one feed's articles walks this index in order and stops after
-- the page. article_published copies articles.published, as
-- article_states.published does, and the store keeps it in step wherever
-- an article's published time or a source's article changes.
ALTER TABLE sources ADD COLUMN article_published BIGINT NOT NULL DEFAULT 0;
UPDATE sources SET article_published = (SELECT published FROM articles WHERE articles.id = sources.article_id);
-- guid ends the key so that the check for a second source of the same
-- article in the feed reads nothing but this index.
CREATE INDEX sources_feed_published ON sources (feed_id, article_published DESC, article_id DESC, guid);
