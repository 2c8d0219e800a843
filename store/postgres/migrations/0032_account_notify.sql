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
