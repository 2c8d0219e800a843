package fever_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fever"
)

// state is everything of a user's that a Fever call could change.
type state struct {
	Refs  []digest.ArticleRef
	Feeds []digest.Feed
}

func (e *env) state(uid int64) state {
	e.t.Helper()
	ctx := context.Background()
	refs, err := e.Store.ArticleRefs(ctx, digest.ArticleQuery{UserID: uid, ByID: true, Oldest: true, Limit: 100_000})
	if err != nil {
		e.t.Fatal(err)
	}
	fs, err := e.Store.Feeds(ctx, uid)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range fs {
		fs[i].FetchState = digest.FetchState{}
	}
	return state{refs, fs}
}

// TestPrivacy calls every Fever call of fever.Endpoints with B's key,
// aimed at A's item, feed and group (alpha, which B does not follow, and
// its category): nothing of A's is in B's answers, and A's state is
// unchanged. Without a key every call answers auth 0.
func TestPrivacy(t *testing.T) {
	e := newEnv(t, 3)
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\nalice")
	sum := sha256.Sum256(png)
	icon, err := e.Store.SaveIcon(ctx, &digest.Icon{Hash: hex.EncodeToString(sum[:]), ContentType: "image/png", Data: png})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.SetFeedIcon(ctx, e.FeedsA[0], icon); err != nil {
		t.Fatal(err)
	}
	alpha := e.articles(e.A.ID, digest.ArticleQuery{FeedID: e.FeedsA[0]})
	if _, err := e.Store.MarkStarred(ctx, e.A.ID, alpha[:1], true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.MarkRead(ctx, e.A.ID, alpha[1:2], true); err != nil {
		t.Fatal(err)
	}
	f, err := e.Store.Feed(ctx, e.A.ID, e.FeedsA[0])
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{e.FeedURL("alpha"), "Alpha", "/alpha/", "News", "alpha story", "iVBORw0KGgphbGljZQ"}
	before := e.state(e.A.ID)

	for _, ep := range fever.Endpoints() {
		method, target, _ := strings.Cut(ep, " ")
		_, rawQuery, _ := strings.Cut(target, "?")
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case q.Get("mark") == "item":
			q.Set("id", strconv.FormatInt(alpha[0], 10))
		case q.Get("mark") == "feed":
			q.Set("id", strconv.FormatInt(f.ID, 10))
		case q.Get("mark") == "group" && q.Get("id") != "0":
			q.Set("id", strconv.FormatInt(f.CategoryID, 10))
		case q.Has("with_ids"):
			q.Set("with_ids", strconv.FormatInt(alpha[0], 10)+","+strconv.FormatInt(alpha[1], 10))
		}
		query := strings.ReplaceAll(q.Encode(), "=&", "&")
		query = strings.TrimSuffix(query, "=")
		for _, keyIn := range []string{"body", "query"} {
			var a answer
			switch {
			case method == "GET" || keyIn == "query":
				a = e.get(query + "&api_key=" + e.B.FeverKey)
			default:
				a = e.call(strings.TrimPrefix(strings.TrimPrefix(query, "api&"), "api"), "api_key="+e.B.FeverKey)
			}
			if a.status != http.StatusOK || a.Auth != 1 {
				t.Errorf("%s as B: %d auth %d %s", ep, a.status, a.Auth, a.Error)
			}
			body, _ := a.rawJSON()
			for _, it := range a.Items {
				if slices.Contains(alpha, it.ID) {
					t.Errorf("%s as B: A's item %d in the answer", ep, it.ID)
				}
			}
			for _, id := range append(ids(a.UnreadItemIDs), ids(a.SavedItemIDs)...) {
				if slices.Contains(alpha, id) {
					t.Errorf("%s as B: A's item %d in an id list", ep, id)
				}
			}
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("%s as B (key in the %s): answer contains A's %q: %.300s", ep, keyIn, s, body)
				}
			}
		}
		if a := e.get(query); a.Auth != 0 || a.raw["items"] != nil || a.raw["feeds"] != nil || a.raw["unread_item_ids"] != nil {
			t.Errorf("%s without a key: %+v", ep, a.raw)
		}
	}
	if after := e.state(e.A.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("A's state changed by B's calls")
	}
}

// get GETs ?query (query begins with api).
func (e *env) get(query string) answer {
	e.t.Helper()
	resp, err := http.Get(e.URL + "?" + query)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.decode(e.URL+"?"+query, resp)
}

