package sqlstore

import (
	"context"
	"time"
)

// SourceGUIDs calls fn with the GUID of every stored source (one row per
// feed and entry), for "digest check --truth", which compares them with
// what a feed farm served. Reading only.
func (s *Store) SourceGUIDs(ctx context.Context, fn func(guid string)) error {
	rows, err := s.query(ctx, `SELECT guid FROM sources`)
	if err != nil {
		return wrap("source guids", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return wrap("source guids", err)
		}
		fn(g)
	}
	return wrap("source guids", rows.Err())
}

// Leases counts the feeds leased to a worker at now: held (the lease runs
// past now) and expired (left by a worker that stopped before saving the
// feed; claimed again when the feed is due). Reading only.
func (s *Store) Leases(ctx context.Context, now time.Time) (held, expired int, err error) {
	at := dbTime(now)
	err = s.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM feeds WHERE lease_until > ?),
		(SELECT COUNT(*) FROM feeds WHERE lease_until <> 0 AND lease_until <= ?)`, at, at).Scan(&held, &expired)
	return held, expired, wrap("leases", err)
}
