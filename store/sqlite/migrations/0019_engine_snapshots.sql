-- The story engine's state, written periodically and at shutdown so that a
-- start reads it back instead of replaying every article of the window
-- (see story.Engine.WriteSnapshot). A snapshot is written in chunks, each in
-- a short transaction of its own so that the writer never holds the
-- database for long, and is used once complete is set. Several processes
-- may write theirs: readers take the newest complete one of a name, and a
-- writer removes those older than the previous complete one.
CREATE TABLE engine_snapshots (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	version INTEGER NOT NULL,
	fingerprint TEXT NOT NULL,
	created INTEGER NOT NULL,
	bytes INTEGER NOT NULL DEFAULT 0,
	chunks INTEGER NOT NULL DEFAULT 0,
	complete BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX engine_snapshots_name ON engine_snapshots (name, complete, id);
CREATE TABLE engine_snapshot_chunks (
	snapshot_id INTEGER NOT NULL REFERENCES engine_snapshots (id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (snapshot_id, seq)
);
