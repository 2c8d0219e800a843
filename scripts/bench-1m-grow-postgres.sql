-- Grows a PostgreSQL newswire archive (testenv.Newswire, copied from
-- SQLite with digest migrate) to :n articles in SQL, as bench1m grow
-- does on SQLite, but each copy keeps its original's title, text and
-- search document (PostgreSQL's documents are built by the store in Go);
-- author, feed, publication time (in order of arrival over 730 days)
-- and story (a copy of the original's, same entities) differ. Indexes
-- are dropped during the load and built again, foreign keys not checked
-- (session_replication_role), as a bulk load does.
-- psql -v n=1000000 -f scripts/bench-1m-grow-postgres.sql postgres://…/news1m
\set ON_ERROR_STOP on
\timing on
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
SELECT MAX(id) AS n0 FROM articles \gset
SELECT MAX(id) AS s0 FROM stories \gset
SELECT MAX(id) AS nfeeds FROM feeds \gset
SELECT (EXTRACT(EPOCH FROM TIMESTAMPTZ '2026-11-30 00:00:00+00') * 1000000)::bigint - 730::bigint * 86400000000 AS start_us \gset
SELECT 730::bigint * 86400000000 / :n AS step_us \gset

CREATE TEMP TABLE saved_indexes AS
	SELECT indexname, indexdef FROM pg_indexes
	WHERE schemaname = current_schema() AND tablename IN ('article_states', 'articles_search', 'sources', 'articles')
		AND indexname NOT LIKE '%_pkey' AND indexdef NOT LIKE 'CREATE UNIQUE%';
DO $$ DECLARE r record; BEGIN
	FOR r IN SELECT indexname FROM saved_indexes LOOP EXECUTE 'DROP INDEX ' || quote_ident(r.indexname); END LOOP;
END $$;

INSERT INTO stories (id, headline, summary, first_seen, last_seen, importance, outlets, short, follows)
	SELECT s.id + k * :s0, s.headline, s.summary, s.first_seen, s.last_seen, s.importance, s.outlets, s.short, 0
	FROM stories s CROSS JOIN generate_series(1, (:n - 1) / :n0) k WHERE s.id <= :s0;
INSERT INTO story_entities (story_id, entity_id, count)
	SELECT se.story_id + k * :s0, se.entity_id, se.count
	FROM story_entities se CROSS JOIN generate_series(1, (:n - 1) / :n0) k WHERE se.story_id <= :s0;

CREATE TEMP TABLE m AS
	SELECT id, ((id - 1) % :n0) + 1 AS a, ((id * 15485863) % :n0) + 1 AS au, (id - 1) / :n0 AS k
	FROM generate_series(:n0 + 1, :n::bigint) id;
INSERT INTO articles (id, url, title, author, published, updated, site_name, lang, image_url, summary, content, text,
		word_count, extracted, created, feed_id, story_id, post_error)
	SELECT m.id, 'https://news.example/g' || m.id, a.title, au.author,
		:start_us + m.id * :step_us - (random() * 43200000000)::bigint, 0, '', a.lang, '', a.summary, a.content, a.text,
		a.word_count, a.extracted, :start_us + m.id * :step_us, ((a.feed_id - 1 + m.k * 37) % :nfeeds) + 1,
		CASE WHEN a.story_id IS NULL THEN NULL ELSE a.story_id + m.k * :s0 END, ''
	FROM m JOIN articles a ON a.id = m.a JOIN articles au ON au.id = m.au;
INSERT INTO articles_search (article_id, doc)
	SELECT m.id, s.doc FROM m JOIN articles_search s ON s.article_id = m.a;
INSERT INTO sources (feed_id, guid, article_id, url, title, published, original, hash, created, article_published)
	SELECT feed_id, 'urn:newswire:g' || id, id, url, title, published, TRUE, 'g' || id, created, published
	FROM articles WHERE id > :n0;
INSERT INTO article_states (user_id, article_id, published, read, starred, hidden)
	SELECT u.user_id, a.id, a.published, a.id % 3 = 1, FALSE, FALSE
	FROM articles a JOIN subscriptions u ON u.feed_id = a.feed_id WHERE a.id > :n0;
UPDATE article_states SET read = article_id % 3 = 1 WHERE article_id <= :n0;

DO $$ DECLARE r record; BEGIN
	FOR r IN SELECT indexdef FROM saved_indexes LOOP EXECUTE r.indexdef; END LOOP;
END $$;
UPDATE subscriptions SET unread = (
	SELECT COUNT(DISTINCT s.article_id)
	FROM sources s JOIN article_states st ON st.article_id = s.article_id AND st.user_id = subscriptions.user_id
	WHERE s.feed_id = subscriptions.feed_id AND NOT st.read AND NOT st.hidden);
SELECT setval(pg_get_serial_sequence('articles', 'id'), (SELECT MAX(id) FROM articles));
SELECT setval(pg_get_serial_sequence('stories', 'id'), (SELECT MAX(id) FROM stories));
VACUUM ANALYZE;
