-- The feed list pages through the subscriptions by category, then title.
CREATE INDEX subscriptions_category ON subscriptions (user_id, category, feed_id);
