package auth_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/store/sqlite"
)

// countingStore counts the lookups auth makes, and runs during, when set,
// between a lookup's read and its return: what another request does
// meanwhile.
type countingStore struct {
	*sqlite.DB
	sessions, credentials, users atomic.Int64
	during                       func()
}

func (s *countingStore) SessionByHash(ctx context.Context, hash string) (*digest.Session, error) {
	s.sessions.Add(1)
	ss, err := s.DB.SessionByHash(ctx, hash)
	if s.during != nil {
		s.during()
	}
	return ss, err
}

func (s *countingStore) CredentialByHash(ctx context.Context, kind digest.CredentialKind, hash string, alt bool) (*digest.Credential, error) {
	s.credentials.Add(1)
	return s.DB.CredentialByHash(ctx, kind, hash, alt)
}

func (s *countingStore) User(ctx context.Context, id int64) (*digest.User, error) {
	s.users.Add(1)
	return s.DB.User(ctx, id)
}

func newCachingService(t *testing.T, ttl time.Duration) (*auth.Service, *countingStore, *clock) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := &countingStore{DB: db}
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	return auth.New(st, auth.Options{Params: cheap, Now: c.now, CacheTTL: ttl}), st, c
}

func TestRememberedSessionsEndAtOnceThroughTheService(t *testing.T) {
	s, st, c := newCachingService(t, 5*time.Second)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse")
	token, _, _ := s.StartSession(ctx, u, "browser", "192.0.2.1")
	for i := 0; i < 3; i++ {
		got, ss, err := s.SessionUser(ctx, token)
		if err != nil || got.ID != u.ID || ss.UserID != u.ID {
			t.Fatalf("use %d: %v, %v, %v", i, got, ss, err)
		}
		got.Role, ss.UserID = digest.RoleAdmin, 99 // a caller's change stays its own
	}
	if n := st.sessions.Load(); n != 1 {
		t.Errorf("3 uses within the TTL asked the store %d times, want 1", n)
	}
	if got, ss, _ := s.SessionUser(ctx, token); got.Role != digest.RoleUser || ss.UserID != u.ID {
		t.Errorf("a caller's change reached the cache: %s, user %d", got.Role, ss.UserID)
	}
	// Past the TTL the store is asked again.
	c.add(5 * time.Second)
	if _, _, err := s.SessionUser(ctx, token); err != nil || st.sessions.Load() != 2 {
		t.Errorf("after the TTL: %v, %d lookups", err, st.sessions.Load())
	}
	// Signing out through the service ends it at once.
	if err := s.EndSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, token); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("a signed-out session still works: %v", err)
	}
	// So does a password change, for the sessions it ends.
	keep, kept, _ := s.StartSession(ctx, u, "kept", "192.0.2.1")
	other, _, _ := s.StartSession(ctx, u, "other", "192.0.2.2")
	for _, tok := range []string{keep, other} {
		if _, _, err := s.SessionUser(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetPassword(ctx, u, "battery staple", kept.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, other); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("a session outlived the password change: %v", err)
	}
	if got, _, err := s.SessionUser(ctx, keep); err != nil || got.PasswordHash != u.PasswordHash {
		t.Errorf("the kept session: %v, the new hash seen: %v", err, got != nil && got.PasswordHash == u.PasswordHash)
	}
}

