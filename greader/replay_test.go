package greader_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/occasional-digest/digest/internal/testenv"
)

// The replays below send what each app sends, in its order and with its
// quirks, as read in its source code (NetNewsWire's ReaderAPICaller.swift,
// Fluent Reader's services/greader.ts, Read You's GoogleReaderAPI.kt and
// GoogleReaderRssService.kt) or, for the closed-source apps (Reeder,
// FeedMe), in the request logs and fixes of FreshRSS's and Miniflux's
// issue threads. Each decodes the answers into the fields the app reads,
// typed as the app types them.

// TestReplayNetNewsWire: NetNewsWire's Reader API account (the "FreshRSS"
// and generic variants).
func TestReplayNetNewsWire(t *testing.T) {
	s := newServer(t, testenv.Options{})
	// The endpoint typed with a trailing slash: every path is then
	// appended after it, "//accounts/ClientLogin".
	c := &client{t: t, base: s.URL + "/", agent: "NetNewsWire (RSS Reader; https://netnewswire.com/)"}
	c.login(s.A.Name, s.A.AppPassword)

	var tags tagList
	c.json(&tags, "GET", "/reader/api/0/tag/list?output=json", "")
	var folders []string
	for _, tg := range tags.Tags {
		if i := strings.Index(tg.ID, "/label/"); i >= 0 {
			folders = append(folders, tg.ID[i+len("/label/"):])
		}
	}
	if !has(folders, "News") || len(folders) != 1 {
		t.Fatalf("folders %v, want [News]", folders)
	}
	var subs subscriptionList
	c.json(&subs, "GET", "/reader/api/0/subscription/list?output=json", "")
	if len(subs.Subscriptions) != 3 {
		t.Fatalf("%d subscriptions, want 3", len(subs.Subscriptions))
	}
	for _, sub := range subs.Subscriptions {
		if sub.Categories == nil || !strings.HasPrefix(sub.ID, "feed/") || sub.URL == "" {
			t.Fatalf("subscription %+v: NetNewsWire needs an id, a url and a categories array", sub)
		}
	}

	// Initial sync: every item ID since a date, 1,000 a page, following
	// the continuation with c= (the other items are then fetched).
	since := testenv.Base.Add(-24 * time.Hour).Unix()
	all := nnwItemIDs(c, url.Values{"s": {"user/-/state/com.google/reading-list"}, "ot": {strconv.FormatInt(since, 10)}})
	if len(all) != 3*s.Items {
		t.Fatalf("%d item IDs, want %d", len(all), 3*s.Items)
	}
	// Its write token, trimmed of the newline it ends with.
	token := strings.TrimSuffix(c.ok("GET", "/reader/api/0/token", ""), "\n")

	// Contents of the items in chunks of 150, as long hex IDs, with T and
	// output=json in the body.
	var body []string
	for _, id := range all {
		n, _ := strconv.ParseInt(id, 10, 64)
		body = append(body, "i="+fmt.Sprintf("tag:google.com,2005:reader/item/%.16x", n))
	}
	var items streamItems
	c.json(&items, "POST", "/reader/api/0/stream/items/contents", "T="+token+"&output=json&"+strings.Join(body, "&"))
	if items.ID == "" || items.Updated == 0 || len(items.Items) != len(all) {
		t.Fatalf("contents: id %q updated %d, %d items; NetNewsWire needs id, updated and every item", items.ID, items.Updated, len(items.Items))
	}
	feeds := map[string]bool{}
	for _, sub := range subs.Subscriptions {
		feeds[sub.ID] = true
	}
	for _, it := range items.Items {
		last := it.ID[strings.LastIndex(it.ID, "/")+1:]
		if _, err := strconv.ParseInt(last, 16, 64); err != nil || it.Published == 0 || it.Title == "" || len(it.Alternate) == 0 {
			t.Fatalf("item %+v", it)
		}
		if !feeds[it.Origin.StreamID] {
			t.Fatalf("item %s comes from %q, not a subscription", it.ID, it.Origin.StreamID)
		}
	}

	// Status sync: unread and starred IDs.
	unread := nnwItemIDs(c, url.Values{"s": {"user/-/state/com.google/reading-list"}, "xt": {"user/-/state/com.google/read"}})
	if len(unread) != len(all) {
		t.Fatalf("%d unread, want %d", len(unread), len(all))
	}
	// Mark two read and star one: long IDs, T first, the state last.
	idA, _ := strconv.ParseInt(all[0], 10, 64)
	idB, _ := strconv.ParseInt(all[1], 10, 64)
	ids := fmt.Sprintf("i=tag:google.com,2005:reader/item/%.16x&i=tag:google.com,2005:reader/item/%.16x", idA, idB)
	if got := c.ok("POST", "/reader/api/0/edit-tag", "T="+token+"&"+ids+"&a=user/-/state/com.google/read"); got != "OK" {
		t.Fatalf("edit-tag answered %q", got)
	}
	c.ok("POST", "/reader/api/0/edit-tag", "T="+token+"&"+ids[:strings.Index(ids, "&")]+"&a=user/-/state/com.google/starred")
	if a := s.article(t, s.A, idA); !a.Read || !a.Starred {
		t.Fatalf("article %d read=%v starred=%v after edit-tag", idA, a.Read, a.Starred)
	}
	if a := s.article(t, s.A, idB); !a.Read || a.Starred {
		t.Fatalf("article %d read=%v starred=%v after edit-tag", idB, a.Read, a.Starred)
	}
	if got := nnwItemIDs(c, url.Values{"s": {"user/-/state/com.google/reading-list"}, "xt": {"user/-/state/com.google/read"}}); len(got) != len(all)-2 {
		t.Fatalf("%d unread after marking 2, want %d", len(got), len(all)-2)
	}
	if got := nnwItemIDs(c, url.Values{"s": {"user/-/state/com.google/starred"}}); len(got) != 1 || got[0] != all[0] {
		t.Fatalf("starred %v, want [%s]", got, all[0])
	}
	// Unread again.
	c.ok("POST", "/reader/api/0/edit-tag", "T="+token+"&"+ids+"&r=user/-/state/com.google/read")
	if s.article(t, s.A, idB).Read {
		t.Fatal("r=read did not mark unread")
	}

	// Add a feed (quickadd with the URL percent-encoded), find it in the
	// list by the streamId answered, then its items by feed.
	var added struct {
		NumResults int     `json:"numResults"`
		StreamID   *string `json:"streamId"`
		Error      *string `json:"error"`
	}
	c.json(&added, "POST", "/reader/api/0/subscription/quickadd", "T="+token+"&quickadd="+url.QueryEscape(s.FeedURL("gamma")))
	if added.NumResults != 1 || added.StreamID == nil {
		t.Fatalf("quickadd: %+v", added)
	}
	c.json(&subs, "GET", "/reader/api/0/subscription/list?output=json", "")
	found := false
	for _, sub := range subs.Subscriptions {
		found = found || sub.ID == *added.StreamID
	}
	if !found {
		t.Fatalf("quickadd's %s is not in the subscription list", *added.StreamID)
	}
	s.Refresh(t)
	if got := nnwItemIDs(c, url.Values{"s": {*added.StreamID}, "ot": {strconv.FormatInt(since, 10)}}); len(got) != s.Items {
		t.Fatalf("%d items in the new feed, want %d", len(got), s.Items)
	}
	// Quickadd of a URL with no feed: numResults 0 and an error, 200.
	c.json(&added, "POST", "/reader/api/0/subscription/quickadd", "T="+token+"&quickadd="+url.QueryEscape(s.Feeds.URL+"/nothing-here"))
	if added.NumResults != 0 || added.Error == nil {
		t.Fatalf("quickadd of nothing: %+v", added)
	}

	// Move it into a new folder and rename it (names percent-encoded in
	// the body, as NetNewsWire's encodeForURLPath does), rename the
	// folder, delete it, unsubscribe.
	c.ok("POST", "/reader/api/0/subscription/edit", "T="+token+"&s="+*added.StreamID+"&ac=edit&a=user/-/label/Tech%20Talk&t=Gamma%20Ray")
	gid, _ := strconv.ParseInt(strings.TrimPrefix(*added.StreamID, "feed/"), 10, 64)
	if f, err := s.Store.Feed(t.Context(), s.A.ID, gid); err != nil || f.Category != "Tech Talk" || f.Title != "Gamma Ray" {
		t.Fatalf("after edit: %+v, %v", f, err)
	}
	c.ok("POST", "/reader/api/0/rename-tag", "T="+token+"&s=user/-/label/Tech%20Talk&dest=user/-/label/Tech")
	if f, _ := s.Store.Feed(t.Context(), s.A.ID, gid); f.Category != "Tech" {
		t.Fatalf("after rename-tag the feed is in %q", f.Category)
	}
	c.ok("POST", "/reader/api/0/disable-tag", "T="+token+"&s=user/-/label/Tech")
	if f, _ := s.Store.Feed(t.Context(), s.A.ID, gid); f.Category != "" {
		t.Fatalf("after disable-tag the feed is in %q", f.Category)
	}
	c.ok("POST", "/reader/api/0/subscription/edit", "T="+token+"&s="+*added.StreamID+"&ac=unsubscribe")
	if _, err := s.Store.Feed(t.Context(), s.A.ID, gid); err == nil {
		t.Fatal("still subscribed after unsubscribe")
	}
	// B's own subscription to gamma is untouched.
	if _, err := s.Store.Feed(t.Context(), s.B.ID, feedID(t, s.B, "gamma")); err != nil {
		t.Fatalf("B lost gamma: %v", err)
	}
}

// nnwItemIDs pages through stream/items/ids as NetNewsWire does: n=1000,
// output=json, then the same query with c= replaced until no
// continuation comes back.
func nnwItemIDs(c *client, q url.Values) []string {
	c.t.Helper()
	q.Set("n", "1000")
	q.Set("output", "json")
	var out []string
	for pages := 0; pages < 100; pages++ {
		var refs itemRefs
		c.json(&refs, "GET", "/reader/api/0/stream/items/ids?"+q.Encode(), "")
		for _, r := range refs.ItemRefs {
			out = append(out, r.ID)
		}
		if refs.Continuation == nil {
			return out
		}
		q.Set("c", *refs.Continuation)
	}
	c.t.Fatal("continuations never end")
	return nil
}
