package fever_test

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/testenv"
)

// The replays below follow what Reeder and Unread send, as their
// behaviour is described in public issue threads (their code is closed):
//   - both send api_key in the POST body, never in the URL (FreshRSS
//     pull request 1836 logs Unread's calls; the Fever specification asks
//     for POST);
//   - Reeder syncs items with since_id, from 0, until an empty page, and
//     needs unread_item_ids and saved_item_ids as comma-separated strings
//     (stringer pull request 158);
//   - Unread first posts without a key to see that the server speaks
//     Fever, and wants {"api_version": 3, "auth": 0} with status 200
//     (stringer pull request 454, by Unread's developer), then reads feeds, groups, saved_item_ids and unread_item_ids
//     and fetches the items it lacks with with_ids, 50 at a time (FreshRSS
//     pull request 1836);
//   - "mark all read" sends mark=feed|group with before set to the time of
//     the client's last sync, and Kindling is group 0 (stringer pull
//     request 256); articles stored after it must stay unread
//     (miniflux-legacy issue 448, FreshRSS issue 3195);
//   - starring sends as=saved, possibly twice; it must not toggle.

// client is a replayed Fever client's local cache.
type client struct {
	e      *env
	key    string
	items  map[int64]item
	unread map[int64]bool
	saved  map[int64]bool
	// inBody puts every parameter in the POST body (Unread), not only
	// api_key (Reeder).
	inBody bool
}

func newClient(e *env, u *testenv.User, inBody bool) *client {
	return &client{e: e, key: u.FeverKey, items: map[int64]item{}, inBody: inBody}
}

func (c *client) post(params string) answer {
	c.e.t.Helper()
	if c.inBody {
		return c.e.callRaw("api&" + params + "&api_key=" + url.QueryEscape(c.key))
	}
	return c.e.call(params, "api_key="+url.QueryEscape(c.key))
}

