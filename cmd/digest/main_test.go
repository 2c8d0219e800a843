package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/demo"
)

// testEnv returns an Env whose environment is only vars.
func testEnv(vars map[string]string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}, &out, &errb
}

// startApp runs the whole digest (store, pipeline, web) on port 0 against a
// data directory, letting only the newswire's loopback address through.
func startApp(t *testing.T, data string) (base string, a *app) {
	t.Helper()
	env, _, _ := testEnv(nil)
	cfg := defaultConfig()
	cfg.Data = data
	cfg.Workers = 4
	cfg.LogLevel = "warn"
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openApp(ctx, cfg, env, appOptions{allowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln, func(u string) { ready <- u }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	u := <-ready
	base = strings.TrimSuffix(u, "/")
	// The tests read and write as "tester": pages with a session cookie,
	// the API with a key (see authed).
	tu, err := a.auth.CreateUser(ctx, "tester", digest.RoleAdmin, "")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := a.auth.NewCredential(ctx, tu, digest.APIKey, "tests", 0)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.auth.StartSession(ctx, tu, "tests", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	testCreds.Store(base, testCred{user: tu, key: key, cookie: "digest_session=" + token})
	return base, a
}

// testCred is how the tests sign in to an app started by startApp.
type testCred struct {
	user        *digest.User
	key, cookie string
}

// testCreds holds each started app's testCred by base URL.
var testCreds sync.Map

// authed returns a request of the tests' user: an API key for /api/,
// the session cookie for pages.
func authed(t *testing.T, method, u string, body io.Reader) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	testCreds.Range(func(k, v any) bool {
		if strings.HasPrefix(u, k.(string)+"/") {
			c := v.(testCred)
			if strings.Contains(u, "/api/") {
				r.Header.Set("Authorization", "Bearer "+c.key)
			} else {
				r.Header.Set("Cookie", c.cookie)
			}
			return false
		}
		return true
	})
	return r
}

// testUserOf returns the ID of the tests' user of the app at base.
func testUserOf(t *testing.T, base string) int64 {
	t.Helper()
	v, ok := testCreds.Load(base)
	if !ok {
		t.Fatalf("no test user for %s", base)
	}
	return v.(testCred).user.ID
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	r, err := http.DefaultClient.Do(authed(t, "GET", u, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if r.StatusCode != 200 {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("GET %s: %s %s", u, r.Status, b)
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func getText(t *testing.T, u string) string {
	t.Helper()
	r, err := http.DefaultClient.Do(authed(t, "GET", u, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", u, r.Status, b)
	}
	return string(b)
}

type apiArticle struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	FeedID    int64     `json:"feed_id"`
	Published time.Time `json:"published"`
	Content   string    `json:"content"`
	Extracted bool      `json:"extracted"`
	Sources   []struct {
		URL      string `json:"url"`
		Original bool   `json:"original"`
	} `json:"sources"`
}

func TestEndToEndNewswireReachesDatabaseAPIAndPages(t *testing.T) {
	wire, err := demo.New(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ws := httptest.NewServer(wire)
	defer ws.Close()
	base, a := startApp(t, t.TempDir())

	if r, err := http.Get(base + "/healthz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", r, err)
	}
	// Subscribe through the API: feed URLs and, for discovery, home pages.
	for i, u := range wire.FeedURLs(ws.URL) {
		if i%2 == 1 {
			u = homeOf(u)
		}
		body := fmt.Sprintf(`{"url": %q}`, u)
		req := authed(t, "POST", base+"/api/v1/feeds", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("POST /api/v1/feeds %s: %s %s", u, r.Status, b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.pipeline.RefreshAndWait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.pipeline.WaitIdle(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}

	var feeds []struct {
		ID        int64  `json:"id"`
		Title     string `json:"title"`
		LastError string `json:"last_error"`
		IconID    int64  `json:"icon_id"`
	}
	var feedsResp struct {
		Feeds json.RawMessage `json:"feeds"`
	}
	getJSON(t, base+"/api/v1/feeds", &feedsResp)
	if err := json.Unmarshal(feedsResp.Feeds, &feeds); err != nil {
		t.Fatalf("feeds: %v", err)
	}
	if len(feeds) != 5 {
		t.Fatalf("got %d feeds, want 5", len(feeds))
	}
	for _, f := range feeds {
		if f.LastError != "" {
			t.Errorf("feed %q: %s", f.Title, f.LastError)
		}
		if f.IconID == 0 {
			t.Errorf("feed %q has no icon", f.Title)
		}
	}

	var page struct {
		Articles []apiArticle `json:"articles"`
		Next     *string      `json:"next"`
	}
	getJSON(t, base+"/api/v1/articles?limit=100", &page)
	if page.Next == nil {
		t.Fatal(`article list has no "next" field`)
	}
	if len(page.Articles) < 10 {
		t.Fatalf("got %d articles, want the newswire's", len(page.Articles))
	}
	var herald *apiArticle
	for i, x := range page.Articles {
		if x.ID == 0 || x.Title == "" || x.URL == "" || x.FeedID == 0 || x.Published.IsZero() {
			t.Fatalf("article without id, title, url, feed_id or published: %+v", x)
		}
		if strings.Contains(x.Title, "The whole street was moving") {
			herald = &page.Articles[i]
		}
	}
	if herald == nil {
		t.Fatal("the Harbor Herald's waterfront article is missing")
	}
	var full apiArticle
	getJSON(t, fmt.Sprintf("%s/api/v1/articles/%d", base, herald.ID), &full)
	// The Herald's feed carries summaries only: the article page was
	// fetched and extracted, without its boilerplate.
	if !full.Extracted || !strings.Contains(full.Content, "Piet Anselm") {
		t.Fatalf("article not extracted from its page: extracted=%v content=%q", full.Extracted, full.Content)
	}
	for _, junk := range []string{"cookies", "Share on", "newsletter", "Related stories"} {
		if strings.Contains(full.Content, junk) {
			t.Errorf("extracted content keeps boilerplate %q", junk)
		}
	}

	river := getText(t, base+"/")
	if !strings.Contains(river, "The whole street was moving") && !strings.Contains(river, "The whole street was moving") {
		t.Errorf("river does not show the Herald's headline")
	}
	art := getText(t, fmt.Sprintf("%s/articles/%d", base, herald.ID))
	if !strings.Contains(art, "Source") || !strings.Contains(art, full.URL) {
		t.Errorf("article page lacks its Source link to %s", full.URL)
	}
	if !strings.Contains(art, "The Harbor Herald") {
		t.Errorf("article page does not name its outlet")
	}
}

func TestAddRefusesPrivateAddressesAndPagesWithoutFeeds(t *testing.T) {
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><title>no feed here</title><p>nothing</p>")
	}))
	defer ws.Close()
	data := t.TempDir()
	addUser(t, data, "reader")
	cases := []struct {
		name string
		vars map[string]string
		url  string
		want string
	}{
		{"loopback refused by default", nil, ws.URL, "127.0.0.1"},
		{"metadata address refused", nil, "http://169.254.169.254/latest/", "169.254.169.254"},
		{"no feed found", map[string]string{"DIGEST_ALLOW_PRIVATE": "true"}, ws.URL, "no feed found"},
		{"not a URL", nil, "ht!tp://%zz", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, _, _ := testEnv(c.vars)
			err := run(context.Background(), env, []string{"add", "--data", data, c.url})
			if err == nil {
				t.Fatal("add succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestCommandsHaveHelpAndRejectBadConfig(t *testing.T) {
	for name := range commands() {
		env, _, errb := testEnv(nil)
		err := run(context.Background(), env, []string{name, "--help"})
		if err == nil || !strings.Contains(errb.String(), "Usage: digest "+name) {
			t.Errorf("%s --help: err %v, usage %q", name, err, errb.String())
		}
	}
	env, _, _ := testEnv(map[string]string{"DIGEST_WORKERS": "many"})
	if err := run(context.Background(), env, []string{"export", "--data", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "DIGEST_WORKERS") {
		t.Errorf("bad DIGEST_WORKERS: %v", err)
	}
	env, _, _ = testEnv(nil)
	if err := run(context.Background(), env, []string{"serve", "--per-host", "0"}); err == nil || !strings.Contains(err.Error(), "per-host") {
		t.Errorf("bad --per-host: %v", err)
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	data := t.TempDir()
	opml := filepath.Join(t.TempDir(), "subs.opml")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body><outline text="News">`)
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, `<outline type="rss" text="Feed %d" xmlUrl="https://news%d.example.com/feed.xml"/>`, i, i)
	}
	b.WriteString(`<outline text="ftp" xmlUrl="ftp://example.com/feed.xml"/><outline text="bad" xmlUrl="javascript:alert(1)"/></outline></body></opml>`)
	if err := writeFile(opml, b.String()); err != nil {
		t.Fatal(err)
	}
	addUser(t, data, "reader")
	// The two broken entries are skipped, said on stderr, and make the
	// exit status 1.
	env, out, errb := testEnv(nil)
	if st := cli(context.Background(), env, []string{"import", "--data", data, opml}); st != exitFailed || strings.Count(errb.String(), "skipped: ") != 2 {
		t.Fatalf("import: status %d (%s)", st, errb)
	}
	if !strings.Contains(out.String(), "imported 50 feeds, skipped 2") {
		t.Fatalf("import output %q", out)
	}
	env, out, _ = testEnv(nil)
	if err := run(context.Background(), env, []string{"export", "--data", data}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "xmlUrl="); n != 50 {
		t.Fatalf("export has %d feeds, want 50", n)
	}
	if !strings.Contains(out.String(), `"News"`) {
		t.Errorf("export lost the category")
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

// addUser adds a user to the data directory the way a script does:
// digest user add, the password on stdin.
func addUser(t *testing.T, data, name string) {
	t.Helper()
	env, _, errb := testEnv(nil)
	env.Stdin = strings.NewReader("a long enough password\n")
	if err := run(context.Background(), env, []string{"user", "add", "--data", data, name}); err != nil {
		t.Fatalf("user add: %v (%s)", err, errb)
	}
}
