package auth_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/store/sqlite"
)

var cheap = auth.Params{Time: 1, Memory: 64, Threads: 1}

// clock is a settable time for expiry and throttling tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newService(t *testing.T) (*auth.Service, *sqlite.DB, *clock) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	return auth.New(st, auth.Options{Params: cheap, Now: c.now}), st, c
}

func code(err error) string { return digest.ErrorCode(err) }

func TestPasswordHashes(t *testing.T) {
	h, err := auth.HashPassword("hunter2 hunter2", auth.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Errorf("hash %q does not name argon2id and its costs", h)
	}
	if !auth.CheckPassword(h, "hunter2 hunter2") || auth.CheckPassword(h, "hunter2 hunter3") {
		t.Error("check does not tell right from wrong")
	}
	h2, _ := auth.HashPassword("hunter2 hunter2", auth.DefaultParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=65536,t=2,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=2,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=65536,t=2,p=2$!!$a2V5", strings.Repeat("$", 1000)} {
		if auth.CheckPassword(bad, "") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestLoginAnswersAlikeForUnknownNamesAndWrongPasswords(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse"); err != nil {
		t.Fatal(err)
	}
	u, err := s.Login(ctx, "ada", "correct horse", "192.0.2.1")
	if err != nil || u.Name != "ada" {
		t.Fatalf("login = %v, %v", u, err)
	}
	if u, err := s.Login(ctx, "ADA", "correct horse", "192.0.2.1"); err != nil || u.Name != "ada" {
		t.Errorf("names are not case-blind: %v, %v", u, err)
	}
	_, wrong := s.Login(ctx, "ada", "wrong horse", "192.0.2.1")
	_, unknown := s.Login(ctx, "nobody", "wrong horse", "192.0.2.1")
	if code(wrong) != digest.EUNAUTHORIZED || wrong.Error() != unknown.Error() {
		t.Errorf("wrong password: %v; unknown user: %v; want the same answer", wrong, unknown)
	}
	// The same work: one argon2id check per attempt, known name or not.
	before := auth.Hashed(s)
	s.Login(ctx, "nobody-else", "x", "192.0.2.2")
	if n := auth.Hashed(s) - before; n != 1 {
		t.Errorf("an unknown name cost %d argon2id checks, want 1", n)
	}
	before = auth.Hashed(s)
	s.Login(ctx, "ada", "x", "192.0.2.2")
	if n := auth.Hashed(s) - before; n != 1 {
		t.Errorf("a wrong password cost %d argon2id checks, want 1", n)
	}
	// A user with no password (demo, proxy) cannot log in with an empty one.
	if _, err := s.CreateUser(ctx, "linkonly", digest.RoleUser, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "linkonly", "", "192.0.2.3"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("empty password of a passwordless user: %v", err)
	}
}

func TestLoginIsThrottledPerNameAndPerAddress(t *testing.T) {
	s, _, c := newService(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse"); err != nil {
		t.Fatal(err)
	}
	// Five failures from five addresses: the sixth attempt on the name is
	// locked out, even with the right password, from anywhere.
	for i := range 5 {
		if _, err := s.Login(ctx, "ada", "guess", "198.51.100."+string(rune('1'+i))); code(err) != digest.EUNAUTHORIZED {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	s.Login(ctx, "ada", "guess", "198.51.100.9")
	if _, err := s.Login(ctx, "ada", "correct horse", "203.0.113.7"); code(err) != digest.ETHROTTLED {
		t.Fatalf("after 6 failures: %v, want throttled", err)
	}
	// An unknown name is locked out the same way: no enumeration.
	for range 6 {
		s.Login(ctx, "ghost", "guess", "198.51.100.20")
	}
	if _, err := s.Login(ctx, "ghost", "guess", "203.0.113.8"); code(err) != digest.ETHROTTLED {
		t.Errorf("unknown name after 6 failures: %v, want throttled", err)
	}
	c.add(16 * time.Minute)
	if _, err := s.Login(ctx, "ada", "correct horse", "203.0.113.7"); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	// One address trying many names is locked out too.
	for i := range 21 {
		s.Login(ctx, "name"+string(rune('a'+i)), "guess", "198.51.100.77")
	}
	if _, err := s.Login(ctx, "ada", "correct horse", "198.51.100.77"); code(err) != digest.ETHROTTLED {
		t.Errorf("address after 21 failures: %v, want throttled", err)
	}
	if _, err := s.Login(ctx, "ada", "correct horse", "198.51.100.78"); err != nil {
		t.Errorf("another address: %v", err)
	}
}

func TestSessionsExpireWhenIdleAndAtTheirEnd(t *testing.T) {
	s, st, c := newService(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	token, ss, err := s.StartSession(ctx, u, "browser", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if ss.Hash == token || ss.Hash != auth.HashSecret(token) {
		t.Error("the store must keep the token's hash, not the token")
	}
	// Used every 13 days: alive until the absolute end (60 days).
	for day := 13; day < 60; day += 13 {
		c.add(13 * 24 * time.Hour)
		if _, _, err := s.SessionUser(ctx, token); err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
	}
	c.add(9 * 24 * time.Hour) // day 61
	if _, _, err := s.SessionUser(ctx, token); code(err) != digest.EUNAUTHORIZED {
		t.Fatalf("past the absolute expiry: %v", err)
	}
	if list, _ := st.Sessions(ctx, u.ID); len(list) != 0 {
		t.Errorf("an expired session is kept: %d", len(list))
	}
	// Idle for 15 days: gone.
	token, _, _ = s.StartSession(ctx, u, "browser", "192.0.2.1")
	c.add(15 * 24 * time.Hour)
	if _, _, err := s.SessionUser(ctx, token); code(err) != digest.EUNAUTHORIZED {
		t.Fatalf("idle for 15 days: %v", err)
	}
	// Revoked, and ended by a password change.
	t1, s1, _ := s.StartSession(ctx, u, "one", "192.0.2.1")
	t2, s2, _ := s.StartSession(ctx, u, "two", "192.0.2.2")
	if err := st.DeleteSession(ctx, u.ID, s1.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, t1); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("revoked session: %v", err)
	}
	if err := s.SetPassword(ctx, u, "battery staple", s2.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, t2); err != nil {
		t.Errorf("the session that changed the password ended: %v", err)
	}
	t3, _, _ := s.StartSession(ctx, u, "three", "192.0.2.3")
	if err := s.SetPassword(ctx, u, "battery staple 2", 0); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{t2, t3} {
		if _, _, err := s.SessionUser(ctx, tok); code(err) != digest.EUNAUTHORIZED {
			t.Errorf("a session outlived a password change: %v", err)
		}
	}
	if _, _, err := s.SessionUser(ctx, strings.Repeat("x", 5000)); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("huge token: %v", err)
	}
}

func TestKeysAndAppPasswords(t *testing.T) {
	s, st, _ := newService(t)
	ctx := context.Background()
	ada, _ := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse")
	bob, _ := s.CreateUser(ctx, "bob", digest.RoleUser, "correct horse")
	key, _, err := s.NewCredential(ctx, ada, digest.APIKey, "script", 0)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := s.APIKeyUser(ctx, key, "192.0.2.1"); err != nil || u.ID != ada.ID {
		t.Errorf("API key: %v, %v", u, err)
	}
	app, cred, err := s.NewCredential(ctx, ada, digest.AppPassword, "phone", 0)
	if err != nil {
		t.Fatal(err)
	}
	// The app password opens ClientLogin, not the login page; the login
	// password opens the login page, not ClientLogin.
	if u, _, err := s.AppLogin(ctx, "ada", app, "192.0.2.1"); err != nil || u.ID != ada.ID {
		t.Errorf("app login: %v, %v", u, err)
	}
	if _, _, err := s.AppLogin(ctx, "ada", "correct horse", "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("the login password opened an app: %v", err)
	}
	if _, err := s.Login(ctx, "ada", app, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("an app password opened the login page: %v", err)
	}
	if _, _, err := s.AppLogin(ctx, "bob", app, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("ada's app password opened bob's account: %v", err)
	}
	// Fever's key is md5("name:password"), any case.
	fk := auth.FeverKey("ada", app)
	for _, k := range []string{fk, strings.ToUpper(fk)} {
		if u, err := s.FeverUser(ctx, k, "192.0.2.1"); err != nil || u.ID != ada.ID {
			t.Errorf("fever key %s: %v, %v", k, u, err)
		}
	}
	if _, err := s.FeverUser(ctx, auth.FeverKey("ada", "correct horse"), "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("the login password's fever key worked: %v", err)
	}
	// Google Reader tokens end with their app password.
	tok, err := s.NewReaderToken(ctx, ada, cred)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := s.ReaderTokenUser(ctx, tok, "192.0.2.1"); err != nil || u.ID != ada.ID {
		t.Errorf("reader token: %v, %v", u, err)
	}
	if err := s.DeleteAppPassword(ctx, bob, cred.ID); !digest.IsNotFound(err) {
		t.Errorf("bob deleted ada's app password: %v", err)
	}
	if err := s.DeleteAppPassword(ctx, ada, cred.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReaderTokenUser(ctx, tok, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("a token outlived its app password: %v", err)
	}
	if _, err := s.FeverUser(ctx, fk, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("a fever key outlived its app password: %v", err)
	}
	// Revoked key.
	keys, _ := st.Credentials(ctx, ada.ID, digest.APIKey)
	if err := st.DeleteCredential(ctx, bob.ID, keys[0].ID); !digest.IsNotFound(err) {
		t.Errorf("bob deleted ada's key: %v", err)
	}
	if err := st.DeleteCredential(ctx, ada.ID, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.APIKeyUser(ctx, key, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("revoked key: %v", err)
	}
}

func TestOneTimeLinksWorkOnce(t *testing.T) {
	s, st, c := newService(t)
	ctx := context.Background()
	link, err := s.SetupLink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSetupLink(ctx, link); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseSetupLink(ctx, link, "admin", "short", "192.0.2.1"); code(err) != digest.EINVALID {
		t.Errorf("weak password: %v", err)
	}
	// Used twice at once: one admin.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.UseSetupLink(ctx, link, "admin"+string(rune('a'+i)), "correct horse", "192.0.2.1")
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("the setup link worked %v / %v, want exactly once", errs[0], errs[1])
	}
	if n, _ := st.CountUsers(ctx); n != 1 {
		t.Fatalf("%d users after two uses of the setup link", n)
	}
	if _, err := s.SetupLink(ctx); code(err) != digest.ECONFLICT {
		t.Errorf("a setup link with a user: %v", err)
	}
	us, _ := st.Users(ctx)
	if us[0].Role != digest.RoleAdmin {
		t.Errorf("the first user is %s, want admin", us[0].Role)
	}
	// Login links: once, and not after they expire.
	l1, _, _ := s.NewCredential(ctx, &us[0], digest.LoginLink, "demo", time.Hour)
	if u, err := s.UseLoginLink(ctx, l1, "192.0.2.1"); err != nil || u.ID != us[0].ID {
		t.Fatalf("login link: %v, %v", u, err)
	}
	if _, err := s.UseLoginLink(ctx, l1, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("login link used twice: %v", err)
	}
	l2, _, _ := s.NewCredential(ctx, &us[0], digest.LoginLink, "demo", time.Hour)
	c.add(2 * time.Hour)
	if _, err := s.UseLoginLink(ctx, l2, "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("expired login link: %v", err)
	}
}

func TestNamesAndPasswordsAreChecked(t *testing.T) {
	for _, bad := range []string{"", " ada", "ada smith", "-ada", "a/b", strings.Repeat("a", 65), "ada\x00"} {
		if err := auth.CheckName(bad); code(err) != digest.EINVALID {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	for _, good := range []string{"ada", "Ada.Lovelace", "ada@example.org", "Ærø", "a_b-c"} {
		if err := auth.CheckName(good); err != nil {
			t.Errorf("name %q: %v", good, err)
		}
	}
	if auth.CheckPasswordStrength("1234567") == nil || auth.CheckPasswordStrength(strings.Repeat("x", 2000)) == nil {
		t.Error("weak or huge passwords accepted")
	}
}

// BenchmarkLogin is one sign-in with the default argon2id costs
// (m=64 MiB, t=2, p=2): the cost a guesser pays per try.
func BenchmarkLogin(b *testing.B) {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "d.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := auth.New(st, auth.Options{MaxLockout: time.Nanosecond})
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Login(ctx, "ada", "correct horse", "192.0.2.1"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestReaderTokensAreCappedPerAppPassword(t *testing.T) {
	s, st, _ := newService(t)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, "ada", digest.RoleUser, "correct horse")
	_, app, _ := s.NewCredential(ctx, u, digest.AppPassword, "newsboat", 0)
	var tokens []string
	for range 15 {
		tok, err := s.NewReaderToken(ctx, u, app)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	if list, _ := st.Credentials(ctx, u.ID, digest.ReaderToken); len(list) != 10 {
		t.Errorf("%d tokens kept, want 10", len(list))
	}
	if _, err := s.ReaderTokenUser(ctx, tokens[0], "192.0.2.1"); code(err) != digest.EUNAUTHORIZED {
		t.Errorf("the oldest token still works: %v", err)
	}
	if _, err := s.ReaderTokenUser(ctx, tokens[14], "192.0.2.1"); err != nil {
		t.Errorf("the newest token: %v", err)
	}
}
