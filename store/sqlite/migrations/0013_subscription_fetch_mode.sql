-- Each follower's own full-text setting of a feed: a feed several users
-- follow is fetched once, with the most demanding of their settings
-- (always, then short, then never) in feeds.fetch_mode, so that one
-- user's choice never changes what another reads.
ALTER TABLE subscriptions ADD COLUMN fetch_mode TEXT NOT NULL DEFAULT '';
UPDATE subscriptions SET fetch_mode = (SELECT f.fetch_mode FROM feeds f WHERE f.id = subscriptions.feed_id);
