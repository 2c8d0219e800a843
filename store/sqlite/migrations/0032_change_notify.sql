-- PostgreSQL's 0032 notifies other processes when sessions, credentials,
-- users or what readers are shown change, so that they forget what they
-- remember of them. SQLite has one serving process, which reads SQLite's
-- own data version; what another process changes in accounts counts
-- there within auth.Options.CacheTTL. Nothing to change; the version
-- keeps both dialects' lists alike.
SELECT 1;
