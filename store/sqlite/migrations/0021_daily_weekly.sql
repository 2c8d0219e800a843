-- The daily digest, weekly on one day instead (weekday 0 = Sunday), and
-- the digest's articles marked read once its mail is sent.
ALTER TABLE daily_settings ADD COLUMN weekly INTEGER NOT NULL DEFAULT 0;
ALTER TABLE daily_settings ADD COLUMN weekday INTEGER NOT NULL DEFAULT 1;
ALTER TABLE daily_settings ADD COLUMN mark_read INTEGER NOT NULL DEFAULT 0;
