package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// FuzzSaveEntry saves entries with arbitrary strings: each is stored as
// clean UTF-8 or skipped (no GUID and no URL), never an error, and saving
// it again changes nothing.
func FuzzSaveEntry(f *testing.F) {
	f.Add("urn:1", "https://a.example/1", "Title", "text", "h1")
	f.Add("", "https://a.example/2?utm_source=x", "Caf\xe9", "a\x00b", "h2")
	f.Add("g\x00", "", "'; DROP TABLE articles; --", `"NEAR(`, "")
	f.Add("", "", "no identity", "", "h")
	f.Add(strings.Repeat("x", 5000), "\xff", "\u202eRTL", "\r\n\t", "h\x00")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"), nil)
	if err != nil {
		f.Fatal(err)
	}
	mustUser(f, db)
	defer db.Close()
	feed := &digest.Feed{URL: "https://fuzz.example/feed"}
	if err := db.CreateFeed(ctx, benchUser, feed); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, guid, url, title, text, hash string) {
		e := digest.Entry{GUID: guid, URL: url, Title: title, Text: text, Summary: text, Hash: hash}
		save := func() digest.SaveResult {
			res, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: feed.ID, Entries: []digest.Entry{e}}})
			if err != nil {
				t.Fatalf("SaveFetches(%+v): %v", e, err)
			}
			return res[0]
		}
		first := save()
		for _, id := range append(first.Created, first.Updated...) {
			a, err := db.Article(ctx, benchUser, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []string{a.Title, a.Text, a.URL, a.Sources[0].GUID} {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					t.Fatalf("stored unclean text %q", v)
				}
			}
		}
		if again := save(); len(again.Created)+len(again.Updated)+len(again.Linked) != 0 {
			t.Fatalf("saving %+v again changed %+v", e, again)
		}
		if _, err := db.Articles(ctx, digest.ArticleQuery{UserID: benchUser, Search: title}); err != nil {
			t.Fatalf("search %q: %v", title, err)
		}
	})
}

// FuzzFeedsPage asks for feed pages with arbitrary search text, order and
// cursor: the answer is a page or EINVALID, never another error, and a
// page holds only feeds that match.
func FuzzFeedsPage(f *testing.F) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"), nil)
	if err != nil {
		f.Fatal(err)
	}
	mustUser(f, db)
	defer db.Close()
	for _, title := range []string{"Alpha", "beta 50% off", "Ünïcode", "x_y", `back\slash`} {
		if err := db.CreateFeed(ctx, benchUser, &digest.Feed{URL: "https://fuzz.example/" + title, Title: title, Category: title[:1]}); err != nil {
			f.Fatal(err)
		}
	}
	_, next, _, err := db.FeedsPage(ctx, benchUser, "", "title", 2, "")
	if err != nil {
		f.Fatal(err)
	}
	_, _, prev, err := db.FeedsPage(ctx, benchUser, "", "title", 2, next)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("", "title", next)
	f.Add("a", "title", prev)
	f.Add("%", "", "")
	f.Add(`\`, "errors", "eyJvIjoiZXJyb3JzIiwiaSI6MX0")
	f.Add("\x00\xff", "category", "e30")
	f.Add("'; DROP TABLE feeds; --", "title", "not a cursor")
	f.Fuzz(func(t *testing.T, search, order, cursor string) {
		fs, _, _, err := db.FeedsPage(ctx, benchUser, search, order, 3, cursor)
		if err != nil {
			if digest.ErrorCode(err) != digest.EINVALID {
				t.Fatalf("FeedsPage(%q, %q, %q): %v, want a page or EINVALID", search, order, cursor, err)
			}
			return
		}
		if len(fs) > 3 {
			t.Fatalf("%d feeds for limit 3", len(fs))
		}
		n, _, _, err := db.FeedTotals(ctx, benchUser, search)
		if err != nil {
			t.Fatalf("FeedTotals(%q): %v", search, err)
		}
		if len(fs) > n {
			t.Fatalf("FeedsPage(%q) has %d feeds, FeedTotals counts %d", search, len(fs), n)
		}
	})
}
