-- The reader-app protocols list a user's unread or starred articles in ID
-- (arrival) order (Fever's since_id and max_id, Google Reader's item IDs).
CREATE INDEX article_states_unread_id ON article_states (user_id, article_id) WHERE NOT read;
CREATE INDEX article_states_starred_id ON article_states (user_id, article_id) WHERE starred;
