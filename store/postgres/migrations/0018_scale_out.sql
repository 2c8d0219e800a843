-- Feed leases: a worker process claims the due feeds it will fetch until
-- lease_until (microseconds since the epoch; 0: not leased), so that
-- several workers on one database never fetch a feed twice at once, and
-- the feeds of a worker that died are claimed again once its lease has
-- expired. lease_owner names the holder, for operators and for releasing
-- claims not fetched. Saving a fetch clears both.
ALTER TABLE feeds ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
-- Web processes learn of new articles and stories from the workers:
-- every statement that inserts articles or saves stories notifies channel
-- digest_changes with the schema and what changed. PostgreSQL delivers a
-- notification at commit, and once per transaction for identical ones,
-- so a batch of a thousand articles is one notification.
CREATE FUNCTION digest_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('digest_changes', current_schema() || ' ' || TG_ARGV[0]);
	RETURN NULL;
END
$$;
CREATE TRIGGER articles_notify AFTER INSERT ON articles FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_change('articles');
CREATE TRIGGER stories_notify AFTER INSERT OR UPDATE ON stories FOR EACH STATEMENT EXECUTE FUNCTION digest_notify_change('stories');
