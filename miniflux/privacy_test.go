package miniflux_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/miniflux"
)

// do sends one request with the given credentials ("key:K", "basic:N:P"
// or "" for none) and returns the status and body.
func (e *env) do(method, path, body, cred string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(cred, "key:"):
		req.Header.Set("X-Auth-Token", strings.TrimPrefix(cred, "key:"))
	case strings.HasPrefix(cred, "basic:"):
		name, pw, _ := strings.Cut(strings.TrimPrefix(cred, "basic:"), ":")
		req.SetBasicAuth(name, pw)
	case cred != "":
		req.Header.Set("Authorization", cred)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func keyOf(a *testenv.User) string   { return "key:" + a.APIKey }
func basicOf(a *testenv.User) string { return "basic:" + a.Name + ":" + a.AppPassword }

// snapshot is everything of a user's that an endpoint could change.
type snapshot struct {
	Feeds      []digest.Feed
	Categories []digest.Category
	Refs       []digest.ArticleRef
}

func (e *env) snapshot(uid int64) snapshot {
	e.t.Helper()
	ctx := context.Background()
	fs, err := e.Store.Feeds(ctx, uid)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range fs { // the scheduler's state is not the user's
		fs[i].FetchState = digest.FetchState{}
	}
	cs, err := e.Store.Categories(ctx, uid)
	if err != nil {
		e.t.Fatal(err)
	}
	refs, err := e.Store.ArticleRefs(ctx, digest.ArticleQuery{UserID: uid, ByID: true, Oldest: true, Limit: 100_000})
	if err != nil {
		e.t.Fatal(err)
	}
	return snapshot{fs, cs, refs}
}

// aliceOnly are things of A's that B must never see: A's own feed (B
// does not follow it), its category and its articles.
type aliceOnly struct {
	feed, category, entry, icon, user int64
	secrets                           []string // strings that must not appear in B's answers
}

func (e *env) aliceOnly() aliceOnly {
	e.t.Helper()
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\nalice")
	sum := sha256.Sum256(png)
	icon, err := e.Store.SaveIcon(ctx, &digest.Icon{Hash: hex.EncodeToString(sum[:]), ContentType: "image/png", Data: png})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.Store.SetFeedIcon(ctx, e.FeedsA[0], icon); err != nil {
		e.t.Fatal(err)
	}
	f, err := e.Store.Feed(ctx, e.A.User.ID, e.FeedsA[0])
	if err != nil {
		e.t.Fatal(err)
	}
	ids := e.articles(e.A.User.ID, digest.ArticleQuery{FeedID: f.ID})
	// Star and read one, so that B's answers could leak state too.
	if _, err := e.Store.MarkStarred(ctx, e.A.User.ID, ids[:1], true); err != nil {
		e.t.Fatal(err)
	}
	return aliceOnly{feed: f.ID, category: f.CategoryID, entry: ids[0], icon: icon, user: e.A.User.ID,
		secrets: []string{e.feedURL(0), "Alpha", "/alpha/", "News", "alice", "iVBORw0KGgphbGljZQ"}}
}

// fill puts A's IDs into an endpoint of miniflux.Endpoints (which uses ID
// 1 for every path value).
func (a aliceOnly) fill(endpoint string) (method, path string) {
	method, path, _ = strings.Cut(endpoint, " ")
	parts := strings.Split(path, "/")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "1" {
			continue
		}
		var id int64
		switch parts[i-1] {
		case "feeds":
			id = a.feed
		case "categories":
			id = a.category
		case "entries":
			id = a.entry
		case "icons":
			id = a.icon
		case "users":
			id = a.user
		default:
			panic("no ID for " + endpoint)
		}
		parts[i] = strconv.FormatInt(id, 10)
	}
	return method, strings.Join(parts, "/")
}

// body is a request body that would change A's things, were B allowed.
func (a aliceOnly) body(method, path string) string {
	switch {
	case method == "PUT" && path == "/v1/entries":
		return fmt.Sprintf(`{"entry_ids":[%d],"status":"read","starred":false}`, a.entry)
	case method == "PUT" && strings.HasPrefix(path, "/v1/feeds/"):
		return fmt.Sprintf(`{"title":"stolen","category_id":%d,"crawler":true}`, a.category)
	case method == "PUT" && strings.HasPrefix(path, "/v1/categories/"):
		return `{"title":"stolen"}`
	case method == "POST" && path == "/v1/feeds":
		return fmt.Sprintf(`{"feed_url":"https://nowhere.invalid/feed","category_id":%d}`, a.category)
	case method == "POST" && path == "/v1/categories":
		return `{"title":"B's own"}`
	case method == "POST" && path == "/v1/discover":
		return `{"url":"https://nowhere.invalid/"}`
	case method == "POST" && path == "/v1/import":
		return `<opml version="2.0"><body></body></opml>`
	}
	return ""
}

