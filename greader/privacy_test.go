package greader_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/greader"
	"github.com/occasional-digest/digest/internal/testenv"
)

// TestPrivacy: with B's token, no endpoint reads or changes anything of
// A's. Every route of greader.Endpoints must have its attacks here (a
// route added later fails this test until it has some). Each answer is a
// 4xx, or a 200 that names none of A's feeds, articles, categories or
// name; and the database is unchanged at the end.
func TestPrivacy(t *testing.T) {
	s := newServer(t, testenv.Options{})
	ctx := t.Context()
	// A's category that B has no namesake of, with beta in it.
	if _, err := s.Store.CreateCategory(ctx, s.A.ID, "Private"); err != nil {
		t.Fatal(err)
	}
	beta, err := s.Store.Feed(ctx, s.A.ID, feedID(t, s.A, "beta"))
	if err != nil {
		t.Fatal(err)
	}
	beta.Category = "Private"
	if err := s.Store.UpdateFeed(ctx, s.A.ID, beta); err != nil {
		t.Fatal(err)
	}
	alpha := feedID(t, s.A, "alpha")
	// An article of A's that B does not see, read and starred.
	private := s.articleIDs(t, s.A, alpha)[0]
	if _, err := s.Store.MarkStarred(ctx, s.A.ID, []int64{private}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.Article(ctx, s.B.ID, private); !digest.IsNotFound(err) {
		t.Fatalf("B sees A's article %d: %v", private, err)
	}
	af, bf := strconv.FormatInt(alpha, 10), strconv.FormatInt(beta.ID, 10)
	long := fmt.Sprintf("tag:google.com,2005:reader/item/%016x", private)
	dec := strconv.FormatInt(private, 10)
	aUser := strconv.FormatInt(s.A.ID, 10)
	secrets := []string{"feed/" + af, "feed/" + bf, "feed%2F" + af, long, "alpha story", "beta story", "Private", s.A.Name,
		"user/" + aUser + "/", s.FeedURL("alpha"), s.FeedURL("beta")}

	b := &client{t: t, base: s.URL}
	b.login(s.B.Name, s.B.AppPassword)
	before := s.Snapshot(t)

	attacks := map[string][]struct{ method, path, body string }{
		"POST /accounts/ClientLogin": {
			{"POST", "/accounts/ClientLogin", form("Email", s.A.Name, "Passwd", s.B.AppPassword)},
		},
		"GET /reader/api/0/user-info":           {{"GET", "/reader/api/0/user-info", ""}},
		"GET /reader/api/0/token":               {{"GET", "/reader/api/0/token", ""}},
		"GET /reader/api/0/subscription/list":   {{"GET", "/reader/api/0/subscription/list?output=json", ""}},
		"GET /reader/api/0/subscription/export": {{"GET", "/reader/api/0/subscription/export", ""}},
		"POST /reader/api/0/subscription/import": {
			{"POST", "/reader/api/0/subscription/import", "opml=" + "%3Copml%3E"},
		},
		"POST /reader/api/0/subscription/edit": {
			{"POST", "/reader/api/0/subscription/edit", "ac=unsubscribe&s=feed/" + af},
			{"POST", "/reader/api/0/subscription/edit", "ac=unsubscribe&s=feed/" + s.FeedURL("alpha")},
			{"POST", "/reader/api/0/subscription/edit", "ac=edit&s=feed/" + bf + "&t=Mine&a=user/-/label/Stolen"},
			{"POST", "/reader/api/0/subscription/edit", "ac=edit&s=feed/" + bf + "&r=user/-/label/Private"},
		},
		"POST /reader/api/0/subscription/quickadd": {
			{"POST", "/reader/api/0/subscription/quickadd", "quickadd=feed/" + af},
		},
		"GET /reader/api/0/tag/list": {{"GET", "/reader/api/0/tag/list", ""}},
		"POST /reader/api/0/rename-tag": {
			{"POST", "/reader/api/0/rename-tag", "s=user/-/label/Private&dest=user/-/label/Mine"},
			{"POST", "/reader/api/0/rename-tag", "s=user/" + aUser + "/label/News&dest=user/-/label/Mine"},
		},
		"POST /reader/api/0/disable-tag": {
			{"POST", "/reader/api/0/disable-tag", "s=user/-/label/Private"},
			{"POST", "/reader/api/0/disable-tag", "s=user/" + aUser + "/label/News"},
		},
		"GET /reader/api/0/unread-count": {{"GET", "/reader/api/0/unread-count", ""}},
		"POST /reader/api/0/edit-tag": {
			{"POST", "/reader/api/0/edit-tag", "i=" + long + "&r=user/-/state/com.google/starred&a=user/-/state/com.google/read"},
			{"POST", "/reader/api/0/edit-tag", "i=" + dec + "&a=user/-/state/com.google/kept-unread"},
			{"POST", "/reader/api/0/edit-tag", "i=" + dec + "&a=user/" + aUser + "/state/com.google/read"},
		},
		"POST /reader/api/0/mark-all-as-read": {
			{"POST", "/reader/api/0/mark-all-as-read", "s=feed/" + af},
			{"POST", "/reader/api/0/mark-all-as-read", "s=user/-/label/Private"},
			{"POST", "/reader/api/0/mark-all-as-read", "s=user/" + aUser + "/state/com.google/reading-list"},
		},
		"GET /reader/api/0/stream/items/ids": {
			{"GET", "/reader/api/0/stream/items/ids?n=1000", ""},
			{"GET", "/reader/api/0/stream/items/ids?s=feed/" + af, ""},
			{"GET", "/reader/api/0/stream/items/ids?s=user/-/label/Private", ""},
			{"GET", "/reader/api/0/stream/items/ids?s=user/" + aUser + "/state/com.google/starred", ""},
			{"GET", "/reader/api/0/stream/items/ids?s=user/-/state/com.google/starred", ""},
			{"GET", "/reader/api/0/stream/items/ids?it=feed/" + af, ""},
		},
		"GET /reader/api/0/stream/items/contents": {
			{"GET", "/reader/api/0/stream/items/contents?i=" + dec, ""},
		},
		"POST /reader/api/0/stream/items/contents": {
			{"POST", "/reader/api/0/stream/items/contents", "i=" + long + "&i=" + dec},
		},
		"GET /reader/api/0/stream/contents": {
			{"GET", "/reader/api/0/stream/contents?n=1000", ""},
			{"GET", "/reader/api/0/stream/contents?s=feed/" + af, ""},
			{"GET", "/reader/api/0/stream/contents?s=user/-/state/com.google/starred", ""},
		},
		"GET /reader/api/0/stream/contents/feed/1": {
			{"GET", "/reader/api/0/stream/contents/feed/" + af, ""},
			{"GET", "/reader/api/0/stream/contents/feed%2F" + af, ""},
			{"GET", "/reader/api/0/stream/contents/user/-/label/Private", ""},
			{"GET", "/reader/api/0/stream/contents/user/" + aUser + "/state/com.google/reading-list", ""},
		},
		"GET /reader/atom": {{"GET", "/reader/atom", ""}},
		"GET /reader/atom/user/-/state/com.google/reading-list": {
			{"GET", "/reader/atom/user/-/state/com.google/reading-list?n=1000", ""},
			{"GET", "/reader/atom/feed%2F" + af, ""},
			{"GET", "/reader/atom/feed/" + bf, ""},
			{"GET", "/reader/atom/user/-/label/Private", ""},
			{"GET", "/reader/atom/user/-/state/com.google/starred", ""},
		},
	}
	for _, ep := range greader.Endpoints() {
		reqs, ok := attacks[ep]
		if !ok {
			t.Errorf("endpoint %s has no attack in TestPrivacy", ep)
			continue
		}
		for _, a := range reqs {
			r := b.do(a.method, a.path, a.body)
			switch {
			case r.Status == http.StatusOK:
				for _, secret := range secrets {
					if strings.Contains(r.Body, secret) {
						t.Errorf("%s %s %s: B's answer names A's %q:\n%s", a.method, a.path, a.body, secret, r.Body)
					}
				}
			case r.Status >= 400 && r.Status < 500:
			default:
				t.Errorf("%s %s %s: %d %s", a.method, a.path, a.body, r.Status, r.Body)
			}
		}
	}
	if after := s.Snapshot(t); after != before {
		t.Fatalf("B's requests changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// A's own view of the same article is intact and visible to A.
	a := &client{t: t, base: s.URL}
	a.login(s.A.Name, s.A.AppPassword)
	if body := a.ok("GET", "/reader/api/0/stream/contents/user/-/state/com.google/starred", ""); !strings.Contains(body, long) {
		t.Fatalf("A's starred stream lacks %s", long)
	}
}
