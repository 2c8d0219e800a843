package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// DailySettings returns the user's digest settings, the zero ones when
// none were saved. ENOTFOUND for no user.
func (s *Store) DailySettings(ctx context.Context, userID int64) (*digest.DailySettings, error) {
	ds := digest.DailySettings{UserID: userID}
	var enabled, weekly, markRead sql.NullBool
	var hour, weekday sql.NullInt64
	var email sql.NullString
	err := s.queryRow(ctx, `SELECT ds.enabled, ds.hour, ds.email, ds.weekly, ds.weekday, ds.mark_read FROM users u
		LEFT JOIN daily_settings ds ON ds.user_id = u.id WHERE u.id = ?`, userID).Scan(&enabled, &hour, &email, &weekly, &weekday, &markRead)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", userID)
	}
	if err != nil {
		return nil, wrap("daily settings", err)
	}
	ds.Enabled, ds.Hour, ds.Email = enabled.Bool, int(hour.Int64), email.String
	ds.Weekly, ds.Weekday, ds.MarkRead = weekly.Bool, int(weekday.Int64), markRead.Bool
	return &ds, nil
}

// SetDailySettings saves a user's digest settings.
func (s *Store) SetDailySettings(ctx context.Context, ds *digest.DailySettings) error {
	if ds.Hour < 0 || ds.Hour > 23 {
		return digest.Errorf(digest.EINVALID, "the hour of the digest must be 0 to 23, not %d", ds.Hour)
	}
	if ds.Weekday < 0 || ds.Weekday > 6 {
		return digest.Errorf(digest.EINVALID, "the day of a weekly digest must be 0 (Sunday) to 6, not %d", ds.Weekday)
	}
	if len(ds.Email) > 254 {
		return digest.Errorf(digest.EINVALID, "the e-mail address is too long")
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM users WHERE id = ?`, ds.UserID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return notFound("user", ds.UserID)
		}
		_, err := s.exec(ctx, tx, `INSERT INTO daily_settings (user_id, enabled, hour, email, weekly, weekday, mark_read) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET enabled = excluded.enabled, hour = excluded.hour, email = excluded.email,
				weekly = excluded.weekly, weekday = excluded.weekday, mark_read = excluded.mark_read`,
			ds.UserID, ds.Enabled, ds.Hour, clean(ds.Email), ds.Weekly, ds.Weekday, ds.MarkRead)
		return err
	})
	return wrap("set daily settings", err)
}

// DailyUsers lists the settings of the users with the digest enabled.
func (s *Store) DailyUsers(ctx context.Context) ([]digest.DailySettings, error) {
	rows, err := s.query(ctx, `SELECT user_id, hour, email, weekly, weekday, mark_read FROM daily_settings WHERE enabled ORDER BY user_id`)
	if err != nil {
		return nil, wrap("daily users", err)
	}
	defer rows.Close()
	out := []digest.DailySettings{}
	for rows.Next() {
		ds := digest.DailySettings{Enabled: true}
		if err := rows.Scan(&ds.UserID, &ds.Hour, &ds.Email, &ds.Weekly, &ds.Weekday, &ds.MarkRead); err != nil {
			return nil, wrap("daily users", err)
		}
		out = append(out, ds)
	}
	return out, wrap("daily users", rows.Err())
}

// DailyStories lists the stories the user sees, and has not dismissed,
// last seen since a time.
func (s *Store) DailyStories(ctx context.Context, userID int64, since time.Time, limit int) ([]digest.Story, error) {
	if limit <= 0 {
		limit = 200
	}
	return s.listStories(ctx, "daily stories", userID, `SELECT `+storyCols+` FROM stories st WHERE st.last_seen >= ? AND `+userSees+` AND `+notDismissed+`
		ORDER BY st.importance DESC, st.last_seen DESC, st.id DESC LIMIT ?`, dbTime(since), userID, userID, limit)
}

const dailyCols = `user_id, day, built, items, to_address, message_id, sent, attempts, next_try, last_error`

func scanDaily(r scanner, d *digest.DailyDigest) error {
	var built, sent, next int64
	var items string
	if err := r.Scan(&d.UserID, &d.Day, &built, &items, &d.To, &d.MessageID, &sent, &d.Attempts, &next, &d.LastError); err != nil {
		return err
	}
	d.Built, d.Sent, d.NextTry = goTime(built), goTime(sent), goTime(next)
	d.Items = nil
	if err := json.Unmarshal([]byte(items), &d.Items); err != nil {
		return digest.WrapError(digest.EINTERNAL, "a stored digest is unreadable", err)
	}
	return nil
}

// validDay reports whether day is a date as YYYY-MM-DD.
func validDay(day string) bool {
	_, err := time.Parse(time.DateOnly, day)
	return err == nil && len(day) == len(time.DateOnly)
}

// SaveDailyDigest stores a new digest. ECONFLICT for a day already built.
func (s *Store) SaveDailyDigest(ctx context.Context, d *digest.DailyDigest) error {
	if !validDay(d.Day) {
		return digest.Errorf(digest.EINVALID, "a digest's day must be YYYY-MM-DD, not %q", d.Day)
	}
	items := d.Items
	if items == nil {
		items = []digest.DailyItem{}
	}
	b, err := json.Marshal(items)
	if err != nil {
		return wrap("save digest", err)
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO daily_digests (`+dailyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.UserID, d.Day, dbTime(d.Built), clean(string(b)), clean(d.To), clean(d.MessageID), dbTime(d.Sent), d.Attempts,
			dbTime(d.NextTry), clean(d.LastError))
		return err
	})
	if err != nil {
		if s.d.IsUniqueViolation(err) {
			return digest.Errorf(digest.ECONFLICT, "the digest of %s is built", d.Day)
		}
		if strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			return notFound("user", d.UserID)
		}
		return wrap("save digest", err)
	}
	return nil
}

