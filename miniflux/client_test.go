package miniflux_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/miniflux"
	client "miniflux.app/v2/client"
)

// TestMinifluxClient drives /v1/ with Miniflux's own Go client through
// every call we serve, as user A (basic auth with an app password, and
// the API key).
func TestMinifluxClient(t *testing.T) {
	e := newEnv(t, 5)
	ctx := context.Background()
	c := client.NewClient(e.URL+"/v1", e.A.User.Name, e.A.AppPassword)
	kc := client.NewClient(e.URL, e.A.APIKey)

	t.Run("me with basic auth and with the API key", func(t *testing.T) {
		for _, cl := range []*client.Client{c, kc} {
			me, err := cl.MeContext(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if me.ID != e.A.User.ID || me.Username != "alice" || me.IsAdmin != e.A.IsAdmin() || me.Timezone != "UTC" {
				t.Errorf("me = %+v", me)
			}
		}
	})

	t.Run("wrong credentials are refused", func(t *testing.T) {
		for _, cl := range []*client.Client{
			client.NewClient(e.URL, "alice", "wrong-password"),
			client.NewClient(e.URL, "bob", e.A.AppPassword), // A's app password under B's name
			client.NewClient(e.URL, "nokey"),
		} {
			if _, err := cl.MeContext(ctx); !errors.Is(err, client.ErrNotAuthorized) {
				t.Errorf("Me with wrong credentials: err = %v, want ErrNotAuthorized", err)
			}
		}
	})

	t.Run("version", func(t *testing.T) {
		v, err := c.VersionContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v.Version != miniflux.DefaultVersion || v.GoVersion == "" {
			t.Errorf("version = %+v", v)
		}
	})

	t.Run("categories, with the uncategorized one", func(t *testing.T) {
		cs, err := c.CategoriesWithCountersContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].Title != "News" || cs[1].ID != miniflux.UncategorizedID || cs[1].Title != "Uncategorized" {
			t.Fatalf("categories = %v", cs)
		}
		if *cs[0].FeedCount != 1 || *cs[0].TotalUnread != 5 || *cs[1].FeedCount != 1 || *cs[1].TotalUnread != 5 {
			t.Errorf("counts: News %d/%d, Uncategorized %d/%d", *cs[0].FeedCount, *cs[0].TotalUnread, *cs[1].FeedCount, *cs[1].TotalUnread)
		}
		plain, err := c.CategoriesContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if plain[0].FeedCount != nil {
			t.Errorf("counts without counts=true")
		}
	})

	var news int64
	t.Run("feeds", func(t *testing.T) {
		fs, err := c.FeedsContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 2 {
			t.Fatalf("%d feeds, want 2", len(fs))
		}
		for _, f := range fs {
			if f.UserID != e.A.User.ID || f.Category == nil || f.CheckedAt.IsZero() || f.CheckedAt.Location() != time.UTC {
				t.Errorf("feed %+v", f)
			}
			switch f.ID {
			case e.FeedsA[0]:
				news = f.Category.ID
				if f.Title != "Alpha" || f.Category.Title != "News" || f.FeedURL != e.feedURL(0) || f.SiteURL != e.Feeds.URL+"/alpha/" {
					t.Errorf("feed 0 = %+v", f)
				}
			case e.FeedsA[1]:
				if f.Category.ID != miniflux.UncategorizedID {
					t.Errorf("feed in no category: category %+v", f.Category)
				}
			default:
				t.Errorf("feed %d is not A's", f.ID)
			}
		}
		f, err := c.FeedContext(ctx, e.FeedsA[0])
		if err != nil || f.ID != e.FeedsA[0] {
			t.Fatalf("Feed = %+v, %v", f, err)
		}
		if _, err := c.FeedContext(ctx, e.FeedsB[1]); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("B's feed: err = %v, want ErrNotFound", err)
		}
		cf, err := c.CategoryFeedsContext(ctx, miniflux.UncategorizedID)
		if err != nil || len(cf) != 1 || cf[0].ID != e.FeedsA[1] {
			t.Errorf("CategoryFeeds(Uncategorized) = %v, %v", cf, err)
		}
	})

	t.Run("counters", func(t *testing.T) {
		cn, err := c.FetchCountersContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cn.UnreadCounters[e.FeedsA[0]] != 5 || cn.UnreadCounters[e.FeedsA[1]] != 5 || len(cn.ReadCounters) != 0 {
			t.Errorf("counters = %+v", cn)
		}
	})

	t.Run("entries: filters, order, paging", func(t *testing.T) {
		all, err := c.EntriesContext(ctx, &client.Filter{Order: "published_at", Direction: "desc"})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total != 10 || len(all.Entries) != 10 {
			t.Fatalf("total %d, %d entries; want 10", all.Total, len(all.Entries))
		}
		for i, en := range all.Entries {
			if i > 0 && en.Date.After(all.Entries[i-1].Date) {
				t.Errorf("entries not newest first at %d", i)
			}
			if en.Status != "unread" || en.Feed == nil || en.Feed.ID != en.FeedID || en.UserID != e.A.User.ID || en.Content == "" {
				t.Errorf("entry %+v", en)
			}
			if en.Date.Location() != time.UTC || en.Date.Nanosecond() != 0 {
				t.Errorf("published_at %v: want UTC seconds", en.Date)
			}
		}
		ascAll, err := c.EntriesContext(ctx, &client.Filter{Direction: "asc"})
		if err != nil {
			t.Fatal(err)
		}
		asc, err := c.EntriesContext(ctx, &client.Filter{Limit: 3, Offset: 2, Direction: "asc"})
		if err != nil {
			t.Fatal(err)
		}
		if asc.Total != 10 || len(asc.Entries) != 3 || asc.Entries[0].ID != ascAll.Entries[2].ID || asc.Entries[2].ID != ascAll.Entries[4].ID {
			t.Errorf("asc page: total %d, %d entries", asc.Total, len(asc.Entries))
		}
		for i, en := range ascAll.Entries {
			if i > 0 && en.Date.Before(ascAll.Entries[i-1].Date) {
				t.Errorf("direction=asc not oldest first at %d", i)
			}
		}
		byFeed, err := c.FeedEntriesContext(ctx, e.FeedsA[1], &client.Filter{Limit: 100})
		if err != nil || byFeed.Total != 5 {
			t.Fatalf("FeedEntries = %v, %v", byFeed, err)
		}
		for _, en := range byFeed.Entries {
			if en.FeedID != e.FeedsA[1] {
				t.Errorf("entry %d of feed %d in feed %d's list", en.ID, en.FeedID, e.FeedsA[1])
			}
		}
		byCat, err := c.CategoryEntriesContext(ctx, news, &client.Filter{Limit: 100})
		if err != nil || byCat.Total != 5 || byCat.Entries[0].FeedID != e.FeedsA[0] {
			t.Errorf("CategoryEntries(News) = %+v, %v", byCat, err)
		}
		unc, err := c.EntriesContext(ctx, &client.Filter{Limit: 100, CategoryID: miniflux.UncategorizedID})
		if err != nil || unc.Total != 5 || unc.Entries[0].FeedID != e.FeedsA[1] {
			t.Errorf("entries of Uncategorized = %+v, %v", unc, err)
		}
		ids, err := c.EntriesContext(ctx, &client.Filter{Order: "id", Direction: "asc", AfterEntryID: all.Entries[9].ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range ids.Entries {
			if en.ID <= all.Entries[9].ID {
				t.Errorf("after_entry_id %d returned %d", all.Entries[9].ID, en.ID)
			}
		}
		mid := all.Entries[4].Date
		before, err := c.EntriesContext(ctx, &client.Filter{Before: mid.Unix(), Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		pbefore, err := c.EntriesContext(ctx, &client.Filter{PublishedBefore: mid.Unix(), Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		after, err := c.EntriesContext(ctx, &client.Filter{After: mid.Unix(), Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		wantBefore, wantAfter := 0, 0
		for _, en := range all.Entries {
			if en.Date.Before(mid) {
				wantBefore++
			}
			if en.Date.After(mid) {
				wantAfter++
			}
		}
		if before.Total != wantBefore || pbefore.Total != wantBefore || after.Total != wantAfter || wantBefore == 0 || wantAfter == 0 {
			t.Errorf("before %d, published_before %d, after %d; want %d, %d, %d", before.Total, pbefore.Total, after.Total, wantBefore, wantBefore, wantAfter)
		}
		search, err := c.EntriesContext(ctx, &client.Filter{Search: "beta story 3"})
		if err != nil || search.Total < 1 || search.Entries[0].Title != "beta story 3" {
			t.Errorf("search = %+v, %v", search, err)
		}
		one, err := c.EntryContext(ctx, all.Entries[0].ID)
		if err != nil || one.ID != all.Entries[0].ID || one.Content == "" {
			t.Errorf("Entry = %+v, %v", one, err)
		}
		fe, err := c.FeedEntryContext(ctx, all.Entries[0].FeedID, all.Entries[0].ID)
		if err != nil || fe.ID != all.Entries[0].ID {
			t.Errorf("FeedEntry = %+v, %v", fe, err)
		}
		other := e.FeedsA[0]
		if other == all.Entries[0].FeedID {
			other = e.FeedsA[1]
		}
		if _, err := c.FeedEntryContext(ctx, other, all.Entries[0].ID); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("entry under another feed: err = %v, want ErrNotFound", err)
		}
		if _, err := c.CategoryEntryContext(ctx, news, byCat.Entries[0].ID); err != nil {
			t.Errorf("CategoryEntry: %v", err)
		}
		content, err := c.FetchEntryOriginalContentContext(ctx, all.Entries[0].ID)
		if err != nil || !strings.Contains(content, "desk reports") {
			t.Errorf("fetch-content = %q, %v", content, err)
		}
	})

	t.Run("status, starred and bookmark", func(t *testing.T) {
		list, err := c.FeedEntriesContext(ctx, e.FeedsA[0], &client.Filter{Limit: 100, Order: "id", Direction: "asc"})
		if err != nil {
			t.Fatal(err)
		}
		first, second := list.Entries[0].ID, list.Entries[1].ID
		if err := c.UpdateEntriesContext(ctx, []int64{first, second}, client.EntryStatusRead); err != nil {
			t.Fatal(err)
		}
		unread, err := c.EntriesContext(ctx, &client.Filter{Status: client.EntryStatusUnread, Limit: 100})
		if err != nil || unread.Total != 8 {
			t.Fatalf("unread after marking 2 read: %d, %v", unread.Total, err)
		}
		read, err := c.EntriesContext(ctx, &client.Filter{Status: client.EntryStatusRead})
		if err != nil || read.Total != 2 {
			t.Fatalf("read: %d, %v", read.Total, err)
		}
		if err := c.UpdateEntriesContext(ctx, []int64{second}, client.EntryStatusUnread); err != nil {
			t.Fatal(err)
		}
		cn, _ := c.FetchCountersContext(ctx)
		if cn.ReadCounters[e.FeedsA[0]] != 1 || cn.UnreadCounters[e.FeedsA[0]] != 4 {
			t.Errorf("counters after marks: %+v", cn)
		}
		if err := c.ToggleStarredContext(ctx, first); err != nil {
			t.Fatal(err)
		}
		starred, err := c.EntriesContext(ctx, &client.Filter{Starred: client.FilterOnlyStarred})
		if err != nil || starred.Total != 1 || !starred.Entries[0].Starred || starred.Entries[0].ID != first {
			t.Fatalf("starred = %+v, %v", starred, err)
		}
		if err := c.ToggleStarredContext(ctx, first); err != nil { // toggles back
			t.Fatal(err)
		}
		if err := c.UpdateEntriesStarredContext(ctx, []int64{second}, true); err != nil {
			t.Fatal(err)
		}
		starred, _ = c.EntriesContext(ctx, &client.Filter{Starred: client.FilterOnlyStarred})
		if starred.Total != 1 || starred.Entries[0].ID != second {
			t.Errorf("starred after toggle back and star: %+v", starred)
		}
		if _, err := c.EntriesContext(ctx, &client.Filter{Starred: client.FilterNotStarred}); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("starred=0: err = %v, want a clear 400", err)
		}
	})

	t.Run("mark all as read: feed, category, user", func(t *testing.T) {
		if err := c.MarkFeedAsReadContext(ctx, e.FeedsA[0]); err != nil {
			t.Fatal(err)
		}
		if n := len(e.articles(e.A.User.ID, digest.ArticleQuery{FeedID: e.FeedsA[0], Unread: true})); n != 0 {
			t.Errorf("%d unread in feed 0 after mark-all-as-read", n)
		}
		if err := c.MarkCategoryAsReadContext(ctx, miniflux.UncategorizedID); err != nil {
			t.Fatal(err)
		}
		if n := len(e.articles(e.A.User.ID, digest.ArticleQuery{Unread: true})); n != 0 {
			t.Errorf("%d unread after marking Uncategorized read", n)
		}
		// B's state of the feed both follow is B's own.
		if n := len(e.articles(e.B.User.ID, digest.ArticleQuery{FeedID: e.FeedsB[0], Unread: true})); n != 5 {
			t.Errorf("B has %d unread in the shared feed, want 5", n)
		}
		if err := c.UpdateEntriesContext(ctx, e.articles(e.A.User.ID, digest.ArticleQuery{}), client.EntryStatusUnread); err != nil {
			t.Fatal(err)
		}
		if err := c.MarkAllAsReadContext(ctx, e.A.User.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(e.articles(e.A.User.ID, digest.ArticleQuery{Unread: true})); n != 0 {
			t.Errorf("%d unread after marking the user's all read", n)
		}
		if err := c.MarkAllAsReadContext(ctx, e.B.User.ID); !errors.Is(err, client.ErrForbidden) {
			t.Errorf("mark B's all read: err = %v, want ErrForbidden", err)
		}
		if n := len(e.articles(e.B.User.ID, digest.ArticleQuery{Unread: true})); n != 10 {
			t.Errorf("B has %d unread, want 10", n)
		}
	})

	t.Run("category CRUD", func(t *testing.T) {
		cat, err := c.CreateCategoryContext(ctx, "Science")
		if err != nil || cat.ID == 0 || cat.Title != "Science" || cat.UserID != e.A.User.ID {
			t.Fatalf("CreateCategory = %+v, %v", cat, err)
		}
		if _, err := c.CreateCategoryContext(ctx, "Science"); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("duplicate category: err = %v, want ErrBadRequest", err)
		}
		cat, err = c.UpdateCategoryContext(ctx, cat.ID, "Sciences")
		if err != nil || cat.Title != "Sciences" {
			t.Fatalf("UpdateCategory = %+v, %v", cat, err)
		}
		if _, err := c.UpdateCategoryContext(ctx, miniflux.UncategorizedID, "X"); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("rename Uncategorized: err = %v", err)
		}
		// Move the uncategorized feed into it, then delete the category:
		// the feed stays, uncategorized again.
		f, err := c.UpdateFeedContext(ctx, e.FeedsA[1], &client.FeedModificationRequest{CategoryID: &cat.ID})
		if err != nil || f.Category == nil || f.Category.ID != cat.ID {
			t.Fatalf("UpdateFeed(category) = %+v, %v", f, err)
		}
		unc := int64(miniflux.UncategorizedID)
		f, err = c.UpdateFeedContext(ctx, e.FeedsA[1], &client.FeedModificationRequest{CategoryID: &unc})
		if err != nil || f.Category.ID != miniflux.UncategorizedID {
			t.Fatalf("UpdateFeed(Uncategorized) = %+v, %v", f, err)
		}
		if stored, _ := e.Store.Feed(ctx, e.A.ID, e.FeedsA[1]); stored.CategoryID != 0 || stored.Category != "" {
			t.Errorf("feed moved to Uncategorized is in category %d %q", stored.CategoryID, stored.Category)
		}
		if f, err = c.UpdateFeedContext(ctx, e.FeedsA[1], &client.FeedModificationRequest{CategoryID: &cat.ID}); err != nil {
			t.Fatal(err)
		}
		if err := c.RefreshCategoryContext(ctx, cat.ID); err != nil {
			t.Errorf("RefreshCategory: %v", err)
		}
		if err := c.DeleteCategoryContext(ctx, cat.ID); err != nil {
			t.Fatal(err)
		}
		f, err = c.FeedContext(ctx, e.FeedsA[1])
		if err != nil || f.Category.ID != miniflux.UncategorizedID {
			t.Errorf("feed after its category was deleted: %+v, %v", f, err)
		}
		if err := c.DeleteCategoryContext(ctx, cat.ID); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("delete twice: err = %v", err)
		}
	})

	t.Run("feed update, icon, refresh", func(t *testing.T) {
		title := "Renamed"
		crawler := true
		f, err := c.UpdateFeedContext(ctx, e.FeedsA[0], &client.FeedModificationRequest{Title: &title, Crawler: &crawler})
		if err != nil || f.Title != "Renamed" || !f.Crawler {
			t.Fatalf("UpdateFeed = %+v, %v", f, err)
		}
		other := "https://elsewhere.example/feed"
		if _, err := c.UpdateFeedContext(ctx, e.FeedsA[0], &client.FeedModificationRequest{FeedURL: &other}); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("changing the feed URL: err = %v", err)
		}
		if _, err := c.FeedIconContext(ctx, e.FeedsA[0]); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("icon of a feed with none: err = %v", err)
		}
		// An icon of nobody's first, so that icon IDs and feed IDs differ.
		gif := []byte("GIF89a")
		osum := sha256.Sum256(gif)
		if _, err := e.Store.SaveIcon(ctx, &digest.Icon{Hash: hex.EncodeToString(osum[:]), ContentType: "image/gif", Data: gif}); err != nil {
			t.Fatal(err)
		}
		png := []byte("\x89PNG\r\n\x1a\nfake")
		sum := sha256.Sum256(png)
		iconID, err := e.Store.SaveIcon(ctx, &digest.Icon{Hash: hex.EncodeToString(sum[:]), ContentType: "image/png", Data: png})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Store.SetFeedIcon(ctx, e.FeedsA[0], iconID); err != nil {
			t.Fatal(err)
		}
		ic, err := c.FeedIconContext(ctx, e.FeedsA[0])
		if err != nil || ic.ID != iconID || ic.MimeType != "image/png" || ic.Data != "image/png;base64,iVBORw0KGgpmYWtl" {
			t.Errorf("FeedIcon = %+v, %v", ic, err)
		}
		ic, err = c.IconContext(ctx, iconID)
		if err != nil || ic.ID != iconID {
			t.Errorf("Icon = %+v, %v", ic, err)
		}
		f, _ = c.FeedContext(ctx, e.FeedsA[0])
		if f.Icon == nil {
			t.Errorf("feed has no icon reference")
		}
		if err := c.RefreshFeedContext(ctx, e.FeedsA[0]); err != nil {
			t.Error(err)
		}
		if err := c.RefreshAllFeedsContext(ctx); err != nil {
			t.Error(err)
		}
		if err := c.RefreshFeedContext(ctx, e.FeedsB[1]); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("refresh B's feed: err = %v", err)
		}
	})

	t.Run("discover, create, delete a feed", func(t *testing.T) {
		subs, err := c.DiscoverContext(ctx, e.feedURL(2))
		if err != nil || len(subs) != 1 || subs[0].URL != e.feedURL(2) || subs[0].Type != "rss" {
			t.Fatalf("Discover = %v, %v", subs, err)
		}
		id, err := c.CreateFeedContext(ctx, &client.FeedCreationRequest{FeedURL: e.feedURL(2), CategoryID: miniflux.UncategorizedID})
		if err != nil || id == 0 {
			t.Fatalf("CreateFeed = %d, %v", id, err)
		}
		if _, err := c.CreateFeedContext(ctx, &client.FeedCreationRequest{FeedURL: e.feedURL(2)}); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("subscribe twice: err = %v, want ErrBadRequest", err)
		}
		if _, err := c.CreateFeedContext(ctx, &client.FeedCreationRequest{FeedURL: e.feedURL(0) + "?x", CategoryID: 999_999}); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("unknown category: err = %v, want ErrBadRequest", err)
		}
		f, err := c.FeedContext(ctx, id)
		if err != nil || f.FeedURL != e.feedURL(2) || f.Category.ID != miniflux.UncategorizedID {
			t.Fatalf("new feed = %+v, %v", f, err)
		}
		if err := c.DeleteFeedContext(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := c.FeedContext(ctx, id); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("deleted feed: err = %v", err)
		}
		// B still follows the feed A left.
		if _, err := e.Store.Feed(ctx, e.B.User.ID, e.FeedsB[1]); err != nil {
			t.Errorf("B's feed after A unsubscribed: %v", err)
		}
	})

	t.Run("export and import OPML", func(t *testing.T) {
		opml, err := c.ExportContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(opml, []byte(e.feedURL(0))) || !bytes.Contains(opml, []byte(e.feedURL(1))) || bytes.Contains(opml, []byte(e.feedURL(2))) {
			t.Errorf("export:\n%s", opml)
		}
		doc := `<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body><outline text="Tech"><outline type="rss" text="Gamma" xmlUrl="` + e.feedURL(2) + `"/></outline></body></opml>`
		if err := c.ImportContext(ctx, io.NopCloser(strings.NewReader(doc))); err != nil {
			t.Fatal(err)
		}
		fs, _ := c.FeedsContext(ctx)
		i := slices.IndexFunc(fs, func(f *client.Feed) bool { return f.FeedURL == e.feedURL(2) })
		if i < 0 || fs[i].Category.Title != "Tech" {
			t.Errorf("imported feed missing or in the wrong category: %v", fs)
		}
		if err := c.ImportContext(ctx, io.NopCloser(strings.NewReader("not opml"))); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("import of garbage: err = %v", err)
		}
	})
}

