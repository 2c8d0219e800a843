-- Feed leases: a worker process claims the due feeds it will fetch until
-- lease_until (microseconds since the epoch; 0: not leased), so that
-- several workers on one database never fetch a feed twice at once, and
-- the feeds of a worker that died are claimed again once its lease has
-- expired. lease_owner names the holder, for operators and for releasing
-- claims not fetched. Saving a fetch clears both.
ALTER TABLE feeds ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
