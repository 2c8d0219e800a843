// Package auth signs people and programs in: login passwords (argon2id),
// server-side browser sessions, one-time links, API keys and app
// passwords for the reader-app protocols, and the throttling of failed
// attempts. It knows nothing of HTTP: the web and protocol packages call
// it with what the request carried.
//
// Every failure to authenticate is EUNAUTHORIZED with the same message,
// whether the name exists or not, and takes the same work (one argon2id
// hash for a password), so that answers and timing do not tell which
// names exist. Too many failures for one name or one address are
// ETHROTTLED until the lockout passes.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

// Options configure a Service. The zero value is usable.
type Options struct {
	// Params are argon2id's costs for new passwords; DefaultParams when
	// zero.
	Params Params
	// SessionIdle ends a session not used for this long (14 days when 0);
	// SessionMax ends any session this long after sign-in (60 days when 0).
	SessionIdle, SessionMax time.Duration
	// LinkTTL is how long a one-time login or setup link works (1 hour
	// when 0).
	LinkTTL time.Duration
	// FreeFailures per name (5 when 0) and per address (20 when 0) before
	// lockouts start; MaxLockout caps a lockout (15 minutes when 0).
	FreeNameFailures, FreeAddrFailures int
	MaxLockout                         time.Duration
	// CacheTTL, when positive, is how long the user of a session or of a
	// credential (API key, app password, reader token) is remembered
	// without asking the store. Changes made through the service end
	// what it remembers at once; a change made straight on the store,
	// or by another process, counts only after Forget, or at the latest
	// after CacheTTL. 0: the store is asked on every use.
	CacheTTL time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service authenticates against a UserStore.
type Service struct {
	store  digest.UserStore
	opts   Options
	now    func() time.Time
	logger *slog.Logger
	names  *throttle
	addrs  *throttle
	// dummy is a hash of a random password with the current parameters:
	// an unknown name is checked against it, so that it costs what a
	// known one does.
	dummy string
	// hashed counts the argon2id checks Login ran, so that tests can see
	// that every attempt costs one, known name or not.
	hashed atomic.Int64
	cache  credCache // see Options.CacheTTL
}

// New returns a Service over store.
func New(store digest.UserStore, opts Options) *Service {
	if opts.Params.Time == 0 {
		opts.Params = DefaultParams
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 14 * 24 * time.Hour
	}
	if opts.SessionMax <= 0 {
		opts.SessionMax = 60 * 24 * time.Hour
	}
	if opts.LinkTTL <= 0 {
		opts.LinkTTL = time.Hour
	}
	if opts.FreeNameFailures <= 0 {
		opts.FreeNameFailures = 5
	}
	if opts.FreeAddrFailures <= 0 {
		opts.FreeAddrFailures = 20
	}
	if opts.MaxLockout <= 0 {
		opts.MaxLockout = 15 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dummy, err := HashPassword(NewSecret(), opts.Params)
	if err != nil {
		panic(err) // only crypto/rand can fail, and it does not
	}
	return &Service{
		store: store, opts: opts, now: opts.Now, logger: opts.Logger.With("component", "auth"),
		names: newThrottle(opts.FreeNameFailures, opts.MaxLockout, 100_000),
		addrs: newThrottle(opts.FreeAddrFailures, opts.MaxLockout, 100_000),
		dummy: dummy,
		cache: credCache{ttl: opts.CacheTTL},
	}
}

// Options returns the service's options with defaults filled in.
func (s *Service) Options() Options { return s.opts }

var errWrong = digest.Errorf(digest.EUNAUTHORIZED, "wrong name or password")

// CheckName reports whether name is acceptable for a new user: 1 to 64
// characters, letters, digits and . _ - @ only, starting with a letter or
// digit.
func CheckName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return digest.Errorf(digest.EINVALID, "a user name has 1 to 64 characters")
	}
	for i, r := range name {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || (i > 0 && strings.ContainsRune("._-@", r))
		if !ok {
			return digest.Errorf(digest.EINVALID, "a user name has letters, digits and . _ - @ only, and starts with a letter or digit")
		}
	}
	return nil
}

