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

-- OPML imports run as jobs: the uploaded file is stored, its outlines are
-- listed in import_outlines once read (input is then emptied), and each
-- outline gets its outcome as it is subscribed, so that a restart resumes
-- the job where it stopped and every outline ends accounted for.
CREATE TABLE import_jobs (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	state TEXT NOT NULL,
	input BLOB NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	total INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL,
	finished INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX import_jobs_state ON import_jobs (state, id);
CREATE TABLE import_outlines (
	job_id INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	url TEXT NOT NULL,
	title TEXT NOT NULL DEFAULT '',
	site_url TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL DEFAULT '',
	outcome TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (job_id, seq)
);

-- RecentArticles pages the window by publication time (the story engine's
-- replay, digest check): without an index each page sorted every article.
CREATE INDEX articles_published ON articles (published, id);
