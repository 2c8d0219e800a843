package postgres_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// The tests here run the same steps on SQLite and PostgreSQL and want the
// same answers where the two databases' own rules differ: case folding
// beyond ASCII, bytewise order of text, text cut inside a character,
// and what a search word matches.

// bothStores opens a fresh SQLite file and a fresh PostgreSQL schema, each
// with the user "reader".
func bothStores(t *testing.T) map[string]digest.Store {
	t.Helper()
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "digest.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	pg := openFresh(t)
	stores := map[string]digest.Store{"sqlite": lite, "postgres": pg}
	for name, s := range stores {
		t.Cleanup(func() { s.Close() })
		if err := s.CreateUser(ctx, &digest.User{Name: "reader"}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return stores
}

// same runs fn on both stores and fails unless the results print alike.
func same(t *testing.T, stores map[string]digest.Store, what string, fn func(s digest.Store) any) {
	t.Helper()
	want := fmt.Sprintf("%+v", fn(stores["sqlite"]))
	if got := fmt.Sprintf("%+v", fn(stores["postgres"])); got != want {
		t.Errorf("%s:\npostgres %.600s\nsqlite   %.600s", what, got, want)
	}
}

func reader(t *testing.T, s digest.Store) int64 {
	t.Helper()
	u, err := s.UserByName(context.Background(), "reader")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestSameUserNames(t *testing.T) {
	ctx := context.Background()
	stores := bothStores(t)
	for _, s := range stores {
		for _, n := range []string{"Émile", "émile", "zoë", "Zed", "alice", "Ärger", "ärger2", "ΑΘΗΝΑ"} {
			if err := s.CreateUser(ctx, &digest.User{Name: n}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, n := range []string{"ÉMILE", "émile", "EMILE", "ZOË", "zoë", "ZED", "ALICE", "αθηνα", "ΑΘΗΝΑ", "ärger"} {
		same(t, stores, "UserByName "+n, func(s digest.Store) any {
			u, err := s.UserByName(ctx, n)
			if err != nil {
				return digest.ErrorCode(err)
			}
			return u.Name
		})
	}
	same(t, stores, "Users", func(s digest.Store) any {
		us, err := s.Users(ctx)
		if err != nil {
			return err
		}
		var names []string
		for _, u := range us {
			names = append(names, u.Name)
		}
		return names
	})
	same(t, stores, "CreateUser ALICE", func(s digest.Store) any {
		return digest.ErrorCode(s.CreateUser(ctx, &digest.User{Name: "ALICE"}))
	})
	same(t, stores, "CreateUser ÉMILE", func(s digest.Store) any {
		return digest.ErrorCode(s.CreateUser(ctx, &digest.User{Name: "ÉMILE"}))
	})
}

func TestSameFeedOrders(t *testing.T) {
	ctx := context.Background()
	stores := bothStores(t)
	// Titles and categories that sort differently under a locale than
	// bytewise, fold beyond ASCII, or are cut inside a character by a
	// cursor (maxCursorText is 256 bytes: "é" at bytes 255 and 256).
	cut := strings.Repeat("a", 255) + "é"
	titles := []string{"zebra", "Zebra", "éclair", "Éclair", "eclair", "Eclair", "_under", "Ωmega", "ωmega", "10", "9",
		cut + "1", cut + "2", cut + "3", strings.Repeat("a", 255) + "f", strings.Repeat("a", 255) + "Ä"}
	for _, s := range stores {
		for i, title := range titles {
			cat := []string{"", "News", "news", "Événements", cut}[i%5]
			f := &digest.Feed{URL: fmt.Sprintf("https://f%d.example/feed", i), Title: title, Category: cat}
			if err := s.CreateFeed(ctx, reader(t, s), f); err != nil {
				t.Fatal(err)
			}
		}
	}
	feedKey := func(fs []digest.Feed) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.URL)
		}
		return out
	}
	same(t, stores, "Feeds", func(s digest.Store) any {
		fs, err := s.Feeds(ctx, reader(t, s))
		if err != nil {
			return err
		}
		return feedKey(fs)
	})
	for _, order := range []string{"category", "title", "errors"} {
		for _, search := range []string{"", "ÉCLAIR", "éclair", "Eclair", "ΩMEGA", "aaaaé", "_", "%"} {
			same(t, stores, "pages "+order+" "+search, func(s digest.Store) any {
				var pages [][]string
				cursor := ""
				var cursors []string
				for range 40 {
					fs, next, _, err := s.FeedsPage(ctx, reader(t, s), search, order, 2, cursor)
					if err != nil {
						return err
					}
					pages = append(pages, feedKey(fs))
					if next == "" {
						break
					}
					cursor = next
					cursors = append(cursors, next)
				}
				// And back from each cursor.
				for _, c := range cursors {
					_, _, prev, err := s.FeedsPage(ctx, reader(t, s), search, order, 2, c)
					if err != nil {
						return err
					}
					if prev == "" {
						continue
					}
					fs, _, _, err := s.FeedsPage(ctx, reader(t, s), search, order, 2, prev)
					if err != nil {
						return err
					}
					pages = append(pages, feedKey(fs))
				}
				return pages
			})
		}
	}
	// Cursors whose feed was renamed, so that a cut key cannot be
	// completed: the page starts at the edge of the keys with that start.
	cursorsOf := map[string][]string{}
	for name, s := range stores {
		cursor := ""
		for range 40 {
			_, next, _, err := s.FeedsPage(ctx, reader(t, s), "", "title", 1, cursor)
			if err != nil {
				t.Fatal(err)
			}
			if next == "" {
				break
			}
			cursorsOf[name] = append(cursorsOf[name], next)
			cursor = next
		}
		fs, err := s.Feeds(ctx, reader(t, s))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if strings.HasPrefix(f.Title, cut) {
				f.Title = "renamed " + f.Title[len(f.Title)-1:]
				if err := s.UpdateFeed(ctx, reader(t, s), &f); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	same(t, stores, "pages from cursors of renamed feeds", func(s digest.Store) any {
		name := "sqlite"
		if s == stores["postgres"] {
			name = "postgres"
		}
		var pages [][]string
		for _, c := range cursorsOf[name] {
			fs, _, prev, err := s.FeedsPage(ctx, reader(t, s), "", "title", 3, c)
			if err != nil {
				return err
			}
			pages = append(pages, feedKey(fs))
			if prev != "" {
				back, _, _, err := s.FeedsPage(ctx, reader(t, s), "", "title", 3, prev)
				if err != nil {
					return err
				}
				pages = append(pages, feedKey(back))
			}
		}
		return pages
	})
	// Forged cursors with bytes that are no UTF-8: a page, or EINVALID,
	// never a database error.
	for _, key := range []string{"\xff\xfe", "a\x80b", "\xc3", "ok\xed\xa0\x80"} {
		for _, order := range []string{"category", "title", "errors"} {
			for _, before := range []bool{false, true} {
				j, _ := json.Marshal(map[string]any{"o": order, "b": before, "c": []byte(key), "t": []byte(key), "x": true, "i": 3})
				c := base64.RawURLEncoding.EncodeToString(j)
				same(t, stores, fmt.Sprintf("forged cursor %q %s %v", key, order, before), func(s digest.Store) any {
					_, _, _, err := s.FeedsPage(ctx, reader(t, s), "", order, 3, c)
					if err != nil && digest.ErrorCode(err) != digest.EINVALID {
						return err
					}
					return digest.ErrorCode(err)
				})
			}
		}
	}
	same(t, stores, "Categories", func(s digest.Store) any {
		cs, err := s.Categories(ctx, reader(t, s))
		if err != nil {
			return err
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.Title)
		}
		return out
	})
}

func TestSameSearch(t *testing.T) {
	ctx := context.Background()
	stores := bothStores(t)
	texts := []string{
		"Café opens in Zürich; crème brûlée on the menu.",
		"COVID-19 cases fall, says who.int report",
		"Visit example.com or mail news@example.org today",
		"Naïve Bayes and the naive approach",
		"ΑΘΗΝΑ: Η πόλη της Αθήνας",
		"東京都 news in Japanese 日本語",
		"don't stop, it's 3.14 and v2.0.1 released",
		"Straße und STRASSE in Köln",
		"Ünïcode title " + strings.Repeat("x", 3000) + " tail word",
		"New York-based firm; New-York style; york new",
	}
	for _, s := range stores {
		f := &digest.Feed{URL: "https://s.example/feed"}
		if err := s.CreateFeed(ctx, reader(t, s), f); err != nil {
			t.Fatal(err)
		}
		var es []digest.Entry
		for i, text := range texts {
			es = append(es, digest.Entry{GUID: fmt.Sprint(i), URL: fmt.Sprintf("https://s.example/%d", i),
				Title: fmt.Sprint("Item ", i), Text: text, Hash: "h",
				Published: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC)})
		}
		if _, err := s.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: es}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"cafe", "CAFÉ", "zurich", "creme brulee", "covid-19", "covid 19", "19", "covid", "who",
		"example", "example.com", "com", "news@example.org", "naive", "naïve", "αθηνα", "αθήνας", "ΑΘΗΝΑΣ",
		"東京都", "日本語", "japanese", "don't", "don", "t", "3.14", "14", "v2.0.1", "v2", "straße", "strasse", "koln",
		"tail", "word", "title", "new york", "york-new", "new-york", "york new", "\"new york\"", "item 3", "x",
		"NEAR(new york)", "new*", "ne*", "-york", "york -new", "Ünïcode",
		"intitle:item", `intitle:"item 3"`, `intitle:"3 item"`, "intitle:item -intitle:3", "intitle:3 OR intitle:5",
		"intitle:york", "intitle:item york", "intitle:item OR york"} {
		same(t, stores, "search "+q, func(s digest.Store) any {
			p, err := s.Articles(ctx, digest.ArticleQuery{UserID: reader(t, s), Search: q})
			if err != nil {
				return err
			}
			var out []string
			for _, a := range p.Articles {
				out = append(out, a.Title)
			}
			slices.Sort(out)
			return out
		})
	}
}

// TestSameRandomHistory applies one random history of fetches, read and
// star marks, merges and unsubscriptions to both stores and compares
// every list a reader can ask for, by URL (IDs may differ: PostgreSQL does
// not reuse the ID of a removed last row).
func TestSameRandomHistory(t *testing.T) {
	ctx := context.Background()
	stores := bothStores(t)
	rng := rand.New(rand.NewPCG(10, 10))
	const feeds, steps = 6, 80
	type op struct {
		kind  string
		feed  int
		es    []digest.Entry
		urls  []string
		flag  bool
		other int
	}
	var ops []op
	for range steps {
		switch k := rng.IntN(10); {
		case k < 5:
			var es []digest.Entry
			for range 1 + rng.IntN(8) {
				n := rng.IntN(40)
				es = append(es, digest.Entry{
					GUID: fmt.Sprint("g", n, "-", rng.IntN(2)), URL: fmt.Sprintf("https://news.example/%d", n),
					Title: fmt.Sprintf("Story %d %s", n, []string{"Budget", "Café", "storm", "Élection"}[n%4]),
					Text:  fmt.Sprintf("words %d about %s", n, []string{"budget", "cafés", "storms", "élections"}[rng.IntN(4)]),
					Hash:  fmt.Sprint(rng.IntN(3)),
					// Few distinct times: ties are broken by ID.
					Published: time.Date(2026, 1, 1, rng.IntN(4), 0, 0, 0, time.UTC),
				})
			}
			ops = append(ops, op{kind: "fetch", feed: rng.IntN(feeds), es: es})
		case k < 8:
			var urls []string
			for range 1 + rng.IntN(6) {
				urls = append(urls, fmt.Sprintf("https://news.example/%d", rng.IntN(40)))
			}
			ops = append(ops, op{kind: []string{"read", "star"}[k%2], urls: urls, flag: rng.IntN(4) > 0})
		case k < 9:
			ops = append(ops, op{kind: "merge", urls: []string{fmt.Sprintf("https://news.example/%d", rng.IntN(40)),
				fmt.Sprintf("https://news.example/%d", rng.IntN(40))}, flag: rng.IntN(2) == 0})
		default:
			ops = append(ops, op{kind: "unsubscribe", feed: rng.IntN(feeds), other: rng.IntN(feeds)})
		}
	}
	feedIDs := map[string][]int64{}
	for name, s := range stores {
		for i := range feeds {
			f := &digest.Feed{URL: fmt.Sprintf("https://f%d.example/feed", i), Title: fmt.Sprintf("Feed %d", i),
				Category: []string{"", "News", "Sport"}[i%3]}
			if err := s.CreateFeed(ctx, reader(t, s), f); err != nil {
				t.Fatal(err)
			}
			feedIDs[name] = append(feedIDs[name], f.ID)
		}
	}
	// byURL maps the URLs of the reader's articles to IDs.
	byURL := func(s digest.Store) map[string]int64 {
		refs, err := s.Articles(ctx, digest.ArticleQuery{UserID: reader(t, s), Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int64{}
		for _, a := range refs.Articles {
			m[a.URL] = a.ID
		}
		return m
	}
	for i, o := range ops {
		same(t, stores, fmt.Sprintf("step %d %s", i, o.kind), func(s digest.Store) any {
			name := "sqlite"
			if s == stores["postgres"] {
				name = "postgres"
			}
			u := reader(t, s)
			switch o.kind {
			case "fetch":
				res, err := s.SaveFetches(ctx, []digest.FetchResult{{FeedID: feedIDs[name][o.feed], Entries: o.es}})
				if err != nil {
					return err
				}
				return []int{len(res[0].Created), len(res[0].Updated), len(res[0].Linked)}
			case "read", "star":
				ids := byURL(s)
				var list []int64
				for _, url := range o.urls {
					list = append(list, ids[url])
				}
				var n int
				var err error
				if o.kind == "read" {
					n, err = s.MarkRead(ctx, u, list, o.flag)
				} else {
					n, err = s.MarkStarred(ctx, u, list, o.flag)
				}
				if err != nil {
					return err
				}
				return n
			case "merge":
				ids := byURL(s)
				keep, dup := ids[o.urls[0]], ids[o.urls[1]]
				if keep == 0 || dup == 0 || keep == dup {
					return "skipped"
				}
				orig := keep
				if o.flag {
					orig = dup
				}
				return digest.ErrorCode(s.MergeArticles(ctx, keep, dup, orig))
			default:
				err := s.DeleteFeed(ctx, u, feedIDs[name][o.feed])
				if err == nil {
					f := &digest.Feed{URL: fmt.Sprintf("https://f%d.example/feed", o.feed), Category: "Back"}
					err = s.CreateFeed(ctx, u, f)
					feedIDs[name][o.feed] = f.ID
				}
				return digest.ErrorCode(err)
			}
		})
	}
	describe := func(as []digest.Article) []string {
		var out []string
		for _, a := range as {
			var src []string
			for _, so := range a.Sources {
				src = append(src, fmt.Sprint(so.GUID, so.Original, so.FeedTitle))
			}
			out = append(out, fmt.Sprint(a.URL, a.Title, a.Read, a.Starred, a.Published.Unix(), src))
		}
		return out
	}
	for _, q := range []struct {
		name string
		q    func(s digest.Store, name string) digest.ArticleQuery
	}{
		{"all", func(s digest.Store, _ string) digest.ArticleQuery { return digest.ArticleQuery{} }},
		{"unread", func(s digest.Store, _ string) digest.ArticleQuery { return digest.ArticleQuery{Unread: true} }},
		{"read oldest", func(s digest.Store, _ string) digest.ArticleQuery {
			return digest.ArticleQuery{Read: true, Oldest: true}
		}},
		{"starred", func(s digest.Store, _ string) digest.ArticleQuery { return digest.ArticleQuery{Starred: true} }},
		{"feed 2", func(s digest.Store, name string) digest.ArticleQuery {
			return digest.ArticleQuery{FeedID: feedIDs[name][2]}
		}},
		{"feed 4 unread", func(s digest.Store, name string) digest.ArticleQuery {
			return digest.ArticleQuery{FeedID: feedIDs[name][4], Unread: true}
		}},
		{"no category", func(s digest.Store, _ string) digest.ArticleQuery { return digest.ArticleQuery{CategoryID: -1} }},
		{"search", func(s digest.Store, _ string) digest.ArticleQuery { return digest.ArticleQuery{Search: "cafe"} }},
		{"search two words", func(s digest.Store, _ string) digest.ArticleQuery { return digest.ArticleQuery{Search: "STORY budget"} }},
	} {
		same(t, stores, "list "+q.name, func(s digest.Store) any {
			name := "sqlite"
			if s == stores["postgres"] {
				name = "postgres"
			}
			aq := q.q(s, name)
			aq.UserID, aq.Limit = reader(t, s), 7
			var pages [][]string
			for range 20 {
				p, err := s.Articles(ctx, aq)
				if err != nil {
					return err
				}
				pages = append(pages, describe(p.Articles))
				if p.Next == "" {
					break
				}
				aq.Cursor = p.Next
			}
			aq.Cursor = ""
			n, err := s.CountArticles(ctx, aq)
			if err != nil {
				return err
			}
			return fmt.Sprint(n, pages)
		})
	}
	same(t, stores, "feeds", func(s digest.Store) any {
		fs, err := s.Feeds(ctx, reader(t, s))
		if err != nil {
			return err
		}
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprint(f.URL, f.Title, f.Category, f.Unread))
		}
		return out
	})
}