// TestEntryTotalsFollowChanges: the totals of entry lists (cached or
// taken from unread counters) follow arrivals, reads and unsubscribing.
func TestEntryTotalsFollowChanges(t *testing.T) {
	e := newEnv(t, 5)
	ctx := context.Background()
	c := client.NewClient(e.URL, e.A.APIKey)
	total := func(f *client.Filter) int {
		t.Helper()
		f.Limit = 1
		r, err := c.EntriesContext(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return r.Total
	}
	if all, unread := total(&client.Filter{}), total(&client.Filter{Status: "unread"}); all != 10 || unread != 10 {
		t.Fatalf("totals %d, %d; want 10, 10", all, unread)
	}
	e.AddItem("beta", testenv.Item{GUID: "new", Title: "New", Link: e.Feeds.URL + "/beta/new.html", Description: "New.", Published: testenv.Base})
	e.refresh()
	if all, unread := total(&client.Filter{}), total(&client.Filter{Status: "unread"}); all != 11 || unread != 11 {
		t.Errorf("after an arrival: totals %d, %d; want 11, 11", all, unread)
	}
	if err := c.UpdateEntriesContext(ctx, e.articles(e.A.ID, digest.ArticleQuery{FeedID: e.FeedsA[0]})[:2], "read"); err != nil {
		t.Fatal(err)
	}
	if all, unread, read := total(&client.Filter{}), total(&client.Filter{Status: "unread"}), total(&client.Filter{Status: "read"}); all != 11 || unread != 9 || read != 2 {
		t.Errorf("after reading 2: totals %d, %d, %d; want 11, 9, 2", all, unread, read)
	}
	if err := c.DeleteFeedContext(ctx, e.FeedsA[0]); err != nil {
		t.Fatal(err)
	}
	if all, unread := total(&client.Filter{}), total(&client.Filter{Status: "unread"}); all != 6 || unread != 6 {
		t.Errorf("after unsubscribing alpha: totals %d, %d; want 6, 6", all, unread)
	}
}