func TestRememberedSessionsEndWithinTheTTLWhenChangedElsewhere(t *testing.T) {
	s, st, c := newCachingService(t, 5*time.Second)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse")
	token, ss, _ := s.StartSession(ctx, u, "browser", "192.0.2.1")
	if _, _, err := s.SessionUser(ctx, token); err != nil {
		t.Fatal(err)
	}
	// Another process (here: the store itself) ends the session: this
	// one still knows it until it is told (Forget) or the TTL passes.
	if err := st.DeleteSession(ctx, u.ID, ss.ID); err != nil {
		t.Fatal(err)
	}
	c.add(4 * time.Second)
	if _, _, err := s.SessionUser(ctx, token); err != nil {
		t.Errorf("within the TTL, untold: %v (the cache is not used?)", err)
	}
	c.add(time.Second)
	if _, _, err := s.SessionUser(ctx, token); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("past the TTL an ended session works: %v", err)
	}
	// Told at once: Forget.
	token, _, _ = s.StartSession(ctx, u, "browser", "192.0.2.1")
	if _, _, err := s.SessionUser(ctx, token); err != nil {
		t.Fatal(err)
	}
	u.Role = digest.RoleAdmin
	if err := st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	s.Forget()
	if got, _, err := s.SessionUser(ctx, token); err != nil || got.Role != digest.RoleAdmin {
		t.Errorf("after Forget the old role is shown: %v, %v", got, err)
	}
	// A session's last use is still written once a minute.
	before := st.sessions.Load()
	c.add(50 * time.Second)
	s.Forget() // only the TTL (5 s) would have let this one be asked again
	if _, _, err := s.SessionUser(ctx, token); err != nil {
		t.Fatal(err)
	}
	c.add(70 * time.Second)
	if _, _, err := s.SessionUser(ctx, token); err != nil {
		t.Fatal(err)
	}
	list, _ := st.Sessions(ctx, u.ID)
	if len(list) != 1 || !list[0].LastSeen.Equal(c.now()) || st.sessions.Load() != before+2 {
		t.Errorf("last seen %v, want %v (%d lookups)", list[0].LastSeen, c.now(), st.sessions.Load()-before)
	}
}

// A lookup that read a session before a sign-out and finished after it
// must not keep the ended session.
func TestALookupOverlappingASignOutKeepsNothing(t *testing.T) {
	s, st, _ := newCachingService(t, time.Hour)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse")
	token, _, _ := s.StartSession(ctx, u, "browser", "192.0.2.1")
	st.during = func() {
		st.during = nil
		if err := s.EndSession(ctx, token); err != nil {
			t.Error(err)
		}
	}
	if _, _, err := s.SessionUser(ctx, token); err != nil {
		t.Fatalf("the lookup that began before the sign-out: %v", err)
	}
	if _, _, err := s.SessionUser(ctx, token); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("the session signed out during a lookup still works: %v", err)
	}
}

func TestRememberedKeysEndAtOnceThroughTheService(t *testing.T) {
	s, st, c := newCachingService(t, 5*time.Second)
	ctx := context.Background()
	ada, _ := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse")
	key, _, _ := s.NewCredential(ctx, ada, digest.APIKey, "script", time.Hour)
	for i := 0; i < 3; i++ {
		if u, err := s.APIKeyUser(ctx, key, "192.0.2.1"); err != nil || u.ID != ada.ID {
			t.Fatalf("use %d: %v, %v", i, u, err)
		}
	}
	if n := st.credentials.Load(); n != 1 {
		t.Errorf("3 uses asked the store %d times, want 1", n)
	}
	// Wrong keys are never remembered, and still throttled.
	for i := 0; i < 3; i++ {
		if _, err := s.APIKeyUser(ctx, "not a key", "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
			t.Fatalf("wrong key: %v", err)
		}
	}
	if n := st.credentials.Load(); n != 4 {
		t.Errorf("3 wrong keys asked the store %d times, want 3", n-1)
	}
	// A key expires when it says, remembered or not.
	c.add(time.Hour + time.Second)
	s.Forget()
	if _, err := s.APIKeyUser(ctx, key, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("an expired key works: %v", err)
	}
	// An app password deleted through the service: its reader tokens end
	// at once.
	app, cred, _ := s.NewCredential(ctx, ada, digest.AppPassword, "phone", 0)
	tok, err := s.NewReaderToken(ctx, ada, cred)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReaderTokenUser(ctx, tok, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AppLogin(ctx, "ada", app, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAppPassword(ctx, ada, cred.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReaderTokenUser(ctx, tok, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("a reader token outlived its app password: %v", err)
	}
	if _, _, err := s.AppLogin(ctx, "ada", app, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("a deleted app password works: %v", err)
	}
}

func TestNoCacheByDefault(t *testing.T) {
	s, st, _ := newCachingService(t, 0)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse")
	token, ss, _ := s.StartSession(ctx, u, "browser", "192.0.2.1")
	if _, _, err := s.SessionUser(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSession(ctx, u.ID, ss.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, token); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("without CacheTTL a deleted session works: %v", err)
	}
}
