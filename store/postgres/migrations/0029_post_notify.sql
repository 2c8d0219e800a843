-- A process that runs no story engine (a standby) works off an article's
-- page extraction and icon and leaves its story step to the process that
-- holds the story lock: the change of steps notifies digest_changes
-- ("posts"), which wakes that process's post-processing at once instead of
-- at its next look at the queue. Claims change next_try only, and a
-- finished row is deleted, so neither notifies: no process wakes another
-- for nothing. Once per transaction, as every notification.
CREATE FUNCTION digest_notify_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('digest_changes', current_schema() || ' posts');
	RETURN NULL;
END
$$;
CREATE TRIGGER post_queue_notify AFTER UPDATE OF steps ON post_queue
	FOR EACH ROW WHEN (NEW.steps IS DISTINCT FROM OLD.steps) EXECUTE FUNCTION digest_notify_posts();
