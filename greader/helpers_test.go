package greader_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/greader"
	"github.com/occasional-digest/digest/internal/testenv"
)

// server is a test environment (real SQLite store, auth, ingest pipeline
// and loopback feeds, users A and B) with the Google Reader API served on
// loopback.
type server struct {
	*testenv.Env
	URL string // no trailing slash
	h   *greader.Handler
}

func newServer(t testing.TB, opts testenv.Options) *server {
	t.Helper()
	e := testenv.New(t, opts)
	h := greader.New(e.Store, e.Pipeline, e.Auth, greader.Options{MaxBodyBytes: 256 << 10, Addr: testAddr})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &server{Env: e, URL: ts.URL, h: h}
}

// testAddr is the client address for throttling: X-Test-Addr when a test
// sets it, so that one test can be several clients.
func testAddr(r *http.Request) string {
	if a := r.Header.Get("X-Test-Addr"); a != "" {
		return a
	}
	return "127.0.0.1"
}

// client speaks to the server as one app would: base is what the user
// typed into the app (with or without a trailing slash).
type client struct {
	t     testing.TB
	base  string
	auth  string // the GoogleLogin token, once signed in
	agent string
}

type response struct {
	Status int
	Header http.Header
	Body   string
}

// do sends a request; body, when not empty, is sent as a form unless
// contentType says otherwise.
func (c *client) do(method, path, body string, header ...string) response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", "GoogleLogin auth="+c.auth)
	}
	if c.agent != "" {
		req.Header.Set("User-Agent", c.agent)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, string(b)}
}

// ok sends a request and fails the test unless it answers 200.
func (c *client) ok(method, path, body string, header ...string) string {
	c.t.Helper()
	r := c.do(method, path, body, header...)
	if r.Status != http.StatusOK {
		c.t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	return r.Body
}

// json sends a request and decodes its JSON answer into v, strictly
// typed as the client's own model is.
func (c *client) json(v any, method, path, body string, header ...string) {
	c.t.Helper()
	b := c.ok(method, path, body, header...)
	if err := json.Unmarshal([]byte(b), v); err != nil {
		c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
	}
}

// login signs in with ClientLogin's text answer, as NetNewsWire parses it:
// every line split on "=" into exactly two parts.
func (c *client) login(name, password string) {
	c.t.Helper()
	body := c.ok("POST", "/accounts/ClientLogin", form("Email", name, "Passwd", password))
	fields := map[string]string{}
	for _, line := range strings.Split(body, "\n") {
		parts := strings.Split(line, "=")
		if len(parts) == 2 {
			fields[parts[0]] = parts[1]
		}
	}
	if fields["Auth"] == "" || fields["SID"] == "" {
		c.t.Fatalf("ClientLogin answered %q", body)
	}
	c.auth = fields["Auth"]
}

// form encodes name, value pairs in order.
func form(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]) + "=" + url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

// feedID returns the ID of u's test feed of that name.
func feedID(t testing.TB, u *testenv.User, name string) int64 {
	t.Helper()
	for _, f := range u.Feeds {
		if strings.HasSuffix(f.URL, "/"+name+".xml") {
			return f.ID
		}
	}
	t.Fatalf("%s has no feed %s", u.Name, name)
	return 0
}

// article returns u's view of one article.
func (s *server) article(t testing.TB, u *testenv.User, id int64) *digest.Article {
	t.Helper()
	a, err := s.Store.Article(t.Context(), u.ID, id)
	if err != nil {
		t.Fatalf("article %d of %s: %v", id, u.Name, err)
	}
	return a
}

// articleIDs lists the IDs of every article u sees, newest first, and
// those of one feed when feed is not 0.
func (s *server) articleIDs(t testing.TB, u *testenv.User, feed int64) []int64 {
	t.Helper()
	var ids []int64
	for _, a := range s.Articles(t, u) {
		if feed == 0 || carries(&a, feed) {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

func carries(a *digest.Article, feed int64) bool {
	if a.FeedID == feed {
		return true
	}
	for _, s := range a.Sources {
		if s.FeedID == feed {
			return true
		}
	}
	return false
}

// Shapes of the answers, typed as the clients' models type them.
type (
	itemRefs struct {
		ItemRefs []struct {
			ID string `json:"id"`
		} `json:"itemRefs"`
		Continuation *string `json:"continuation"` // Reeder fails on a number
	}
	streamItems struct {
		ID      string `json:"id"`
		Updated int64  `json:"updated"`
		Items   []struct {
			ID            string   `json:"id"`
			Title         string   `json:"title"`
			Published     int64    `json:"published"`
			CrawlTimeMsec string   `json:"crawlTimeMsec"`
			TimestampUsec string   `json:"timestampUsec"`
			Categories    []string `json:"categories"`
			Summary       struct {
				Content string `json:"content"`
			} `json:"summary"`
			Canonical []struct {
				Href string `json:"href"`
			} `json:"canonical"`
			Alternate []struct {
				Href string `json:"href"`
			} `json:"alternate"`
			Origin struct {
				StreamID string `json:"streamId"`
				Title    string `json:"title"`
			} `json:"origin"`
		} `json:"items"`
		Continuation *string `json:"continuation"`
	}
	subscriptionList struct {
		Subscriptions []struct {
			ID         string `json:"id"`
			Title      string `json:"title"`
			URL        string `json:"url"`
			HTMLURL    string `json:"htmlUrl"`
			Categories []struct {
				ID    string `json:"id"`
				Label string `json:"label"`
			} `json:"categories"`
		} `json:"subscriptions"`
	}
	tagList struct {
		Tags []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"tags"`
	}
)

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func jsonDecode(s string, v any) error { return json.Unmarshal([]byte(s), v) }