// DailyDigest returns the user's digest of a day. ENOTFOUND.
func (s *Store) DailyDigest(ctx context.Context, userID int64, day string) (*digest.DailyDigest, error) {
	var d digest.DailyDigest
	err := scanDaily(s.queryRow(ctx, `SELECT `+dailyCols+` FROM daily_digests WHERE user_id = ? AND day = ?`, userID, clean(day)), &d)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, digest.Errorf(digest.ENOTFOUND, "no digest of %q", day)
	}
	if err != nil {
		return nil, wrap("digest", err)
	}
	return &d, nil
}

func (s *Store) listDaily(ctx context.Context, op, q string, args ...any) ([]digest.DailyDigest, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []digest.DailyDigest{}
	for rows.Next() {
		var d digest.DailyDigest
		if err := scanDaily(rows, &d); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, d)
	}
	return out, wrap(op, rows.Err())
}

// DailyDigests lists the user's digests, newest day first.
func (s *Store) DailyDigests(ctx context.Context, userID int64, limit int) ([]digest.DailyDigest, error) {
	if limit <= 0 {
		limit = 30
	}
	return s.listDaily(ctx, "digests", `SELECT `+dailyCols+` FROM daily_digests WHERE user_id = ? ORDER BY day DESC LIMIT ?`, userID, limit)
}

// DueDailyMail lists the digests waiting to be mailed.
func (s *Store) DueDailyMail(ctx context.Context, now time.Time, limit int) ([]digest.DailyDigest, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.listDaily(ctx, "due digests", `SELECT `+dailyCols+` FROM daily_digests
		WHERE sent = 0 AND to_address <> '' AND next_try <= ? ORDER BY next_try, built, user_id LIMIT ?`, dbTime(now), limit)
}

