-- Unread counts per subscription, maintained by the store: counting them
-- for 10,000 feeds on every page took hundreds of milliseconds.
ALTER TABLE subscriptions ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;

UPDATE subscriptions SET unread = (
	SELECT COUNT(DISTINCT s.article_id)
	FROM sources s JOIN article_states st ON st.article_id = s.article_id AND st.user_id = subscriptions.user_id
	WHERE s.feed_id = subscriptions.feed_id AND NOT st.read
);