// TestBadInput sends malformed calls: each answers a 4xx (or auth 0) in
// Fever's shape, never a 500, and changes nothing.
func TestBadInput(t *testing.T) {
	e := newEnv(t, 3)
	item := strconv.FormatInt(e.articles(e.A.ID, digest.ArticleQuery{})[0], 10)
	before := e.state(e.A.ID)
	many := make([]string, 10_000)
	for i := range many {
		many[i] = strconv.Itoa(i + 1)
	}
	key := "api_key=" + e.A.FeverKey
	cases := []struct {
		name, query, body string
		want, auth        int
	}{
		{"a malformed key", "items", "api_key=zz", 200, 0},
		{"a key of 100,000 characters", "items", "api_key=" + strings.Repeat("a", 60_000), 200, 0},
		{"the key of the login password", "items", "api_key=" + authKey(e.A.Name, "correct horse battery"), 200, 0},
		{"10,000 with_ids", "items", key + "&with_ids=" + strings.Join(many, ","), 400, 1},
		{"5,000 with_ids in the query", "items&with_ids=" + strings.Join(many[:5000], ","), key, 400, 0},
		{"51 with_ids", "items&with_ids=" + strings.Join(many[:51], ","), key, 400, 1},
		{"a non-numeric with_ids", "items&with_ids=1,two,3", key, 400, 1},
		{"a negative with_ids", "items&with_ids=-1", key, 400, 1},
		{"a non-numeric since_id", "items&since_id=abc", key, 400, 1},
		{"a negative max_id", "items&max_id=-1", key, 400, 1},
		{"a huge since_id", "items&since_id=99999999999999999999999", key, 400, 1},
		{"mark without an id", "mark=item&as=read", key, 400, 1},
		{"mark a non-numeric id", "mark=item&as=read&id=x", key, 400, 1},
		{"mark id 0", "mark=item&as=read&id=0", key, 400, 1},
		{"mark as something else", "mark=item&as=toggle&id=" + item, key, 400, 1},
		{"mark a feed unread", "mark=feed&as=unread&id=1&before=1", key, 400, 1},
		{"a non-numeric before", "mark=feed&as=read&id=1&before=yesterday", key, 400, 1},
		{"a group below -1", "mark=group&as=read&id=-7&before=1", key, 400, 1},
		{"mark something unknown", "mark=story&as=read&id=1", key, 400, 1},
		{"xml output", "xml&items", key, 400, 0},
		{"a body over the cap", "items", key + "&pad=" + strings.Repeat("x", fever.DefaultMaxBodyBytes), 413, 0},
		{"too many parameters", "items&" + strings.Repeat("p&", 100), key, 400, 0},
		{"a malformed query", "items&%zz", key, 400, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e.call(c.query, c.body)
			if a.status != c.want || a.APIVersion != 3 || a.Auth != c.auth {
				t.Errorf("%d %+v, want %d auth %d", a.status, a.raw, c.want, c.auth)
			}
			if c.want >= 400 && a.Error == "" {
				t.Errorf("no error message: %+v", a.raw)
			}
		})
	}
	t.Run("a method other than GET and POST", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, e.URL+"?api", strings.NewReader(key))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if a := e.decode("PUT", resp); a.status != 405 || a.APIVersion != 3 {
			t.Errorf("PUT: %d %+v", a.status, a.raw)
		}
	})
	t.Run("no api parameter", func(t *testing.T) {
		if a := e.callRaw(key); a.status != 404 || a.APIVersion != 3 {
			t.Errorf("no ?api: %d %+v", a.status, a.raw)
		}
	})
	if after := e.state(e.A.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("bad calls changed A's state")
	}
}

// TestThrottle: repeated wrong keys from one address end in 429 with
// auth 0, never a 500.
func TestThrottle(t *testing.T) {
	e := newEnv(t, 1)
	saw429 := false
	for i := range 40 {
		a := e.call("items", "api_key="+authKey("alice", "wrong"+strconv.Itoa(i)))
		if a.Auth != 0 || a.APIVersion != 3 || (a.status != 200 && a.status != http.StatusTooManyRequests) {
			t.Fatalf("attempt %d: %d %+v", i, a.status, a.raw)
		}
		saw429 = saw429 || a.status == http.StatusTooManyRequests
	}
	if !saw429 {
		t.Errorf("40 wrong keys from one address were never throttled")
	}
}

// TestKeylessCallsAreNotThrottled: Unread's URL check (no key) may come
// often; it never locks the address out.
func TestKeylessCallsAreNotThrottled(t *testing.T) {
	e := newEnv(t, 1)
	for i := range 40 {
		if a := e.callRaw("api"); a.status != 200 || a.Auth != 0 {
			t.Fatalf("keyless call %d: %d %+v", i, a.status, a.raw)
		}
	}
	if a := e.as(e.A, ""); a.status != 200 || a.Auth != 1 {
		t.Errorf("the right key after 40 keyless calls: %d auth %d", a.status, a.Auth)
	}
}