// SaveDailyMail saves a digest's mail state. ENOTFOUND.
func (s *Store) SaveDailyMail(ctx context.Context, d *digest.DailyDigest) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE daily_digests SET message_id = ?, sent = ?, attempts = ?, next_try = ?, last_error = ?
			WHERE user_id = ? AND day = ?`, clean(d.MessageID), dbTime(d.Sent), d.Attempts, dbTime(d.NextTry), clean(d.LastError), d.UserID, d.Day)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return digest.Errorf(digest.ENOTFOUND, "no digest of %q", d.Day)
		}
		return nil
	})
	return wrap("save digest mail", err)
}

// SavedSearches lists the user's saved searches by name.
func (s *Store) SavedSearches(ctx context.Context, userID int64) ([]digest.SavedSearch, error) {
	rows, err := s.query(ctx, `SELECT id, user_id, name, query, created FROM saved_searches WHERE user_id = ? ORDER BY name, id`, userID)
	if err != nil {
		return nil, wrap("saved searches", err)
	}
	defer rows.Close()
	out := []digest.SavedSearch{}
	for rows.Next() {
		var ss digest.SavedSearch
		var created int64
		if err := rows.Scan(&ss.ID, &ss.UserID, &ss.Name, &ss.Query, &created); err != nil {
			return nil, wrap("saved searches", err)
		}
		ss.Created = goTime(created)
		out = append(out, ss)
	}
	return out, wrap("saved searches", rows.Err())
}

// SavedSearch returns one of the user's saved searches. ENOTFOUND.
func (s *Store) SavedSearch(ctx context.Context, userID, id int64) (*digest.SavedSearch, error) {
	var ss digest.SavedSearch
	var created int64
	err := s.queryRow(ctx, `SELECT id, user_id, name, query, created FROM saved_searches WHERE user_id = ? AND id = ?`, userID, id).
		Scan(&ss.ID, &ss.UserID, &ss.Name, &ss.Query, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("saved search", id)
	}
	if err != nil {
		return nil, wrap("saved search", err)
	}
	ss.Created = goTime(created)
	return &ss, nil
}

// CreateSavedSearch stores a saved search.
func (s *Store) CreateSavedSearch(ctx context.Context, ss *digest.SavedSearch) error {
	ss.Name, ss.Query = strings.TrimSpace(clean(ss.Name)), strings.TrimSpace(clean(ss.Query))
	switch {
	case ss.Name == "" || ss.Query == "":
		return digest.Errorf(digest.EINVALID, "a saved search needs a name and a query")
	case len(ss.Name) > 1000 || len(ss.Query) > 1000:
		return digest.Errorf(digest.EINVALID, "a saved search's name and query must be under 1000 bytes")
	}
	now := s.now().UTC()
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		return s.txRow(ctx, tx, `INSERT INTO saved_searches (user_id, name, query, created) VALUES (?, ?, ?, ?) RETURNING id`,
			ss.UserID, ss.Name, ss.Query, dbTime(now)).Scan(&ss.ID)
	})
	if err != nil {
		if s.d.IsUniqueViolation(err) {
			return digest.Errorf(digest.ECONFLICT, "a saved search is named %q", ss.Name)
		}
		if strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			return notFound("user", ss.UserID)
		}
		return wrap("create saved search", err)
	}
	ss.Created = now
	return nil
}

// DeleteSavedSearch removes one of the user's saved searches. ENOTFOUND.
func (s *Store) DeleteSavedSearch(ctx context.Context, userID, id int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM saved_searches WHERE user_id = ? AND id = ?`, userID, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "saved search", id)
	})
	return wrap("delete saved search", err)
}

// ServerKey returns the named server key, creating it on first use; when
// two callers race, both get the one that was stored first.
func (s *Store) ServerKey(ctx context.Context, name string) ([]byte, error) {
	if name == "" {
		return nil, digest.Errorf(digest.EINVALID, "a server key needs a name")
	}
	var stored string
	err := s.queryRow(ctx, `SELECT key FROM server_keys WHERE name = ?`, clean(name)).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, wrap("server key", err)
		}
		err = s.writeTx(ctx, func(tx *sql.Tx) error {
			if _, err := s.exec(ctx, tx, `INSERT INTO server_keys (name, key) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
				clean(name), hex.EncodeToString(b)); err != nil {
				return err
			}
			return s.txRow(ctx, tx, `SELECT key FROM server_keys WHERE name = ?`, clean(name)).Scan(&stored)
		})
	}
	if err != nil {
		return nil, wrap("server key", err)
	}
	key, err := hex.DecodeString(stored)
	if err != nil {
		return nil, digest.WrapError(digest.EINTERNAL, "a stored server key is unreadable", err)
	}
	return key, nil
}
