-- PostgreSQL's 0032 notifies other processes when sessions, credentials
-- or users change, so that they forget the ones they remember. SQLite has
-- one serving process: what another process changes counts there within
-- auth.Options.CacheTTL. Nothing to change; the version keeps both
-- dialects' lists alike.
SELECT 1;
