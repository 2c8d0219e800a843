-- PostgreSQL's index of the titles' words (store/postgres); SQLite's FTS5 index looks at one column already.
SELECT 1;
