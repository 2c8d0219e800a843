-- The daily digest, weekly on one day instead (weekday 0 = Sunday), and
-- the digest's articles marked read once its mail is sent.
ALTER TABLE daily_settings ADD COLUMN weekly BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE daily_settings ADD COLUMN weekday BIGINT NOT NULL DEFAULT 1;
ALTER TABLE daily_settings ADD COLUMN mark_read BOOLEAN NOT NULL DEFAULT FALSE;
