-- Filter rules (issue 9): each user's block, keep, like, dislike and
-- super-dislike rules, and the verdicts they give the user's articles.
-- expr is the rules package's match expression; feed_id and category_id
-- are the scope (0: every article), not foreign keys: a rule scoped to a
-- feed the user left matches nothing until edited.
CREATE TABLE rules (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	expr        TEXT NOT NULL,
	action      TEXT NOT NULL,
	weight      REAL NOT NULL DEFAULT 0,
	feed_id     INTEGER NOT NULL DEFAULT 0,
	category_id INTEGER NOT NULL DEFAULT 0,
	enabled     INTEGER NOT NULL DEFAULT 1,
	created     INTEGER NOT NULL,
	updated     INTEGER NOT NULL
);
CREATE INDEX rules_user ON rules (user_id, name, id);

-- A hidden article leaves every list of its user's; the flag sits on the
-- state row that the lists walk, so hiding costs them no join.
ALTER TABLE article_states ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
-- The lists of a user who hides articles walk and count these (the
-- query then says NOT hidden): without them, counting the unread read
-- every state row to check the flag, 3.5 times the cost at 20,000
-- articles. Users who hide nothing use the older indexes.
CREATE INDEX article_states_visible ON article_states (user_id, published DESC, article_id DESC) WHERE NOT hidden;
CREATE INDEX article_states_visible_unread ON article_states (user_id, published DESC, article_id DESC) WHERE NOT read AND NOT hidden;

-- The verdict of a user's rules on one article, for the articles where it
-- is not neutral (hidden, weighted) or may change by itself (recheck: an
-- older: condition becomes true then). It goes with the state row.
CREATE TABLE rule_verdicts (
	user_id    INTEGER NOT NULL,
	article_id INTEGER NOT NULL,
	hidden     INTEGER NOT NULL DEFAULT 0,
	weight     REAL NOT NULL DEFAULT 0,
	reasons    TEXT NOT NULL DEFAULT '',
	recheck    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, article_id),
	FOREIGN KEY (user_id, article_id) REFERENCES article_states (user_id, article_id) ON DELETE CASCADE
);
CREATE INDEX rule_verdicts_hidden ON rule_verdicts (user_id) WHERE hidden;
CREATE INDEX rule_verdicts_recheck ON rule_verdicts (recheck) WHERE recheck > 0;
