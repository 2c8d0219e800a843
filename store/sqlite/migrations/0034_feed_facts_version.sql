-- A counter of changes to what a source shows of its feed: the feed's
-- title, site and icon, and who follows it under what title. Triggers
-- raise it in the transaction of every such change, whatever statement,
-- method or process makes it; store/sqlstore keeps those facts in memory
-- while the counter, read in the same statement as a page's sources, is
-- unchanged (feedfacts.go), instead of joining feeds and subscriptions to
-- every source row. One row. Writes are serialised in SQLite, so the one
-- row is no point of contention.
CREATE TABLE feed_facts_version (n INTEGER NOT NULL);
INSERT INTO feed_facts_version (n) VALUES (1);

CREATE TRIGGER feed_facts_feed_insert AFTER INSERT ON feeds
BEGIN UPDATE feed_facts_version SET n = n + 1; END;
CREATE TRIGGER feed_facts_feed_update AFTER UPDATE OF id, title, site_url, icon_id ON feeds
	WHEN old.id IS NOT new.id OR old.title IS NOT new.title OR old.site_url IS NOT new.site_url
		OR old.icon_id IS NOT new.icon_id
BEGIN UPDATE feed_facts_version SET n = n + 1; END;
CREATE TRIGGER feed_facts_feed_delete AFTER DELETE ON feeds
BEGIN UPDATE feed_facts_version SET n = n + 1; END;

CREATE TRIGGER feed_facts_subscription_insert AFTER INSERT ON subscriptions
BEGIN UPDATE feed_facts_version SET n = n + 1; END;
CREATE TRIGGER feed_facts_subscription_update AFTER UPDATE OF user_id, feed_id, title ON subscriptions
	WHEN old.user_id IS NOT new.user_id OR old.feed_id IS NOT new.feed_id OR old.title IS NOT new.title
BEGIN UPDATE feed_facts_version SET n = n + 1; END;
CREATE TRIGGER feed_facts_subscription_delete AFTER DELETE ON subscriptions
BEGIN UPDATE feed_facts_version SET n = n + 1; END;
