package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	digest "github.com/occasional-digest/digest"
)

const userCols = `id, name, role, password_hash, settings, created`

func scanUser(r scanner, u *digest.User) error {
	var role, settings string
	var created int64
	if err := r.Scan(&u.ID, &u.Name, &role, &u.PasswordHash, &settings, &created); err != nil {
		return err
	}
	u.Role = digest.Role(role)
	u.Created = goTime(created)
	if settings != "" && settings != "{}" {
		// A row this store wrote; a broken one loses the settings, not the user.
		_ = json.Unmarshal([]byte(settings), &u.Settings)
	}
	return nil
}

// asciiLower lowers the ASCII letters of s and leaves every other byte,
// as SQLite's lower() does and PostgreSQL's does on COLLATE "C" text:
// names are compared as lower(name) = asciiLower(name), the same on both
// databases whatever the collation of a parameter.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func settingsJSON(st digest.Settings) string {
	b, err := json.Marshal(st)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// CreateUser creates u with its password hash and settings. Names are
// unique ignoring the case of ASCII letters. EINVALID for an empty name
// or unknown role; ECONFLICT when the name is taken.
func (s *Store) CreateUser(ctx context.Context, u *digest.User) error {
	if u.Name == "" {
		return digest.Errorf(digest.EINVALID, "a user needs a name")
	}
	if u.Role == "" {
		u.Role = digest.RoleUser
	}
	if !u.Role.Valid() {
		return digest.Errorf(digest.EINVALID, "unknown role %q", u.Role)
	}
	now := s.now().UTC()
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM users WHERE lower(name) = ?`, asciiLower(clean(u.Name))).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return digest.Errorf(digest.ECONFLICT, "the name %q is taken", u.Name)
		}
		return s.txRow(ctx, tx, `INSERT INTO users (name, role, password_hash, settings, created) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			clean(u.Name), string(u.Role), u.PasswordHash, settingsJSON(u.Settings), dbTime(now)).Scan(&u.ID)
	})
	if err != nil {
		if s.d.IsUniqueViolation(err) {
			return digest.Errorf(digest.ECONFLICT, "the name %q is taken", u.Name)
		}
		return wrap("create user", err)
	}
	u.Created = now
	return nil
}

// User returns one user. ENOTFOUND.
func (s *Store) User(ctx context.Context, id int64) (*digest.User, error) {
	var u digest.User
	err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id), &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", id)
	}
	if err != nil {
		return nil, wrap("user", err)
	}
	return &u, nil
}

// UserByName returns the user of that name, ignoring the case of ASCII
// letters. ENOTFOUND.
func (s *Store) UserByName(ctx context.Context, name string) (*digest.User, error) {
	var u digest.User
	err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE lower(name) = ? ORDER BY id LIMIT 1`, asciiLower(clean(name))), &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, digest.Errorf(digest.ENOTFOUND, "no user %q", clipText(name, 64))
	}
	if err != nil {
		return nil, wrap("user by name", err)
	}
	return &u, nil
}

// Users lists every user by name.
func (s *Store) Users(ctx context.Context) ([]digest.User, error) {
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users ORDER BY lower(name), id`)
	if err != nil {
		return nil, wrap("users", err)
	}
	defer rows.Close()
	us := []digest.User{}
	for rows.Next() {
		var u digest.User
		if err := scanUser(rows, &u); err != nil {
			return nil, wrap("users", err)
		}
		us = append(us, u)
	}
	return us, wrap("users", rows.Err())
}

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, wrap("count users", err)
}