func set(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// syncIDs reads the two ID lists.
func (c *client) syncIDs() {
	c.e.t.Helper()
	u := c.post("unread_item_ids")
	s := c.post("saved_item_ids")
	if u.UnreadItemIDs == nil || s.SavedItemIDs == nil {
		c.e.t.Fatalf("id lists missing: %+v %+v", u.raw, s.raw)
	}
	c.unread, c.saved = set(ids(u.UnreadItemIDs)), set(ids(s.SavedItemIDs))
}

// sameAsServer checks the client's view against the store's.
func (c *client) sameAsServer(t *testing.T, u *testenv.User) {
	t.Helper()
	e := c.e
	all := e.articles(u.ID, digest.ArticleQuery{})
	if got := slices.Sorted(maps.Keys(c.items)); !slices.Equal(got, all) {
		t.Errorf("client has %d items, server %d", len(got), len(all))
	}
	if want := set(e.articles(u.ID, digest.ArticleQuery{Unread: true})); !maps.Equal(c.unread, want) {
		t.Errorf("client unread %v, server %v", slices.Sorted(maps.Keys(c.unread)), slices.Sorted(maps.Keys(want)))
	}
	if want := set(e.articles(u.ID, digest.ArticleQuery{Starred: true})); !maps.Equal(c.saved, want) {
		t.Errorf("client saved %v, server %v", slices.Sorted(maps.Keys(c.saved)), slices.Sorted(maps.Keys(want)))
	}
}

func TestReederReplay(t *testing.T) {
	e := newEnv(t, 30)
	c := newClient(e, e.A, false)

	if a := c.post(""); a.Auth != 1 || a.APIVersion != 3 {
		t.Fatalf("login: %+v", a)
	}
	groups, feeds, favicons := c.post("groups"), c.post("feeds"), c.post("favicons")
	if len(groups.Groups) != 1 || len(feeds.Feeds) != 2 || favicons.Favicons == nil {
		t.Fatalf("groups %v, feeds %v, favicons %s", groups.Groups, feeds.Feeds, favicons.raw["favicons"])
	}
	c.syncIDs()
	// Items from since_id=0 until an empty page.
	since, calls := int64(0), 0
	for {
		a := c.post("items&since_id=" + strconv.FormatInt(since, 10))
		calls++
		if len(a.Items) == 0 {
			break
		}
		for _, it := range a.Items {
			if it.ID <= since {
				t.Fatalf("since_id=%d returned item %d", since, it.ID)
			}
			c.items[it.ID] = it
			since = it.ID
		}
	}
	if calls != 3 { // 60 items: 50, 10, then the empty page
		t.Errorf("%d items calls, want 3", calls)
	}
	syncAt := time.Now().Unix() + 1
	c.sameAsServer(t, e.A)

	// Read two items, star one twice (still starred), unstar one never
	// starred.
	cached := slices.Sorted(maps.Keys(c.items))
	for _, id := range cached[:2] {
		a := c.post("mark=item&as=read&id=" + strconv.FormatInt(id, 10))
		c.unread = set(ids(a.UnreadItemIDs))
	}
	for range 2 {
		a := c.post("mark=item&as=saved&id=" + strconv.FormatInt(cached[2], 10))
		c.saved = set(ids(a.SavedItemIDs))
	}
	a := c.post("mark=item&as=unsaved&id=" + strconv.FormatInt(cached[3], 10))
	c.saved = set(ids(a.SavedItemIDs))
	c.sameAsServer(t, e.A)
	if !c.saved[cached[2]] || len(c.saved) != 1 {
		t.Errorf("saved after as=saved twice: %v", c.saved)
	}

	// Something arrives after the sync; the user marks beta read.
	for time.Now().Unix() <= syncAt {
		time.Sleep(20 * time.Millisecond)
	}
	e.AddItem("beta", testenv.Item{GUID: "new", Title: "Arrived after the sync", Link: e.Feeds.URL + "/beta/new.html",
		Description: "New.", Published: testenv.Base.Add(-time.Hour)})
	e.refresh()
	a = c.post("mark=feed&as=read&id=" + strconv.FormatInt(e.FeedsA[1], 10) + "&before=" + strconv.FormatInt(syncAt, 10))
	c.unread = set(ids(a.UnreadItemIDs))
	// The next sync fetches the new item, unread.
	a = c.post("items&since_id=" + strconv.FormatInt(since, 10))
	if len(a.Items) != 1 || a.Items[0].Title != "Arrived after the sync" || a.Items[0].IsRead != 0 {
		t.Fatalf("next sync: %+v", a.Items)
	}
	c.items[a.Items[0].ID] = a.Items[0]
	c.syncIDs()
	c.sameAsServer(t, e.A)
	for id := range c.unread {
		if c.items[id].FeedID == e.FeedsA[1] && id != a.Items[0].ID {
			t.Errorf("beta item %d still unread after mark=feed", id)
		}
	}

	// Mark all (Kindling) read.
	a = c.post("mark=group&as=read&id=0&before=" + strconv.FormatInt(time.Now().Unix()+60, 10))
	if len(ids(a.UnreadItemIDs)) != 0 {
		t.Errorf("after Kindling: %d unread", len(ids(a.UnreadItemIDs)))
	}
}

func TestUnreadReplay(t *testing.T) {
	e := newEnv(t, 30)
	c := newClient(e, e.A, true)

	// Probe without a key: a Fever server answers auth 0, status 200.
	if a := e.callRaw("api"); a.status != 200 || a.Auth != 0 || a.APIVersion != 3 {
		t.Fatalf("probe without a key: %d %+v", a.status, a)
	}
	if a := c.post(""); a.Auth != 1 {
		t.Fatalf("with the key: %+v", a)
	}
	if a := c.post("feeds"); len(a.Feeds) != 2 || a.FeedsGroups == nil {
		t.Fatalf("feeds: %+v", a)
	}
	if a := c.post("groups"); len(a.Groups) != 1 {
		t.Fatalf("groups: %+v", a)
	}
	c.syncIDs()
	// Fetch the unread and saved items it lacks, 50 at a time.
	want := slices.Sorted(maps.Keys(c.unread))
	for start := 0; start < len(want); start += 50 {
		batch := want[start:min(start+50, len(want))]
		strs := make([]string, len(batch))
		for i, id := range batch {
			strs[i] = strconv.FormatInt(id, 10)
		}
		a := c.post("items&with_ids=" + strings.Join(strs, ","))
		if len(a.Items) != len(batch) {
			t.Fatalf("with_ids of %d: %d items", len(batch), len(a.Items))
		}
		for _, it := range a.Items {
			c.items[it.ID] = it
		}
	}
	c.sameAsServer(t, e.A)

	// B reads the shared feed: A's unread list does not change.
	if _, err := e.Store.MarkAllRead(t.Context(), digest.ArticleQuery{UserID: e.B.ID}); err != nil {
		t.Fatal(err)
	}
	before := c.unread
	c.syncIDs()
	if !maps.Equal(before, c.unread) {
		t.Errorf("B's reading changed A's unread list")
	}
	// Read one, star one, then unstar it.
	id := strconv.FormatInt(want[0], 10)
	c.post("mark=item&as=read&id=" + id)
	c.post("mark=item&as=saved&id=" + id)
	c.post("mark=item&as=unsaved&id=" + id)
	c.syncIDs()
	if c.unread[want[0]] || c.saved[want[0]] {
		t.Errorf("item %d: unread %v saved %v, want read and not saved", want[0], c.unread[want[0]], c.saved[want[0]])
	}
	c.sameAsServer(t, e.A)
}
