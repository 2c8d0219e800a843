-- The daily digest: each user's settings, each day's digest as it was
-- built (the archive, and the send log: a digest is built once per user
-- and day, and its mail state says whether it went, so a restart neither
-- sends twice nor skips); saved searches; the server's signing keys.
CREATE TABLE daily_settings (
	user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	enabled INTEGER NOT NULL DEFAULT 0,
	hour    INTEGER NOT NULL DEFAULT 7,
	email   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX daily_settings_enabled ON daily_settings (user_id) WHERE enabled;

CREATE TABLE daily_digests (
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	day        TEXT NOT NULL,
	built      INTEGER NOT NULL,
	items      TEXT NOT NULL,
	to_address TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	sent       INTEGER NOT NULL DEFAULT 0,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_try   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (user_id, day)
);
CREATE INDEX daily_digests_due ON daily_digests (next_try) WHERE sent = 0 AND to_address <> '';

CREATE TABLE saved_searches (
	id      INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name    TEXT NOT NULL,
	query   TEXT NOT NULL,
	created INTEGER NOT NULL,
	UNIQUE (user_id, name)
);

CREATE TABLE server_keys (
	name TEXT PRIMARY KEY,
	key  TEXT NOT NULL
);