// UpdateUser saves u's name, role, password hash and settings. ENOTFOUND;
// EINVALID for an unknown role or empty name; ECONFLICT for a taken name.
func (s *Store) UpdateUser(ctx context.Context, u *digest.User) error {
	if !u.Role.Valid() {
		return digest.Errorf(digest.EINVALID, "unknown role %q", u.Role)
	}
	if u.Name == "" {
		return digest.Errorf(digest.EINVALID, "a user needs a name")
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM users WHERE lower(name) = ? AND id <> ?`, asciiLower(clean(u.Name)), u.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return digest.Errorf(digest.ECONFLICT, "the name %q is taken", u.Name)
		}
		res, err := s.exec(ctx, tx, `UPDATE users SET name = ?, role = ?, password_hash = ?, settings = ? WHERE id = ?`,
			clean(u.Name), string(u.Role), u.PasswordHash, settingsJSON(u.Settings), u.ID)
		if err != nil {
			return err
		}
		return mustAffect(res, "user", u.ID)
	})
	return wrap("update user", err)
}

// DeleteUser removes a user: their subscriptions go the way DeleteFeed
// takes them (a feed no one else follows is removed with its articles),
// then the user row, whose states, sessions, credentials and categories
// go by cascade. ENOTFOUND.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	if _, err := s.User(ctx, id); err != nil {
		return err
	}
	rows, err := s.query(ctx, `SELECT feed_id FROM subscriptions WHERE user_id = ?`, id)
	if err != nil {
		return wrap("delete user", err)
	}
	var feeds []int64
	for rows.Next() {
		var f int64
		if err := rows.Scan(&f); err != nil {
			rows.Close()
			return wrap("delete user", err)
		}
		feeds = append(feeds, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap("delete user", err)
	}
	for _, f := range feeds {
		if err := s.DeleteFeed(ctx, id, f); err != nil && !digest.IsNotFound(err) {
			return wrap("delete user", err)
		}
	}
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "user", id)
	})
	return wrap("delete user", err)
}

func mustAffect(res sql.Result, what string, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(what, id)
	}
	return nil
}

const sessionCols = `id, user_id, hash, created, last_seen, expires, user_agent, address`

func scanSession(r scanner, ss *digest.Session) error {
	var created, lastSeen, expires int64
	if err := r.Scan(&ss.ID, &ss.UserID, &ss.Hash, &created, &lastSeen, &expires, &ss.UserAgent, &ss.Address); err != nil {
		return err
	}
	ss.Created, ss.LastSeen, ss.Expires = goTime(created), goTime(lastSeen), goTime(expires)
	return nil
}

// CreateSession stores ss and sets its ID. ECONFLICT on a hash in use.
func (s *Store) CreateSession(ctx context.Context, ss *digest.Session) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		return s.txRow(ctx, tx, `INSERT INTO sessions (user_id, hash, created, last_seen, expires, user_agent, address)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, ss.UserID, ss.Hash, dbTime(ss.Created), dbTime(ss.LastSeen),
			dbTime(ss.Expires), clean(ss.UserAgent), clean(ss.Address)).Scan(&ss.ID)
	})
	if err != nil && s.d.IsUniqueViolation(err) {
		return digest.Errorf(digest.ECONFLICT, "session exists")
	}
	return wrap("create session", err)
}

// SessionByHash returns the session with that token hash. ENOTFOUND.
func (s *Store) SessionByHash(ctx context.Context, hash string) (*digest.Session, error) {
	var ss digest.Session
	err := scanSession(s.queryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE hash = ?`, hash), &ss)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, digest.Errorf(digest.ENOTFOUND, "no such session")
	}
	if err != nil {
		return nil, wrap("session", err)
	}
	return &ss, nil
}

// TouchSession sets a session's LastSeen. ENOTFOUND.
func (s *Store) TouchSession(ctx context.Context, id int64, at time.Time) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE sessions SET last_seen = ? WHERE id = ?`, dbTime(at), id)
		if err != nil {
			return err
		}
		return mustAffect(res, "session", id)
	})
	return wrap("touch session", err)
}

// Sessions lists a user's sessions, last seen first.
func (s *Store) Sessions(ctx context.Context, userID int64) ([]digest.Session, error) {
	rows, err := s.query(ctx, `SELECT `+sessionCols+` FROM sessions WHERE user_id = ? ORDER BY last_seen DESC, id DESC`, userID)
	if err != nil {
		return nil, wrap("sessions", err)
	}
	defer rows.Close()
	out := []digest.Session{}
	for rows.Next() {
		var ss digest.Session
		if err := scanSession(rows, &ss); err != nil {
			return nil, wrap("sessions", err)
		}
		out = append(out, ss)
	}
	return out, wrap("sessions", rows.Err())
}

// DeleteSession removes one session of a user. ENOTFOUND.
func (s *Store) DeleteSession(ctx context.Context, userID, id int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		return mustAffect(res, "session", id)
	})
	return wrap("delete session", err)
}

// DeleteSessions removes a user's sessions but keep and returns how many
// went.
func (s *Store) DeleteSessions(ctx context.Context, userID, keep int64) (int, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keep)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), wrap("delete sessions", err)
}

// DeleteExpiredSessions removes sessions expired at t or idle since
// before idleBefore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM sessions WHERE expires < ? OR last_seen < ?`, dbTime(t), dbTime(idleBefore))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), wrap("delete expired sessions", err)
}

const credentialCols = `id, COALESCE(user_id, 0), kind, name, hash, COALESCE(hash2, ''), created, last_used, expires`

