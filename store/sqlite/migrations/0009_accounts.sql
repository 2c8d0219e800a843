-- Accounts: roles and login passwords (argon2id PHC strings; '' for none),
-- settings as a JSON object, browser sessions, credentials (API keys, app
-- passwords, Google Reader tokens, one-time links; only hashes of their
-- secrets) and categories with IDs for the reader-app protocols.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user';
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

-- The placeholder user of single-user days: dropped when it follows
-- nothing; otherwise it stays, as an admin without a password, and the
-- setup link names it and gives it one.
DELETE FROM users WHERE id = 1 AND name = 'default'
	AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE user_id = 1);
UPDATE users SET role = 'admin' WHERE id = 1 AND name = 'default';

CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	hash       TEXT NOT NULL UNIQUE,
	created    INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	user_agent TEXT NOT NULL DEFAULT '',
	address    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id, last_seen DESC);

CREATE TABLE credentials (
	id        INTEGER PRIMARY KEY,
	user_id   INTEGER REFERENCES users (id) ON DELETE CASCADE, -- NULL: a setup link
	kind      TEXT NOT NULL,
	name      TEXT NOT NULL DEFAULT '',
	hash      TEXT NOT NULL UNIQUE,
	hash2     TEXT UNIQUE,
	created   INTEGER NOT NULL,
	last_used INTEGER NOT NULL DEFAULT 0,
	expires   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX credentials_user ON credentials (user_id, kind, id);

-- A user's categories; subscriptions name theirs by title.
CREATE TABLE categories (
	id      INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title   TEXT NOT NULL,
	created INTEGER NOT NULL,
	UNIQUE (user_id, title)
);
INSERT INTO categories (user_id, title, created)
	SELECT DISTINCT user_id, category, 0 FROM subscriptions WHERE category <> '';
