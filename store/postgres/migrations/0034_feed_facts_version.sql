-- SQLite's 0034 counts changes to feeds' titles, sites and icons and to
-- subscriptions, so that the store keeps them in memory between changes.
-- PostgreSQL reads a page and its sources, feeds included, in one
-- statement (Dialect.PageWithSources), and one counter row updated by
-- every concurrent writer would serialise them: nothing to change here.
SELECT 1;
