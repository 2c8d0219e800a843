-- Times are INTEGER microseconds since the Unix epoch (UTC); 0 means unknown.
-- Booleans are INTEGER 0/1. Text never holds NUL bytes or invalid UTF-8:
-- the store cleans it before writing.

CREATE TABLE users (
	id      INTEGER PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE,
	created INTEGER NOT NULL
);
-- digest.DefaultUserID.
INSERT INTO users (id, name, created) VALUES (1, 'default', 0);

CREATE TABLE icons (
	id           INTEGER PRIMARY KEY,
	hash         TEXT NOT NULL UNIQUE,
	content_type TEXT NOT NULL,
	data         BLOB NOT NULL
);

-- One row per feed URL, fetched once however many users subscribe.
CREATE TABLE feeds (
	id            INTEGER PRIMARY KEY,
	url           TEXT NOT NULL UNIQUE,
	site_url      TEXT NOT NULL DEFAULT '',
	title         TEXT NOT NULL DEFAULT '', -- as the feed document gives it
	icon_id       INTEGER REFERENCES icons (id) ON DELETE SET NULL,
	fetch_mode    TEXT NOT NULL DEFAULT 'short',
	created       INTEGER NOT NULL,
	etag          TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	last_check    INTEGER NOT NULL DEFAULT 0,
	next_check    INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT '',
	error_count   INTEGER NOT NULL DEFAULT 0,
	interval_ns   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feeds_next_check ON feeds (next_check, id);
CREATE INDEX feeds_icon ON feeds (icon_id);

-- A user's subscription to a feed: the user's title (empty: the feed's own)
-- and category.
CREATE TABLE subscriptions (
	user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	feed_id  INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	title    TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL DEFAULT '',
	created  INTEGER NOT NULL,
	PRIMARY KEY (user_id, feed_id)
);
CREATE INDEX subscriptions_feed ON subscriptions (feed_id);

CREATE TABLE stories (
	id         INTEGER PRIMARY KEY,
	headline   TEXT NOT NULL DEFAULT '',
	summary    TEXT NOT NULL DEFAULT '',
	first_seen INTEGER NOT NULL DEFAULT 0,
	last_seen  INTEGER NOT NULL DEFAULT 0,
	importance REAL NOT NULL DEFAULT 0,
	outlets    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stories_rank ON stories (importance DESC, last_seen DESC, id DESC);
CREATE INDEX stories_last_seen ON stories (last_seen DESC, id DESC);

CREATE TABLE entities (
	id   INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	UNIQUE (kind, name)
);

CREATE TABLE story_entities (
	story_id  INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
	entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
	count     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (story_id, entity_id)
);
CREATE INDEX story_entities_entity ON story_entities (entity_id);

-- One row per piece of content, however many feeds carry it. url is the
-- canonical URL (NULL when the entry had none). feed_id is the feed of the
-- original source and is always one of the article's sources' feeds.
CREATE TABLE articles (
	id         INTEGER PRIMARY KEY,
	url        TEXT UNIQUE,
	title      TEXT NOT NULL DEFAULT '',
	author     TEXT NOT NULL DEFAULT '',
	published  INTEGER NOT NULL,
	updated    INTEGER NOT NULL DEFAULT 0,
	site_name  TEXT NOT NULL DEFAULT '',
	lang       TEXT NOT NULL DEFAULT '',
	image_url  TEXT NOT NULL DEFAULT '',
	summary    TEXT NOT NULL DEFAULT '',
	content    TEXT NOT NULL DEFAULT '',
	text       TEXT NOT NULL DEFAULT '',
	word_count INTEGER NOT NULL DEFAULT 0,
	extracted  INTEGER NOT NULL DEFAULT 0,
	created    INTEGER NOT NULL,
	feed_id    INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
	story_id   INTEGER REFERENCES stories (id) ON DELETE SET NULL
);
CREATE INDEX articles_feed ON articles (feed_id);
CREATE INDEX articles_story ON articles (story_id, published, id);

-- Feed entries that carry an article. hash is the entry's content hash:
-- an entry whose hash did not change is not written again.
CREATE TABLE sources (
	feed_id    INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	guid       TEXT NOT NULL,
	article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	url        TEXT NOT NULL DEFAULT '',
	title      TEXT NOT NULL DEFAULT '',
	published  INTEGER NOT NULL DEFAULT 0,
	original   INTEGER NOT NULL DEFAULT 0,
	hash       TEXT NOT NULL DEFAULT '',
	created    INTEGER NOT NULL,
	PRIMARY KEY (feed_id, guid)
);
CREATE INDEX sources_article ON sources (article_id, feed_id);

-- A user's view of an article: the row exists while the article is in one
-- of the user's feeds. published copies articles.published so that a page
-- of the user's articles is one index range scan.
CREATE TABLE article_states (
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	published  INTEGER NOT NULL,
	read       INTEGER NOT NULL DEFAULT 0,
	starred    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, article_id)
);
CREATE INDEX article_states_all ON article_states (user_id, published DESC, article_id DESC);
CREATE INDEX article_states_unread ON article_states (user_id, published DESC, article_id DESC) WHERE NOT read;
CREATE INDEX article_states_starred ON article_states (user_id, published DESC, article_id DESC) WHERE starred;
CREATE INDEX article_states_article ON article_states (article_id);

-- Full-text search over title, summary and text, kept in step by triggers.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
	title, summary, text,
	content = 'articles', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
	INSERT INTO articles_fts (rowid, title, summary, text) VALUES (new.id, new.title, new.summary, new.text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
	INSERT INTO articles_fts (articles_fts, rowid, title, summary, text) VALUES ('delete', old.id, old.title, old.summary, old.text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, text ON articles BEGIN
	INSERT INTO articles_fts (articles_fts, rowid, title, summary, text) VALUES ('delete', old.id, old.title, old.summary, old.text);
	INSERT INTO articles_fts (rowid, title, summary, text) VALUES (new.id, new.title, new.summary, new.text);
END;
