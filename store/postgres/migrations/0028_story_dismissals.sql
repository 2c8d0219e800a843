-- Stories a reader dismissed: taken off their For you page, their digest
-- and their story lists, still found by search and on the story's own
-- page; the articles keep their read state. Per reader; gone with the
-- reader or the story (a story merged into another is forgotten with it).
-- Bounded per user by the store (digest.MaxDismissals).
CREATE TABLE story_dismissals (
	user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	story_id  BIGINT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
	dismissed BIGINT NOT NULL,
	PRIMARY KEY (user_id, story_id)
);
CREATE INDEX story_dismissals_dismissed ON story_dismissals (user_id, dismissed);
CREATE INDEX story_dismissals_story ON story_dismissals (story_id);