// TestPrivacy walks every route of miniflux.Endpoints as user B, with B's
// API key and with B's app password, aimed at A's feed, category, entry,
// icon and user: each answers 404 or 403 (or, for B's own lists, nothing
// of A's), and A's feeds, categories and article states are unchanged.
// Without credentials every route answers 401 in Miniflux's shape.
func TestPrivacy(t *testing.T) {
	e := newEnv(t, 3)
	a := e.aliceOnly()
	before := e.snapshot(e.A.User.ID)
	// B's own lists, with filters that name A's things.
	endpoints := append(miniflux.Endpoints(),
		fmt.Sprintf("GET /v1/entries?feed_id=%d", a.feed), fmt.Sprintf("GET /v1/entries?category_id=%d", a.category),
		"GET /v1/entries?starred=true", "GET /v1/entries?search=alpha", "GET /v1/entries?status=read",
		fmt.Sprintf("GET /v1/feeds/%d/entries?feed_id=%d", e.FeedsB[1], a.feed))
	for _, ep := range endpoints {
		method, path := a.fill(ep)
		if strings.Contains(ep, "?") {
			method, path, _ = strings.Cut(ep, " ")
		}
		body := a.body(method, path)
		for _, cred := range []string{keyOf(e.B), basicOf(e.B)} {
			code, resp := e.do(method, path, body, cred)
			switch {
			case code == http.StatusNotFound || code == http.StatusForbidden:
			case code >= 200 && code < 300:
				for _, s := range a.secrets {
					if strings.Contains(resp, s) {
						t.Errorf("%s %s as B: %d, answer contains A's %q: %.300s", method, path, code, s, resp)
					}
				}
			case method == "POST" && code >= 400 && code < 600 && code != 500:
				// B's own subscription to an address that does not
				// resolve, or B's category created a second time.
			default:
				t.Errorf("%s %s as B: %d %.200s, want 404, 403 or B's own data", method, path, code, resp)
			}
		}
		if code, resp := e.do(method, path, body, ""); code != http.StatusUnauthorized || !strings.Contains(resp, `"error_message"`) {
			t.Errorf("%s %s without credentials: %d %s, want 401 with error_message", method, path, code, resp)
		}
	}
	if after := e.snapshot(e.A.User.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("A's data changed by B's requests:\nbefore %+v\nafter  %+v", before, after)
	}
}

