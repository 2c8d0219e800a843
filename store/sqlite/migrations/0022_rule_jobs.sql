-- Re-applying a user's rules to their stored articles is a job (issue 9):
-- each change of the user's rules queues it in the same transaction
-- (version + 1, back to the first article), and a runner judges
-- last_article's successors a chunk per transaction, recording its
-- progress in that transaction, so that a restart resumes where it
-- stopped and a chunk judged with rules since changed is not stored.
-- hidden_version increases whenever a verdict hides or shows one of the
-- user's articles: caches of the user's counts (Fever's total_items) are
-- keyed on it. One row per user who ever had a rule.
CREATE TABLE rule_jobs (
	user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	state          TEXT NOT NULL DEFAULT 'done',
	version        INTEGER NOT NULL DEFAULT 0,
	last_article   INTEGER NOT NULL DEFAULT 0,
	total          INTEGER NOT NULL DEFAULT 0,
	done           INTEGER NOT NULL DEFAULT 0,
	changed        INTEGER NOT NULL DEFAULT 0,
	queued         INTEGER NOT NULL DEFAULT 0,
	finished       INTEGER NOT NULL DEFAULT 0,
	hidden_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rule_jobs_due ON rule_jobs (user_id) WHERE state <> 'done';
