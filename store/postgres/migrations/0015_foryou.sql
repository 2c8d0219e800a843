-- "For you": each reader's explicit choices (follow or mute an outlet, a
-- feed, an entity, a category or a phrase; more or less like a story; a
-- feed's priority), the signals learned from what they open and pass over
-- (decayed counts per feature of stories), and which stories For you
-- showed them (so that a page reloaded is not counted as passed over
-- again, and a story opened is learned from once). Bounded per user by
-- the store (digest.MaxChoices, MaxSignals, MaxImpressions).
CREATE TABLE foryou_choices (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind    TEXT COLLATE "C" NOT NULL,
	key     TEXT COLLATE "C" NOT NULL,
	label   TEXT COLLATE "C" NOT NULL DEFAULT '',
	value   DOUBLE PRECISION NOT NULL,
	created BIGINT NOT NULL,
	PRIMARY KEY (user_id, kind, key)
);
CREATE TABLE foryou_signals (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key     TEXT COLLATE "C" NOT NULL,
	clicks  DOUBLE PRECISION NOT NULL DEFAULT 0,
	shown   DOUBLE PRECISION NOT NULL DEFAULT 0,
	updated BIGINT NOT NULL,
	PRIMARY KEY (user_id, key)
);
CREATE INDEX foryou_signals_updated ON foryou_signals (user_id, updated);
CREATE TABLE foryou_impressions (
	user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	story_id BIGINT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
	shown    BIGINT NOT NULL DEFAULT 0,
	opened   BOOLEAN NOT NULL DEFAULT FALSE,
	PRIMARY KEY (user_id, story_id)
);
CREATE INDEX foryou_impressions_shown ON foryou_impressions (user_id, shown);
CREATE INDEX foryou_impressions_story ON foryou_impressions (story_id);