// TestBadInput sends malformed requests: each answers a 4xx in Miniflux's
// shape, never a 500, and changes nothing.
func TestBadInput(t *testing.T) {
	e := newEnv(t, 3)
	entry := e.articles(e.A.User.ID, digest.ArticleQuery{})[0]
	before := e.snapshot(e.A.User.ID)
	many := make([]string, 10_000)
	for i := range many {
		many[i] = strconv.Itoa(i + 1)
	}
	key := keyOf(e.A)
	cases := []struct {
		name, method, path, body, cred string
		want                           int
	}{
		{"basic auth that is not base64", "GET", "/v1/me", "", "Basic !!!not-base64", 401},
		{"basic auth without a colon", "GET", "/v1/me", "", "Basic YWxpY2U=", 401},
		{"a bearer token is not Miniflux's", "GET", "/v1/me", "", "Bearer " + e.A.APIKey, 401},
		{"an empty scheme", "GET", "/v1/me", "", "Basic", 401},
		{"a wrong API key", "GET", "/v1/me", "", "key:wrong", 401},
		{"an empty API key", "GET", "/v1/me", "", "key:", 401},
		{"a huge API key", "GET", "/v1/me", "", "key:" + strings.Repeat("k", 100_000), 401},
		{"the login password is no app password", "GET", "/v1/me", "", "basic:alice:" + testenv.Password, 401},
		{"10,000 entry ids", "PUT", "/v1/entries", `{"entry_ids":[` + strings.Join(many, ",") + `],"status":"read"}`, key, 400},
		{"no entry ids", "PUT", "/v1/entries", `{"entry_ids":[],"status":"read"}`, key, 400},
		{"a negative entry id", "PUT", "/v1/entries", `{"entry_ids":[-4],"status":"read"}`, key, 400},
		{"an id over 2^31", "PUT", "/v1/entries", `{"entry_ids":[4294967296],"status":"read"}`, key, 400},
		{"an unknown status", "PUT", "/v1/entries", fmt.Sprintf(`{"entry_ids":[%d],"status":"removed"}`, entry), key, 400},
		{"a body that is not JSON", "PUT", "/v1/entries", `entry_ids=1`, key, 400},
		{"ids as strings", "PUT", "/v1/entries", `{"entry_ids":["1"],"status":"read"}`, key, 400},
		{"a huge limit", "GET", "/v1/entries?limit=1000000", "", key, 400},
		{"a negative limit", "GET", "/v1/entries?limit=-1", "", key, 400},
		{"a non-numeric limit", "GET", "/v1/entries?limit=ten", "", key, 400},
		{"a negative offset", "GET", "/v1/entries?offset=-5", "", key, 400},
		{"an unknown order", "GET", "/v1/entries?order=random()", "", key, 400},
		{"an unknown direction", "GET", "/v1/entries?direction=up", "", key, 400},
		{"an unknown status filter", "GET", "/v1/entries?status=all", "", key, 400},
		{"a non-numeric feed_id", "GET", "/v1/entries?feed_id=abc", "", key, 400},
		{"a negative category_id", "GET", "/v1/entries?category_id=-3", "", key, 400},
		{"a non-numeric before", "GET", "/v1/entries?before=yesterday", "", key, 400},
		{"an absurd after", "GET", "/v1/entries?after=99999999999999", "", key, 400},
		{"changed_after is not supported", "GET", "/v1/entries?changed_after=1", "", key, 400},
		{"a malformed query", "GET", "/v1/entries?limit=%zz", "", key, 400},
		{"a non-numeric feed id", "GET", "/v1/feeds/abc", "", key, 400},
		{"a negative feed id", "GET", "/v1/feeds/-1", "", key, 400},
		{"a feed id over 2^31", "GET", "/v1/feeds/2147483648", "", key, 400},
		{"entry id zero", "GET", "/v1/entries/0", "", key, 400},
		{"an unknown entry", "GET", "/v1/entries/2147483000", "", key, 404},
		{"a non-numeric entry to star", "PUT", "/v1/entries/x/bookmark", "", key, 400},
		{"a category without a title", "POST", "/v1/categories", `{}`, key, 400},
		{"a feed without a URL", "POST", "/v1/feeds", `{"category_id":1}`, key, 400},
		{"an OPML body over the cap", "POST", "/v1/import", "<opml>" + strings.Repeat("x", miniflux.DefaultMaxBodyBytes+1), key, 413},
		{"a JSON body over the cap", "PUT", "/v1/entries", `{"entry_ids":[` + strings.Repeat("1,", miniflux.DefaultMaxBodyBytes/2) + `1],"status":"read"}`, key, 413},
		{"an unknown route", "GET", "/v1/nothing", "", key, 404},
		{"a wrong method", "DELETE", "/v1/entries", "", key, 405},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, resp := e.do(c.method, c.path, c.body, c.cred)
			if code != c.want {
				t.Errorf("%s %s: %d %.200s, want %d", c.method, c.path, code, resp, c.want)
			}
			if c.want == 405 {
				return // the mux's own answer
			}
			var ej struct {
				ErrorMessage string `json:"error_message"`
			}
			if err := json.Unmarshal([]byte(resp), &ej); err != nil || ej.ErrorMessage == "" {
				t.Errorf("answer %.200q is not Miniflux's error shape", resp)
			}
		})
	}
	if after := e.snapshot(e.A.User.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("bad requests changed A's data")
	}
}

// TestThrottle: repeated wrong credentials from one address end in 429
// with Miniflux's error shape (never a 500), for the API key and for
// basic auth alike.
func TestThrottle(t *testing.T) {
	e := newEnv(t, 1)
	saw429 := false
	for i := range 40 {
		cred := "key:wrong" + strconv.Itoa(i)
		if i%2 == 1 {
			cred = "basic:alice:wrong" + strconv.Itoa(i)
		}
		code, body := e.do("GET", "/v1/me", "", cred)
		if code != http.StatusUnauthorized && code != http.StatusTooManyRequests {
			t.Fatalf("attempt %d: %d %s", i, code, body)
		}
		if !strings.Contains(body, `"error_message"`) {
			t.Fatalf("attempt %d: %s is not Miniflux's error shape", i, body)
		}
		saw429 = saw429 || code == http.StatusTooManyRequests
	}
	if !saw429 {
		t.Errorf("40 wrong attempts from one address were never throttled")
	}
}
