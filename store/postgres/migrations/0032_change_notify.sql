-- Web processes remember for a few seconds whose a session or a key is
-- (auth.Options.CacheTTL). A session ended, a key or app password
-- revoked, a user's role, password or settings changed, or a user
-- deleted in one process notifies digest_changes ("accounts"), and every
-- process listening forgets what it remembers at once rather than at the
-- end of its cache's time. A session's or credential's last use
-- (last_seen, last_used, written once a minute) notifies nothing.
CREATE FUNCTION digest_notify_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('digest_changes', current_schema() || ' accounts');
	RETURN NULL;
END
$$;
CREATE TRIGGER users_notify AFTER UPDATE OR DELETE ON users
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_accounts();
CREATE TRIGGER sessions_notify AFTER DELETE OR UPDATE OF user_id, hash, expires ON sessions
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_accounts();
CREATE TRIGGER credentials_notify AFTER DELETE OR UPDATE OF user_id, kind, hash, hash2, expires ON credentials
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_accounts();

-- Web processes keep what readers are shown (a page of articles, saved
-- searches, a For you ranking) while nothing it is made of changed. Any
-- change of what lists show notifies digest_changes ("content") once per
-- transaction: articles changed or deleted (new ones notify "articles"
-- already), their sources and states, subscriptions and categories,
-- rules' verdicts, saved searches, stories' entities, and what For you
-- ranks by (choices, signals, impressions, dismissals). A feed notifies
-- only when its title, site or icon changes: every fetch writes its row.
CREATE FUNCTION digest_notify_content() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('digest_changes', current_schema() || ' content');
	RETURN NULL;
END
$$;
CREATE TRIGGER articles_notify_content AFTER UPDATE OR DELETE ON articles
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER sources_notify AFTER INSERT OR UPDATE OR DELETE ON sources
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER article_states_notify AFTER INSERT OR UPDATE OR DELETE ON article_states
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER subscriptions_notify AFTER INSERT OR UPDATE OR DELETE ON subscriptions
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER categories_notify AFTER INSERT OR UPDATE OR DELETE ON categories
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER feeds_notify_content AFTER UPDATE ON feeds
	FOR EACH ROW WHEN (NEW.title IS DISTINCT FROM OLD.title OR NEW.site_url IS DISTINCT FROM OLD.site_url
		OR NEW.icon_id IS DISTINCT FROM OLD.icon_id)
	EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER feeds_delete_notify AFTER DELETE ON feeds
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER rule_verdicts_notify AFTER INSERT OR UPDATE OR DELETE ON rule_verdicts
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER saved_searches_notify AFTER INSERT OR UPDATE OR DELETE ON saved_searches
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER stories_delete_notify AFTER DELETE ON stories
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER story_entities_notify AFTER INSERT OR UPDATE OR DELETE ON story_entities
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER foryou_choices_notify AFTER INSERT OR UPDATE OR DELETE ON foryou_choices
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER foryou_signals_notify AFTER INSERT OR UPDATE OR DELETE ON foryou_signals
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER foryou_impressions_notify AFTER INSERT OR UPDATE OR DELETE ON foryou_impressions
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
CREATE TRIGGER story_dismissals_notify AFTER INSERT OR UPDATE OR DELETE ON story_dismissals
	FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_content();
