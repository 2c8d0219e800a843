-- A story's short summary (the home page's, about 40-60 words, written with
-- the full one) and the earlier story it is a later episode of (0: none;
-- not a foreign key: the earlier story may be gone, and readers check it).
ALTER TABLE stories ADD COLUMN short TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE stories ADD COLUMN follows BIGINT NOT NULL DEFAULT 0;
