package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a buffer a command writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestDemoNeedsNoSignInStep runs digest demo as a newcomer and a script
// would: its output names a login link, an API key, a user and an app
// password, and each opens what the README says it opens.
func TestDemoNeedsNoSignInStep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() { done <- run(ctx, env, []string{"demo", "--addr", "127.0.0.1:0", "--log-level", "error"}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	})
	lines := map[string]string{}
	deadline := time.Now().Add(3 * time.Minute) // a hung demo, not a slow one, ends the test
	for len(lines) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("demo printed %q (stderr %q)", out.String(), errb.String())
		}
		select {
		case err := <-done:
			t.Fatalf("demo ended: %v (%s)", err, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			for _, k := range []string{"login", "api key", "user", "app password"} {
				if v, ok := strings.CutPrefix(sc.Text(), k+": "); ok {
					lines[k] = v
				}
			}
		}
	}
	login, key, user, app := lines["login"], lines["api key"], lines["user"], lines["app password"]
	u, err := url.Parse(login)
	if err != nil || !strings.Contains(u.Path, "/login/link/") {
		t.Fatalf("login line %q", login)
	}
	base := u.Scheme + "://" + u.Host

	// The login link signs a browser in, once.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	r, err := browser.Get(login)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || r.Request.URL.Path != "/" || !strings.Contains(string(body), "Sign out") {
		t.Fatalf("login link: %s at %s", r.Status, r.Request.URL)
	}
	if r, _ := (&http.Client{}).Get(login); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the login link worked twice: %s", r.Status)
	}

	get := func(target string, hdr ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+target, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	// The API key: our API and Miniflux's.
	if code, b := get("/api/v1/feeds?limit=10", "Authorization", "Bearer "+key); code != 200 || !strings.Contains(b, "feeds") {
		t.Errorf("API key on /api/v1: %d %s", code, b)
	}
	if code, b := get("/v1/me", "X-Auth-Token", key); code != 200 || !strings.Contains(b, `"username":"`+user+`"`) {
		t.Errorf("API key on /v1/me: %d %s", code, b)
	}
	if code, _ := get("/api/v1/feeds"); code != http.StatusUnauthorized {
		t.Errorf("no key: %d, want 401", code)
	}
	// The app password: Google Reader's ClientLogin and Fever.
	r, err = http.PostForm(base+"/accounts/ClientLogin", url.Values{"Email": {user}, "Passwd": {app}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(r.Body)
	r.Body.Close()
	var auth string
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, "Auth="); ok {
			auth = v
		}
	}
	if r.StatusCode != 200 || auth == "" {
		t.Fatalf("ClientLogin: %s %s", r.Status, body)
	}
	if code, b := get("/reader/api/0/subscription/list?output=json", "Authorization", "GoogleLogin auth="+auth); code != 200 || !strings.Contains(b, "subscriptions") {
		t.Errorf("Google Reader subscriptions: %d %s", code, b)
	}
	sum := md5.Sum([]byte(user + ":" + app))
	r, err = http.PostForm(base+"/fever/?api&feeds", url.Values{"api_key": {hex.EncodeToString(sum[:])}})
	if err != nil {
		t.Fatal(err)
	}
	var fever struct {
		Auth  int               `json:"auth"`
		Feeds []json.RawMessage `json:"feeds"`
	}
	json.NewDecoder(r.Body).Decode(&fever)
	r.Body.Close()
	if fever.Auth != 1 || len(fever.Feeds) == 0 {
		t.Errorf("Fever with md5(user:app password): auth %d, %d feeds", fever.Auth, len(fever.Feeds))
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("healthz = %d", code)
	}
}

// TestServePrintsASetupLink: a first start with no account prints a
// one-time link that creates the first admin.
func TestServePrintsASetupLink(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	data := t.TempDir()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, env, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "error"})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var link string
	for deadline := time.Now().Add(2 * time.Minute); link == ""; {
		if time.Now().After(deadline) {
			t.Fatalf("serve printed %q", out.String())
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v (%s)", err, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, "/setup/") {
				link = strings.TrimSpace(l)
			}
		}
	}
	r, err := http.Get(link)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("setup page: %v %v", r, err)
	}
	r.Body.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	form := url.Values{"name": {"admin"}, "password": {"first admin pw"}, "confirm": {"first admin pw"}}
	r, err = c.PostForm(link, form)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || r.Request.URL.Path != "/feeds" {
		t.Fatalf("setup: %s at %s", r.Status, r.Request.URL)
	}
	if r, _ := http.PostForm(link, form); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the setup link worked twice: %s", r.Status)
	}
}
