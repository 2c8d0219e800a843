package fever_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/fever"
	"github.com/occasional-digest/digest/internal/testenv"
)

// answer is a Fever response, every member optional.
type answer struct {
	APIVersion    int              `json:"api_version"`
	Auth          int              `json:"auth"`
	LastRefreshed int64            `json:"last_refreshed_on_time"`
	Error         string           `json:"error"`
	Groups        []map[string]any `json:"groups"`
	FeedsGroups   []struct {
		GroupID int64  `json:"group_id"`
		FeedIDs string `json:"feed_ids"`
	} `json:"feeds_groups"`
	Feeds []struct {
		ID          int64  `json:"id"`
		FaviconID   int64  `json:"favicon_id"`
		Title       string `json:"title"`
		URL         string `json:"url"`
		SiteURL     string `json:"site_url"`
		IsSpark     int    `json:"is_spark"`
		LastUpdated int64  `json:"last_updated_on_time"`
	} `json:"feeds"`
	Favicons []struct {
		ID   int64  `json:"id"`
		Data string `json:"data"`
	} `json:"favicons"`
	Items         []item  `json:"items"`
	TotalItems    int     `json:"total_items"`
	UnreadItemIDs *string `json:"unread_item_ids"`
	SavedItemIDs  *string `json:"saved_item_ids"`
	Links         []any   `json:"links"`
	raw           map[string]json.RawMessage
	status        int
	body          string
}

type item struct {
	ID        int64  `json:"id"`
	FeedID    int64  `json:"feed_id"`
	Title     string `json:"title"`
	Author    string `json:"author"`
	HTML      string `json:"html"`
	URL       string `json:"url"`
	IsSaved   int    `json:"is_saved"`
	IsRead    int    `json:"is_read"`
	CreatedOn int64  `json:"created_on_time"`
}

func feverKey(a *testenv.User) string { return a.FeverKey }

// call POSTs query (after ?api) with body as a form, as Reeder does, and
// decodes the answer.
func (e *env) call(query, body string) answer {
	e.t.Helper()
	u := e.URL + "?api"
	if query != "" {
		u += "&" + query
	}
	return e.post(u, body)
}

// callRaw POSTs body, api included, to the bare endpoint.
func (e *env) callRaw(body string) answer {
	e.t.Helper()
	return e.post(e.URL, body)
}

func (e *env) post(u, body string) answer {
	e.t.Helper()
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	return e.decode(u, resp)
}

// decode reads a Fever answer; a 500 fails the test.
func (e *env) decode(what string, resp *http.Response) answer {
	e.t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var a answer
	if err := json.Unmarshal(b, &a); err != nil {
		e.t.Fatalf("%.200s: answer is not JSON: %v: %.300s", what, err, b)
	}
	json.Unmarshal(b, &a.raw)
	a.status, a.body = resp.StatusCode, string(b)
	if resp.StatusCode >= 500 {
		e.t.Fatalf("%.200s: %d %s", what, resp.StatusCode, b)
	}
	return a
}

func (a answer) rawJSON() (string, error) { return a.body, nil }

func authKey(name, password string) string { return auth.FeverKey(name, password) }

// as calls with acc's key in the body.
func (e *env) as(acc *testenv.User, query string) answer {
	e.t.Helper()
	return e.call(query, "api_key="+feverKey(acc))
}

func ids(s *string) []int64 {
	if s == nil || *s == "" {
		return nil
	}
	var out []int64
	for p := range strings.SplitSeq(*s, ",") {
		n, _ := strconv.ParseInt(p, 10, 64)
		out = append(out, n)
	}
	return out
}