// CheckPasswordStrength refuses passwords too short to resist guessing.
func CheckPasswordStrength(password string) error {
	if utf8.RuneCountInString(password) < 8 {
		return digest.Errorf(digest.EINVALID, "a password has at least 8 characters")
	}
	if len(password) > 1024 {
		return digest.Errorf(digest.EINVALID, "a password has at most 1024 bytes")
	}
	return nil
}

// CreateUser creates a user with a login password (empty: none; the user
// then signs in by link or proxy only).
func (s *Service) CreateUser(ctx context.Context, name string, role digest.Role, password string) (*digest.User, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	u := &digest.User{Name: name, Role: role}
	if password != "" {
		if err := CheckPasswordStrength(password); err != nil {
			return nil, err
		}
		h, err := HashPassword(password, s.opts.Params)
		if err != nil {
			return nil, err
		}
		u.PasswordHash = h
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// SetPassword changes a user's login password and ends their other
// sessions (keep: the session to keep, 0 for none).
func (s *Service) SetPassword(ctx context.Context, u *digest.User, password string, keep int64) error {
	if err := CheckPasswordStrength(password); err != nil {
		return err
	}
	h, err := HashPassword(password, s.opts.Params)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	defer s.Forget() // the user, and the sessions ended
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	_, err = s.store.DeleteSessions(ctx, u.ID, keep)
	return err
}

// throttled returns ETHROTTLED when name or addr is locked out.
func (s *Service) throttled(name, addr string) error {
	now := s.now()
	until := s.names.locked(nameKey(name), now)
	if u := s.addrs.locked(addr, now); u.After(until) {
		until = u
	}
	if until.IsZero() {
		return nil
	}
	wait := until.Sub(now).Round(time.Second)
	return digest.Errorf(digest.ETHROTTLED, "too many failed attempts: try again in %s", max(wait, time.Second))
}

func (s *Service) failed(name, addr string) {
	now := s.now()
	if name != "" {
		s.names.fail(nameKey(name), now)
	}
	s.addrs.fail(addr, now)
}

func nameKey(name string) string { return "n:" + strings.ToLower(name) }

// Login checks a login password. addr is the client's address, for
// throttling.
func (s *Service) Login(ctx context.Context, name, password, addr string) (*digest.User, error) {
	if err := s.throttled(name, addr); err != nil {
		return nil, err
	}
	u, err := s.store.UserByName(ctx, name)
	if err != nil && !digest.IsNotFound(err) {
		return nil, fmt.Errorf("login: %w", err)
	}
	hash := s.dummy
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	s.hashed.Add(1)
	ok := CheckPassword(hash, password) && u != nil && u.PasswordHash != ""
	if !ok {
		s.failed(name, addr)
		return nil, errWrong
	}
	s.names.succeed(nameKey(name))
	return u, nil
}

// StartSession creates a session for u and returns the token for its
// cookie.
func (s *Service) StartSession(ctx context.Context, u *digest.User, userAgent, addr string) (string, *digest.Session, error) {
	token := NewSecret()
	now := s.now().UTC()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	ss := &digest.Session{UserID: u.ID, Hash: HashSecret(token), Created: now, LastSeen: now,
		Expires: now.Add(s.opts.SessionMax), UserAgent: strings.ToValidUTF8(userAgent, ""), Address: addr}
	if err := s.store.CreateSession(ctx, ss); err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	return token, ss, nil
}

// touchEvery is how stale LastSeen may get before a use writes it: a
// write per request would be one per page view.
const touchEvery = time.Minute

// SessionUser returns the user and session of a cookie's token.
// EUNAUTHORIZED when there is no such session or it has expired (an
// expired one is removed).
func (s *Service) SessionUser(ctx context.Context, token string) (*digest.User, *digest.Session, error) {
	if token == "" || len(token) > 200 {
		return nil, nil, digest.Errorf(digest.EUNAUTHORIZED, "not signed in")
	}
	hash := HashSecret(token)
	key := credKey{hash: hash}
	now := s.now()
	// Remembered: while it is alive and its last use needs no writing
	// (the store is asked again once a minute, and then touched).
	if e, ok := s.cache.get(key, now); ok && now.Sub(e.sess.LastSeen) <= min(touchEvery, s.opts.SessionIdle) && !now.After(e.sess.Expires) {
		u, ss := e.user, e.sess
		return &u, &ss, nil
	}
	gen := s.cache.generation()
	ss, err := s.store.SessionByHash(ctx, hash)
	if digest.IsNotFound(err) {
		return nil, nil, digest.Errorf(digest.EUNAUTHORIZED, "not signed in")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("session: %w", err)
	}
	if now.After(ss.Expires) || now.Sub(ss.LastSeen) > s.opts.SessionIdle {
		if err := s.store.DeleteSession(ctx, ss.UserID, ss.ID); err != nil && !digest.IsNotFound(err) {
			return nil, nil, fmt.Errorf("session: %w", err)
		}
		return nil, nil, digest.Errorf(digest.EUNAUTHORIZED, "your session has expired: sign in again")
	}
	u, err := s.store.User(ctx, ss.UserID)
	if digest.IsNotFound(err) {
		return nil, nil, digest.Errorf(digest.EUNAUTHORIZED, "not signed in")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("session: %w", err)
	}
	if now.Sub(ss.LastSeen) > touchEvery {
		ss.LastSeen = now.UTC()
		if err := s.store.TouchSession(ctx, ss.ID, ss.LastSeen); err != nil && !digest.IsNotFound(err) {
			return nil, nil, fmt.Errorf("session: %w", err)
		}
	}
	s.cache.put(key, gen, credEntry{at: now, user: *u, sess: *ss})
	return u, ss, nil
}

// EndSession removes the session of a token; an unknown token is no error.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	ss, err := s.store.SessionByHash(ctx, HashSecret(token))
	if digest.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	defer s.Forget()
	if err := s.store.DeleteSession(ctx, ss.UserID, ss.ID); err != nil && !digest.IsNotFound(err) {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// NewCredential creates a credential of u (nil for a SetupLink) and
// returns its secret, which is not stored and cannot be shown again. An
// AppPassword also gets its Fever key (Hash2). ttl 0: no expiry.
func (s *Service) NewCredential(ctx context.Context, u *digest.User, kind digest.CredentialKind, name string, ttl time.Duration) (string, *digest.Credential, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 100 {
		return "", nil, digest.Errorf(digest.EINVALID, "a name has at most 100 characters")
	}
	secret := NewSecret()
	c := &digest.Credential{Kind: kind, Name: strings.ToValidUTF8(name, ""), Hash: HashSecret(secret)}
	if u != nil {
		c.UserID = u.ID
		if kind == digest.AppPassword {
			c.Hash2 = HashSecret(FeverKey(u.Name, secret))
		}
	}
	if ttl > 0 {
		c.Expires = s.now().UTC().Add(ttl)
	}
	if err := s.store.CreateCredential(ctx, c); err != nil {
		return "", nil, fmt.Errorf("new %s: %w", kind, err)
	}
	return secret, c, nil
}

// credentialUser resolves a credential to its user, refusing expired ones
// and marking use at most once a minute.
func (s *Service) credentialUser(ctx context.Context, c *digest.Credential) (*digest.User, error) {
	now := s.now()
	if !c.Expires.IsZero() && now.After(c.Expires) {
		return nil, errWrong
	}
	u, err := s.store.User(ctx, c.UserID)
	if digest.IsNotFound(err) {
		return nil, errWrong
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(c.LastUsed) > touchEvery {
		if err := s.store.TouchCredential(ctx, c.ID, now.UTC()); err != nil && !digest.IsNotFound(err) {
			return nil, err
		}
		c.LastUsed = now.UTC()
	}
	return u, nil
}

// lookup finds the user of a secret of a kind; alt looks the secret up as
// the credential's Hash2.
func (s *Service) lookup(ctx context.Context, kind digest.CredentialKind, secret string, alt bool) (*digest.User, *digest.Credential, error) {
	if secret == "" || len(secret) > 200 {
		return nil, nil, errWrong
	}
	hash := HashSecret(secret)
	key := credKey{kind: kind, alt: alt, hash: hash}
	now := s.now()
	// Remembered: while it has not expired and its last use needs no
	// writing (see credentialUser).
	if e, ok := s.cache.get(key, now); ok && now.Sub(e.cred.LastUsed) <= touchEvery &&
		(e.cred.Expires.IsZero() || !now.After(e.cred.Expires)) {
		u, c := e.user, e.cred
		return &u, &c, nil
	}
	gen := s.cache.generation()
	c, err := s.store.CredentialByHash(ctx, kind, hash, alt)
	if digest.IsNotFound(err) {
		return nil, nil, errWrong
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", kind, err)
	}
	u, err := s.credentialUser(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	s.cache.put(key, gen, credEntry{at: now, user: *u, cred: *c})
	return u, c, nil
}

// APIKeyUser returns the user of an API key.
func (s *Service) APIKeyUser(ctx context.Context, key, addr string) (*digest.User, error) {
	if err := s.throttled("", addr); err != nil {
		return nil, err
	}
	u, _, err := s.lookup(ctx, digest.APIKey, key, false)
	if digest.ErrorCode(err) == digest.EUNAUTHORIZED {
		s.failed("", addr)
	}
	return u, err
}

// AppLogin checks a user name and app password (Google Reader's
// ClientLogin, Miniflux's basic auth). It returns the app password's
// credential too, so that tokens handed out for it can name it.
func (s *Service) AppLogin(ctx context.Context, name, password, addr string) (*digest.User, *digest.Credential, error) {
	if err := s.throttled(name, addr); err != nil {
		return nil, nil, err
	}
	u, c, err := s.lookup(ctx, digest.AppPassword, password, false)
	if err == nil && !strings.EqualFold(u.Name, name) {
		u, c, err = nil, nil, errWrong
	}
	if err != nil {
		if digest.ErrorCode(err) == digest.EUNAUTHORIZED {
			s.failed(name, addr)
		}
		return nil, nil, err
	}
	s.names.succeed(nameKey(name))
	return u, c, nil
}

// FeverUser returns the user of a Fever api_key: md5("NAME:APP
// PASSWORD") in hex, any case.
func (s *Service) FeverUser(ctx context.Context, apiKey, addr string) (*digest.User, error) {
	if err := s.throttled("", addr); err != nil {
		return nil, err
	}
	u, _, err := s.lookup(ctx, digest.AppPassword, strings.ToLower(strings.TrimSpace(apiKey)), true)
	if digest.ErrorCode(err) == digest.EUNAUTHORIZED {
		s.failed("", addr)
	}
	return u, err
}

// NewReaderToken returns a Google Reader auth token for u, issued under
// the app password app: deleting the app password (DeleteAppPassword)
// ends its tokens.
//
// Clients sign in again often (newsboat on every run): only the newest
// maxReaderTokens tokens of an app password are kept.
func (s *Service) NewReaderToken(ctx context.Context, u *digest.User, app *digest.Credential) (string, error) {
	token, c, err := s.NewCredential(ctx, u, digest.ReaderToken, readerTokenName(app.ID), 0)
	if err != nil {
		return "", err
	}
	list, err := s.store.Credentials(ctx, u.ID, digest.ReaderToken)
	if err != nil {
		return "", err
	}
	defer s.Forget() // the tokens deleted
	kept := 0
	for _, t := range list { // newest first
		if t.Name != c.Name {
			continue
		}
		if kept++; kept > maxReaderTokens {
			if err := s.store.DeleteCredential(ctx, u.ID, t.ID); err != nil && !digest.IsNotFound(err) {
				return "", err
			}
		}
	}
	return token, nil
}

// maxReaderTokens is how many Google Reader tokens an app password keeps.
const maxReaderTokens = 10

func readerTokenName(appID int64) string { return fmt.Sprintf("app:%d", appID) }

// ReaderTokenUser returns the user of a Google Reader auth token.
func (s *Service) ReaderTokenUser(ctx context.Context, token, addr string) (*digest.User, error) {
	if err := s.throttled("", addr); err != nil {
		return nil, err
	}
	u, _, err := s.lookup(ctx, digest.ReaderToken, token, false)
	if digest.ErrorCode(err) == digest.EUNAUTHORIZED {
		s.failed("", addr)
	}
	return u, err
}

// DeleteAppPassword removes one of u's app passwords with the Google
// Reader tokens issued under it.
func (s *Service) DeleteAppPassword(ctx context.Context, u *digest.User, id int64) error {
	cs, err := s.store.Credentials(ctx, u.ID, digest.AppPassword)
	if err != nil {
		return err
	}
	found := false
	for _, c := range cs {
		found = found || c.ID == id
	}
	if !found {
		return digest.Errorf(digest.ENOTFOUND, "app password %d not found", id)
	}
	defer s.Forget()
	tokens, err := s.store.Credentials(ctx, u.ID, digest.ReaderToken)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if t.Name == readerTokenName(id) {
			if err := s.store.DeleteCredential(ctx, u.ID, t.ID); err != nil && !digest.IsNotFound(err) {
				return err
			}
		}
	}
	return s.store.DeleteCredential(ctx, u.ID, id)
}

// UseLoginLink consumes a one-time login link and returns its user.
func (s *Service) UseLoginLink(ctx context.Context, token, addr string) (*digest.User, error) {
	if err := s.throttled("", addr); err != nil {
		return nil, err
	}
	c, err := s.store.ConsumeCredential(ctx, digest.LoginLink, HashSecret(token))
	if digest.IsNotFound(err) {
		s.failed("", addr)
		return nil, digest.Errorf(digest.EUNAUTHORIZED, "this sign-in link was used or has expired")
	}
	if err != nil {
		return nil, fmt.Errorf("login link: %w", err)
	}
	if !c.Expires.IsZero() && s.now().After(c.Expires) {
		return nil, digest.Errorf(digest.EUNAUTHORIZED, "this sign-in link was used or has expired")
	}
	u, err := s.store.User(ctx, c.UserID)
	if digest.IsNotFound(err) {
		return nil, digest.Errorf(digest.EUNAUTHORIZED, "this sign-in link was used or has expired")
	}
	return u, err
}

// SetupLink returns a one-time link token that creates the first admin,
// or ECONFLICT when a user exists.
func (s *Service) SetupLink(ctx context.Context) (string, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return "", fmt.Errorf("setup link: %w", err)
	}
	if n > 0 {
		return "", digest.Errorf(digest.ECONFLICT, "a user exists: no setup link is needed")
	}
	token, _, err := s.NewCredential(ctx, nil, digest.SetupLink, "setup", 24*time.Hour)
	return token, err
}

// CheckSetupLink reports whether token is a setup link that still works,
// without consuming it.
func (s *Service) CheckSetupLink(ctx context.Context, token string) error {
	c, err := s.store.CredentialByHash(ctx, digest.SetupLink, HashSecret(token), false)
	if err != nil || (!c.Expires.IsZero() && s.now().After(c.Expires)) {
		return digest.Errorf(digest.EUNAUTHORIZED, "this setup link was used or has expired")
	}
	return nil
}

// UseSetupLink consumes a setup link and creates the first admin.
func (s *Service) UseSetupLink(ctx context.Context, token, name, password, addr string) (*digest.User, error) {
	if err := s.throttled("", addr); err != nil {
		return nil, err
	}
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if err := CheckPasswordStrength(password); err != nil {
		return nil, err
	}
	c, err := s.store.ConsumeCredential(ctx, digest.SetupLink, HashSecret(token))
	if err != nil || (!c.Expires.IsZero() && s.now().After(c.Expires)) {
		if err != nil && !digest.IsNotFound(err) {
			return nil, fmt.Errorf("setup: %w", err)
		}
		s.failed("", addr)
		return nil, digest.Errorf(digest.EUNAUTHORIZED, "this setup link was used or has expired")
	}
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	if n > 0 {
		return nil, digest.Errorf(digest.ECONFLICT, "a user exists already")
	}
	return s.CreateUser(ctx, name, digest.RoleAdmin, password)
}

// ProxyUser returns the user a trusted reverse proxy named. The caller
// has checked that the request came from a trusted proxy.
func (s *Service) ProxyUser(ctx context.Context, name string) (*digest.User, error) {
	u, err := s.store.UserByName(ctx, strings.TrimSpace(name))
	if digest.IsNotFound(err) {
		return nil, digest.Errorf(digest.EUNAUTHORIZED, "the proxy's user %q has no account here", name)
	}
	if err != nil {
		return nil, fmt.Errorf("proxy user: %w", err)
	}
	return u, nil
}

// IsAuthError reports whether err is a failure to authenticate (as
// opposed to a broken store).
func IsAuthError(err error) bool {
	var e *digest.Error
	return errors.As(err, &e) && (e.Code == digest.EUNAUTHORIZED || e.Code == digest.ETHROTTLED)
}