func scanCredential(r scanner, c *digest.Credential) error {
	var kind string
	var created, lastUsed, expires int64
	if err := r.Scan(&c.ID, &c.UserID, &kind, &c.Name, &c.Hash, &c.Hash2, &created, &lastUsed, &expires); err != nil {
		return err
	}
	c.Kind = digest.CredentialKind(kind)
	c.Created, c.LastUsed, c.Expires = goTime(created), goTime(lastUsed), goTime(expires)
	return nil
}

// CreateCredential stores c and sets its ID and Created. ECONFLICT on a
// hash in use.
func (s *Store) CreateCredential(ctx context.Context, c *digest.Credential) error {
	if c.Hash == "" {
		return digest.Errorf(digest.EINVALID, "a credential needs a hash")
	}
	now := s.now().UTC()
	var hash2 any
	if c.Hash2 != "" {
		hash2 = c.Hash2
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		return s.txRow(ctx, tx, `INSERT INTO credentials (user_id, kind, name, hash, hash2, created, expires)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, nullID(c.UserID), string(c.Kind), clean(c.Name), c.Hash, hash2,
			dbTime(now), dbTime(c.Expires)).Scan(&c.ID)
	})
	if err != nil {
		if s.d.IsUniqueViolation(err) {
			return digest.Errorf(digest.ECONFLICT, "credential exists")
		}
		return wrap("create credential", err)
	}
	c.Created = now
	return nil
}

// CredentialByHash returns the credential of that kind whose hash (hash2
// when alt) is hash. ENOTFOUND.
func (s *Store) CredentialByHash(ctx context.Context, kind digest.CredentialKind, hash string, alt bool) (*digest.Credential, error) {
	col := "hash"
	if alt {
		col = "hash2"
	}
	var c digest.Credential
	err := scanCredential(s.queryRow(ctx, `SELECT `+credentialCols+` FROM credentials WHERE `+col+` = ? AND kind = ?`, hash, string(kind)), &c)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, digest.Errorf(digest.ENOTFOUND, "no such credential")
	}
	if err != nil {
		return nil, wrap("credential", err)
	}
	return &c, nil
}

// Credentials lists a user's credentials of a kind, newest first.
func (s *Store) Credentials(ctx context.Context, userID int64, kind digest.CredentialKind) ([]digest.Credential, error) {
	rows, err := s.query(ctx, `SELECT `+credentialCols+` FROM credentials WHERE user_id = ? AND kind = ? ORDER BY id DESC`,
		userID, string(kind))
	if err != nil {
		return nil, wrap("credentials", err)
	}
	defer rows.Close()
	out := []digest.Credential{}
	for rows.Next() {
		var c digest.Credential
		if err := scanCredential(rows, &c); err != nil {
			return nil, wrap("credentials", err)
		}
		out = append(out, c)
	}
	return out, wrap("credentials", rows.Err())
}

// TouchCredential sets a credential's LastUsed. ENOTFOUND.
func (s *Store) TouchCredential(ctx context.Context, id int64, at time.Time) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE credentials SET last_used = ? WHERE id = ?`, dbTime(at), id)
		if err != nil {
			return err
		}
		return mustAffect(res, "credential", id)
	})
	return wrap("touch credential", err)
}

// DeleteCredential removes one credential of a user (userID 0: of none).
// ENOTFOUND.
func (s *Store) DeleteCredential(ctx context.Context, userID, id int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM credentials WHERE id = ? AND COALESCE(user_id, 0) = ?`, id, userID)
		if err != nil {
			return err
		}
		return mustAffect(res, "credential", id)
	})
	return wrap("delete credential", err)
}

// ConsumeCredential deletes and returns the credential of that kind and
// hash, in one transaction: of two concurrent uses one gets it and the
// other ENOTFOUND.
func (s *Store) ConsumeCredential(ctx context.Context, kind digest.CredentialKind, hash string) (*digest.Credential, error) {
	var c digest.Credential
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		err := scanCredential(s.txRow(ctx, tx, `SELECT `+credentialCols+` FROM credentials WHERE hash = ? AND kind = ?`, hash, string(kind)), &c)
		if errors.Is(err, sql.ErrNoRows) {
			return digest.Errorf(digest.ENOTFOUND, "no such credential")
		}
		if err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, `DELETE FROM credentials WHERE id = ?`, c.ID)
		if err != nil {
			return err
		}
		return mustAffect(res, "credential", c.ID)
	})
	if err != nil {
		return nil, wrap("consume credential", err)
	}
	return &c, nil
}
