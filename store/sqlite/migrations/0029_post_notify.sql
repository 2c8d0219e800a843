-- PostgreSQL's 0029 notifies other processes when a post-processing row
-- changes steps. SQLite has one process: its pipeline wakes itself.
-- Nothing to change; the version keeps both dialects' lists alike.
SELECT 1;
