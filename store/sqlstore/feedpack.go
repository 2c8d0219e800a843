package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Reading 10,000 feeds as 16 columns each spends most of its time in the
// driver: SQLite's per-column calls (each takes the connection's mutex),
// database/sql's conversions and one allocation per text value. With
// Dialect.GroupConcat, Feeds instead reads every feed packed into one text
// value: each feed is its numbers, each followed by ',', then its texts,
// each as its length in bytes, ':' and the bytes. Lengths, not separators,
// delimit the texts, so any text is read back exactly, and every text of
// a feed is a substring of the one value (one allocation).

// packedInts and packedTexts are the fields of a packed feed, in order.
var (
	packedInts = []string{"f.id", "COALESCE(f.icon_id, 0)", "COALESCE(u.created, f.created)",
		"f.last_check", "f.next_check", "f.error_count", "f.interval_ns", "u.unread"}
	packedTexts = []string{"f.url", "f.site_url", titleExpr, "u.category",
		"COALESCE(NULLIF(u.fetch_mode, ''), f.fetch_mode)", "f.etag", "f.last_modified", "f.last_error"}
)

// packedFeed is the SQL expression of one packed feed.
func packedFeed() string {
	var b strings.Builder
	for i, c := range packedInts {
		if i > 0 {
			b.WriteString(" || ")
		}
		b.WriteString(c + " || ','")
	}
	for _, c := range packedTexts {
		b.WriteString(" || octet_length(" + c + ") || ':' || " + c)
	}
	return b.String()
}

// loadPackedFeeds reads the user's feeds, unsorted, as one packed
// value and appends them to out.
func (s *Store) loadPackedFeeds(ctx context.Context, q querier, user int64, out []digest.Feed) ([]digest.Feed, error) {
	rows, err := q.QueryContext(ctx, s.d.rebind(`SELECT `+strings.Replace(s.d.GroupConcat, "%s", packedFeed(), 1)+`
		FROM subscriptions u JOIN feeds f ON f.id = u.feed_id
		WHERE u.user_id = ?`), user)
	if err != nil {
		return nil, wrap("feeds", err)
	}
	defer rows.Close()
	var packed sql.NullString // NULL without feeds
	for rows.Next() {
		if err := rows.Scan(&packed); err != nil {
			return nil, wrap("feeds", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("feeds", err)
	}
	return unpackFeeds(packed.String, out)
}

// unpackFeeds appends the packed feeds of p to out.
func unpackFeeds(p string, out []digest.Feed) ([]digest.Feed, error) {
	bad := func() ([]digest.Feed, error) {
		return nil, digest.Errorf(digest.EINTERNAL, "feeds: malformed packed feed at byte %d", len(p))
	}
	var ints [8]int64
	var texts [8]string
	for p != "" {
		for i := range ints {
			end := strings.IndexByte(p, ',')
			if end < 0 {
				return bad()
			}
			n, err := strconv.ParseInt(p[:end], 10, 64)
			if err != nil {
				return bad()
			}
			ints[i], p = n, p[end+1:]
		}
		for i := range texts {
			colon := strings.IndexByte(p, ':')
			if colon < 0 {
				return bad()
			}
			n, err := strconv.Atoi(p[:colon])
			if err != nil || n < 0 || n > len(p)-colon-1 {
				return bad()
			}
			texts[i], p = p[colon+1:colon+1+n], p[colon+1+n:]
		}
		out = append(out, digest.Feed{
			ID: ints[0], IconID: ints[1], Created: goTime(ints[2]),
			URL: texts[0], SiteURL: texts[1], Title: texts[2], Category: texts[3], Fetch: fetchMode(texts[4]),
			FetchState: digest.FetchState{
				ETag: texts[5], LastModified: texts[6], LastError: texts[7],
				LastCheck: goTime(ints[3]), NextCheck: goTime(ints[4]), ErrorCount: int(ints[5]), Interval: time.Duration(ints[6]),
			},
			Unread: int(ints[7]),
		})
	}
	return out, nil
}