func itemIDs(items []item) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// TestFeverCalls checks every call against the specification.
func TestFeverCalls(t *testing.T) {
	e := newEnv(t, 30) // A: 60 articles, more than one page of 50
	ctx := context.Background()
	all := e.articles(e.A.User.ID, digest.ArticleQuery{})
	if len(all) != 60 {
		t.Fatalf("A has %d articles, want 60", len(all))
	}

	t.Run("a wrong key answers auth 0, status 200", func(t *testing.T) {
		for _, body := range []string{"", "api_key=0123456789abcdef0123456789abcdef", "api_key=" + auth.FeverKey("alice", "wrong"),
			"api_key=" + auth.FeverKey(e.A.User.Name, "x") + "&items"} {
			a := e.call("items", body)
			if a.status != 200 || a.Auth != 0 || a.APIVersion != 3 || a.Items != nil || a.raw["items"] != nil {
				t.Errorf("body %q: %+v", body, a)
			}
		}
	})

	t.Run("auth, api_version and last_refreshed_on_time", func(t *testing.T) {
		a := e.as(e.A, "")
		if a.Auth != 1 || a.APIVersion != 3 || a.LastRefreshed == 0 || a.LastRefreshed > time.Now().Unix() {
			t.Errorf("%+v", a)
		}
		// api_key in the query works too; upper-case hex too.
		q := e.call("api_key="+strings.ToUpper(feverKey(e.A)), "")
		if q.Auth != 1 {
			t.Errorf("api_key in the query: auth %d", q.Auth)
		}
	})

	t.Run("groups and feeds with feeds_groups", func(t *testing.T) {
		a := e.as(e.A, "groups")
		if len(a.Groups) != 1 || a.Groups[0]["title"] != "News" {
			t.Fatalf("groups = %v", a.Groups)
		}
		gid := int64(a.Groups[0]["id"].(float64))
		if len(a.FeedsGroups) != 1 || a.FeedsGroups[0].GroupID != gid || a.FeedsGroups[0].FeedIDs != strconv.FormatInt(e.FeedsA[0], 10) {
			t.Errorf("feeds_groups = %+v", a.FeedsGroups)
		}
		if a.raw["feeds"] != nil || a.raw["items"] != nil {
			t.Errorf("groups answered members it was not asked for")
		}
		f := e.as(e.A, "feeds")
		if len(f.Feeds) != 2 || f.FeedsGroups == nil {
			t.Fatalf("feeds = %+v", f)
		}
		for _, fd := range f.Feeds {
			if !slices.Contains(e.FeedsA, fd.ID) || fd.Title == "" || fd.URL == "" || fd.SiteURL == "" || fd.LastUpdated == 0 || fd.IsSpark != 0 {
				t.Errorf("feed %+v", fd)
			}
		}
	})

	t.Run("favicons", func(t *testing.T) {
		if a := e.as(e.A, "favicons"); a.Favicons == nil || len(a.Favicons) != 0 || a.raw["favicons"] == nil {
			t.Errorf("favicons with no icon = %s", a.raw["favicons"])
		}
		png := []byte("\x89PNG\r\n\x1a\nfake")
		sum := sha256.Sum256(png)
		icon, err := e.Store.SaveIcon(ctx, &digest.Icon{Hash: hex.EncodeToString(sum[:]), ContentType: "image/png", Data: png})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Store.SetFeedIcon(ctx, e.FeedsA[0], icon); err != nil {
			t.Fatal(err)
		}
		if err := e.Store.SetFeedIcon(ctx, e.FeedsA[1], icon); err != nil {
			t.Fatal(err)
		}
		a := e.as(e.A, "favicons&feeds")
		if len(a.Favicons) != 1 || a.Favicons[0].ID != icon || a.Favicons[0].Data != "image/png;base64,iVBORw0KGgpmYWtl" {
			t.Errorf("favicons = %+v", a.Favicons)
		}
		for _, f := range a.Feeds {
			if f.FaviconID != icon {
				t.Errorf("feed %d favicon_id %d, want %d", f.ID, f.FaviconID, icon)
			}
		}
	})

	t.Run("items: since_id pages of 50 in ID order until empty", func(t *testing.T) {
		var got []int64
		since := int64(0)
		for range 5 {
			a := e.as(e.A, "items&since_id="+strconv.FormatInt(since, 10))
			if a.TotalItems != 60 {
				t.Errorf("total_items %d, want 60", a.TotalItems)
			}
			if len(a.Items) == 0 {
				break
			}
			if len(a.Items) > 50 {
				t.Fatalf("%d items in one call", len(a.Items))
			}
			got = append(got, itemIDs(a.Items)...)
			since = a.Items[len(a.Items)-1].ID
		}
		if !slices.Equal(got, all) {
			t.Errorf("since_id walk = %v, want %v", got, all)
		}
	})

	t.Run("items: max_id pages newest first, 0 the newest", func(t *testing.T) {
		a := e.as(e.A, "items&max_id=0")
		if len(a.Items) != 50 || a.Items[0].ID != all[59] || a.Items[49].ID != all[10] {
			t.Fatalf("max_id=0: %v", itemIDs(a.Items))
		}
		if plain := e.as(e.A, "items"); !slices.Equal(itemIDs(plain.Items), itemIDs(a.Items)) {
			t.Errorf("items without since_id, max_id or with_ids: %v, want the newest 50 as max_id=0", itemIDs(plain.Items))
		}
		b := e.as(e.A, "items&max_id="+strconv.FormatInt(a.Items[49].ID, 10))
		if len(b.Items) != 10 || b.Items[0].ID != all[9] || b.Items[9].ID != all[0] {
			t.Errorf("max_id=%d: %v", a.Items[49].ID, itemIDs(b.Items))
		}
	})

	t.Run("items: with_ids and the item fields", func(t *testing.T) {
		want := []int64{all[3], all[40], all[7]}
		a := e.as(e.A, "items&with_ids="+strconv.FormatInt(want[0], 10)+","+strconv.FormatInt(want[1], 10)+","+strconv.FormatInt(want[2], 10))
		got := itemIDs(a.Items)
		slices.Sort(got)
		sorted := slices.Clone(want)
		slices.Sort(sorted)
		if !slices.Equal(got, sorted) {
			t.Fatalf("with_ids = %v, want %v", got, want)
		}
		for _, it := range a.Items {
			if it.Title == "" || !strings.Contains(it.HTML, "desk reports") || !strings.HasPrefix(it.URL, e.Feeds.URL) ||
				it.CreatedOn < testenv.Base.Unix() || it.IsRead != 0 || it.IsSaved != 0 || !slices.Contains(e.FeedsA, it.FeedID) {
				t.Errorf("item %+v", it)
			}
		}
		if a := e.as(e.A, "items&with_ids="); len(a.Items) != 0 || a.raw["items"] == nil {
			t.Errorf("empty with_ids: %s", a.raw["items"])
		}
	})

	t.Run("item ids increase in arrival order, not publication order", func(t *testing.T) {
		it := testenv.Item{GUID: "late", Title: "A late arrival", Link: e.Feeds.URL + "/beta/late.html",
			Description: "Published long ago, stored last.", Published: testenv.Base.Add(-48 * time.Hour)}
		e.AddItem("beta", it)
		e.refresh()
		a := e.as(e.A, "items&since_id="+strconv.FormatInt(all[59], 10))
		if len(a.Items) != 1 || a.Items[0].Title != it.Title || a.Items[0].ID <= all[59] {
			t.Fatalf("since_id after a late arrival published long ago: %+v", a.Items)
		}
		if a.TotalItems != 61 {
			t.Errorf("total_items %d after an arrival, want 61", a.TotalItems)
		}
		all = append(all, a.Items[0].ID)
	})

	t.Run("unread_item_ids, saved_item_ids, links", func(t *testing.T) {
		a := e.as(e.A, "unread_item_ids&saved_item_ids&links")
		if !slices.Equal(ids(a.UnreadItemIDs), all) {
			t.Errorf("unread_item_ids = %v", ids(a.UnreadItemIDs))
		}
		if a.SavedItemIDs == nil || *a.SavedItemIDs != "" {
			t.Errorf("saved_item_ids = %v", a.SavedItemIDs)
		}
		if a.Links == nil || len(a.Links) != 0 || string(a.raw["links"]) != "[]" {
			t.Errorf("links = %s", a.raw["links"])
		}
	})

	t.Run("mark item read, unread, saved, unsaved; saved is set, never toggled", func(t *testing.T) {
		id := strconv.FormatInt(all[5], 10)
		a := e.as(e.A, "mark=item&as=read&id="+id)
		if slices.Contains(ids(a.UnreadItemIDs), all[5]) || len(ids(a.UnreadItemIDs)) != len(all)-1 {
			t.Errorf("after as=read: unread_item_ids %v", ids(a.UnreadItemIDs))
		}
		a = e.as(e.A, "mark=item&as=unread&id="+id)
		if !slices.Contains(ids(a.UnreadItemIDs), all[5]) {
			t.Errorf("after as=unread: %v", ids(a.UnreadItemIDs))
		}
		for range 2 { // twice: still saved
			a = e.as(e.A, "mark=item&as=saved&id="+id)
		}
		if !slices.Equal(ids(a.SavedItemIDs), []int64{all[5]}) {
			t.Errorf("after as=saved twice: saved_item_ids %v", ids(a.SavedItemIDs))
		}
		for range 2 {
			a = e.as(e.A, "mark=item&as=unsaved&id="+id)
		}
		if len(ids(a.SavedItemIDs)) != 0 {
			t.Errorf("after as=unsaved twice: %v", ids(a.SavedItemIDs))
		}
	})

	t.Run("mark feed read with before: what arrived after the client's last sync stays unread", func(t *testing.T) {
		// The client's last items call is at syncAt; wait until the clock
		// has passed it, so that what is stored next arrived after it.
		syncAt := time.Now().Unix() + 1
		for time.Now().Unix() <= syncAt {
			time.Sleep(20 * time.Millisecond)
		}
		e.AddItem("alpha", testenv.Item{GUID: "after-sync", Title: "Stored after the sync", Link: e.Feeds.URL + "/alpha/after-sync.html",
			Description: "Published three days ago, stored after the client's last sync.", Published: testenv.Base.Add(-72 * time.Hour)})
		e.refresh()
		a := e.as(e.A, "mark=feed&as=read&id="+strconv.FormatInt(e.FeedsA[0], 10)+"&before="+strconv.FormatInt(syncAt, 10))
		if a.UnreadItemIDs == nil {
			t.Fatalf("mark=feed answered no unread_item_ids")
		}
		left := e.articles(e.A.User.ID, digest.ArticleQuery{FeedID: e.FeedsA[0], Unread: true})
		if len(left) != 1 {
			t.Fatalf("alpha has %d unread after mark=feed, want only the late arrival", len(left))
		}
		if art, err := e.Store.Article(ctx, e.A.User.ID, left[0]); err != nil || art.Title != "Stored after the sync" {
			t.Errorf("the unread one is %+v, %v", art, err)
		}
		if n := len(e.articles(e.A.User.ID, digest.ArticleQuery{FeedID: e.FeedsA[1], Unread: true})); n != 31 {
			t.Errorf("beta has %d unread, want 31: another feed was marked", n)
		}
	})

	t.Run("mark group read; Sparks and Kindling", func(t *testing.T) {
		later := strconv.FormatInt(time.Now().Unix()+3600, 10)
		groups := e.as(e.A, "groups")
		gid := strconv.FormatInt(int64(groups.Groups[0]["id"].(float64)), 10)
		a := e.as(e.A, "mark=group&as=read&id="+gid+"&before="+later)
		if n := len(e.articles(e.A.User.ID, digest.ArticleQuery{FeedID: e.FeedsA[0], Unread: true})); n != 0 {
			t.Errorf("feed 0 has %d unread after its group was marked", n)
		}
		if n := len(e.articles(e.A.User.ID, digest.ArticleQuery{FeedID: e.FeedsA[1], Unread: true})); n != 31 {
			t.Errorf("feed 1 (no group) has %d unread, want 31", n)
		}
		a = e.as(e.A, "mark=group&as=read&id=-1&before="+later) // Sparks: none
		if len(ids(a.UnreadItemIDs)) != 31 {
			t.Errorf("Sparks marked something: %d unread", len(ids(a.UnreadItemIDs)))
		}
		a = e.as(e.A, "mark=group&as=read&id=0&before="+later) // Kindling: all
		if len(ids(a.UnreadItemIDs)) != 0 {
			t.Errorf("after Kindling marked read: %d unread", len(ids(a.UnreadItemIDs)))
		}
		if n := len(e.articles(e.B.User.ID, digest.ArticleQuery{Unread: true})); n != 61 {
			t.Errorf("B has %d unread, want 61 (beta and gamma): A's marks leaked", n)
		}
	})

	t.Run("GET works as POST does", func(t *testing.T) {
		resp, err := http.Get(e.URL + "?api&unread_item_ids&api_key=" + url.QueryEscape(feverKey(e.A)))
		if err != nil {
			t.Fatal(err)
		}
		var a answer
		json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		if a.Auth != 1 || a.UnreadItemIDs == nil {
			t.Errorf("GET: %+v", a)
		}
	})

	_ = fever.Endpoints
}
