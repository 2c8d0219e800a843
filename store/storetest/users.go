package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

func testUsers(t *testing.T, s digest.Store) {
	ctx := context.Background()
	n0, err := s.CountUsers(ctx) // the opener may have made one
	if err != nil {
		t.Fatal(err)
	}
	u := &digest.User{Name: "Ada", Role: digest.RoleAdmin, PasswordHash: "$argon2id$x", Settings: digest.Settings{TimeZone: "Europe/Oslo"}}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Created.IsZero() {
		t.Fatalf("CreateUser did not set ID and Created: %+v", u)
	}
	wantCode(t, "same name in another case", s.CreateUser(ctx, &digest.User{Name: "ada"}), digest.ECONFLICT)
	wantCode(t, "empty name", s.CreateUser(ctx, &digest.User{}), digest.EINVALID)
	wantCode(t, "unknown role", s.CreateUser(ctx, &digest.User{Name: "x", Role: "root"}), digest.EINVALID)
	got, err := s.UserByName(ctx, "ADA")
	if err != nil || got.ID != u.ID || got.PasswordHash != u.PasswordHash || got.Role != digest.RoleAdmin || got.Settings.TimeZone != "Europe/Oslo" {
		t.Errorf("UserByName = %+v, %v", got, err)
	}
	if _, err := s.UserByName(ctx, "nobody"); !digest.IsNotFound(err) {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := s.User(ctx, 9999); !digest.IsNotFound(err) {
		t.Errorf("unknown id: %v", err)
	}
	b := &digest.User{Name: "bea"}
	if err := s.CreateUser(ctx, b); err != nil {
		t.Fatal(err)
	}
	if b.Role != digest.RoleUser {
		t.Errorf("default role %q, want user", b.Role)
	}
	list, err := s.Users(ctx)
	if err != nil || len(list) != n0+2 || list[0].Name != "Ada" || list[1].Name != "bea" {
		t.Errorf("Users = %+v, %v; want Ada and bea first (by name, case-blind)", list, err)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != n0+2 {
		t.Errorf("CountUsers = %d, %v", n, err)
	}
	b.Role, b.PasswordHash, b.Name = digest.RoleAdmin, "h2", "Bea"
	if err := s.UpdateUser(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, b.ID); got.Role != digest.RoleAdmin || got.PasswordHash != "h2" || got.Name != "Bea" {
		t.Errorf("after UpdateUser: %+v", got)
	}
	b.Name = "ADA"
	wantCode(t, "rename to a taken name", s.UpdateUser(ctx, b), digest.ECONFLICT)
	wantCode(t, "update missing", s.UpdateUser(ctx, &digest.User{ID: 9999, Name: "z", Role: digest.RoleUser}), digest.ENOTFOUND)

	// Deleting a user removes their subscriptions; a feed another user
	// follows stays, with its articles.
	shared := &digest.Feed{URL: "https://shared.example/feed"}
	if err := s.CreateFeed(ctx, u.ID, shared); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFeed(ctx, b.ID, &digest.Feed{URL: shared.URL}); err != nil {
		t.Fatal(err)
	}
	own := &digest.Feed{URL: "https://own.example/feed"}
	if err := s.CreateFeed(ctx, b.ID, own); err != nil {
		t.Fatal(err)
	}
	r := save(t, s, fetched(shared.ID, entry("shared", 1)), fetched(own.ID, entry("own", 2)))
	if err := s.DeleteUser(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "delete twice", s.DeleteUser(ctx, b.ID), digest.ENOTFOUND)
	if _, err := s.FeedByID(ctx, own.ID); !digest.IsNotFound(err) {
		t.Errorf("a feed only the deleted user followed: %v", err)
	}
	if _, err := s.Article(ctx, u.ID, r[0].Created[0]); err != nil {
		t.Errorf("the other user's article went with the deleted user: %v", err)
	}
	if _, err := s.StoredArticle(ctx, r[1].Created[0]); !digest.IsNotFound(err) {
		t.Errorf("an article of the deleted user's own feed stays: %v", err)
	}
}

func testSessions(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a, b := uid(t, s), otherUID(t, s)
	now := base.Truncate(time.Microsecond)
	mk := func(user int64, hash string, seen time.Time) *digest.Session {
		ss := &digest.Session{UserID: user, Hash: hash, Created: now, LastSeen: seen, Expires: now.Add(24 * time.Hour), UserAgent: "UA", Address: "192.0.2.1"}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		return ss
	}
	s1 := mk(a, "h1", now)
	s2 := mk(a, "h2", now.Add(time.Minute))
	s3 := mk(b, "h3", now)
	wantCode(t, "same hash", s.CreateSession(ctx, &digest.Session{UserID: a, Hash: "h1", Created: now, LastSeen: now, Expires: now}), digest.ECONFLICT)
	got, err := s.SessionByHash(ctx, "h2")
	if err != nil || got.ID != s2.ID || got.UserID != a || !got.LastSeen.Equal(s2.LastSeen) || got.UserAgent != "UA" {
		t.Errorf("SessionByHash = %+v, %v", got, err)
	}
	if list, _ := s.Sessions(ctx, a); len(list) != 2 || list[0].ID != s2.ID {
		t.Errorf("Sessions = %+v, want two, last seen first", list)
	}
	if err := s.TouchSession(ctx, s1.ID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Sessions(ctx, a); list[0].ID != s1.ID {
		t.Errorf("after touch, Sessions = %+v", list)
	}
	wantCode(t, "another user's session", s.DeleteSession(ctx, b, s1.ID), digest.ENOTFOUND)
	if n, err := s.DeleteSessions(ctx, a, s1.ID); err != nil || n != 1 {
		t.Errorf("DeleteSessions keeping one = %d, %v", n, err)
	}
	if _, err := s.SessionByHash(ctx, "h2"); !digest.IsNotFound(err) {
		t.Errorf("deleted session: %v", err)
	}
	if _, err := s.SessionByHash(ctx, "h3"); err != nil {
		t.Errorf("another user's session went: %v", err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, now.Add(48*time.Hour), now); err != nil || n != 2 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	_ = s3
}

func testCredentials(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a, b := uid(t, s), otherUID(t, s)
	key := &digest.Credential{UserID: a, Kind: digest.APIKey, Name: "script", Hash: "k1"}
	app := &digest.Credential{UserID: a, Kind: digest.AppPassword, Name: "phone", Hash: "p1", Hash2: "f1"}
	setup := &digest.Credential{Kind: digest.SetupLink, Hash: "s1", Expires: base.Add(time.Hour)}
	for _, c := range []*digest.Credential{key, app, setup} {
		if err := s.CreateCredential(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, "hash in use", s.CreateCredential(ctx, &digest.Credential{UserID: b, Kind: digest.APIKey, Hash: "k1"}), digest.ECONFLICT)
	wantCode(t, "fever hash in use", s.CreateCredential(ctx, &digest.Credential{UserID: b, Kind: digest.AppPassword, Hash: "p2", Hash2: "f1"}), digest.ECONFLICT)
	if c, err := s.CredentialByHash(ctx, digest.AppPassword, "f1", true); err != nil || c.ID != app.ID || c.UserID != a {
		t.Errorf("by fever hash = %+v, %v", c, err)
	}
	if _, err := s.CredentialByHash(ctx, digest.APIKey, "p1", false); !digest.IsNotFound(err) {
		t.Errorf("an app password found as an API key: %v", err)
	}
	if list, _ := s.Credentials(ctx, a, digest.APIKey); len(list) != 1 || list[0].Name != "script" {
		t.Errorf("Credentials = %+v", list)
	}
	if list, _ := s.Credentials(ctx, b, digest.APIKey); len(list) != 0 {
		t.Errorf("another user's credentials = %+v", list)
	}
	if err := s.TouchCredential(ctx, key.ID, base); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.CredentialByHash(ctx, digest.APIKey, "k1", false); !c.LastUsed.Equal(base) {
		t.Errorf("LastUsed = %v", c.LastUsed)
	}
	wantCode(t, "another user's key", s.DeleteCredential(ctx, b, key.ID), digest.ENOTFOUND)
	if err := s.DeleteCredential(ctx, a, key.ID); err != nil {
		t.Fatal(err)
	}
	// A one-time credential is consumed once, even by two at once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []error
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ConsumeCredential(ctx, digest.SetupLink, "s1")
			mu.Lock()
			got = append(got, err)
			mu.Unlock()
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range got {
		if err == nil {
			ok++
		} else if !digest.IsNotFound(err) {
			t.Errorf("consume: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("a one-time credential was consumed %d times", ok)
	}
}

func testCategories(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a, b := uid(t, s), otherUID(t, s)
	f := &digest.Feed{URL: "https://a.example/feed", Category: "World"}
	if err := s.CreateFeed(ctx, a, f); err != nil {
		t.Fatal(err)
	}
	if f.CategoryID == 0 {
		t.Fatal("CreateFeed did not set the category's ID")
	}
	empty, err := s.CreateCategory(ctx, a, "Science")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCategory(ctx, a, "World"); digest.ErrorCode(err) != digest.ECONFLICT {
		t.Errorf("duplicate category: %v", err)
	}
	if _, err := s.CreateCategory(ctx, a, "  "); digest.ErrorCode(err) != digest.EINVALID {
		t.Errorf("blank category: %v", err)
	}
	if _, err := s.CreateCategory(ctx, b, "World"); err != nil {
		t.Errorf("another user's category of the same title: %v", err)
	}
	save(t, s, fetched(f.ID, entry("c1", 1), entry("c2", 2)))
	cs, err := s.Categories(ctx, a)
	if err != nil || len(cs) != 2 || cs[0].Title != "Science" || cs[0].Feeds != 0 || cs[1].Title != "World" || cs[1].Feeds != 1 || cs[1].Unread != 2 {
		t.Fatalf("Categories = %+v, %v", cs, err)
	}
	wantCode(t, "rename another user's", s.RenameCategory(ctx, b, f.CategoryID, "X"), digest.ENOTFOUND)
	wantCode(t, "rename to a taken title", s.RenameCategory(ctx, a, f.CategoryID, "Science"), digest.ECONFLICT)
	if err := s.RenameCategory(ctx, a, f.CategoryID, "Earth"); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Feed(ctx, a, f.ID); g.Category != "Earth" || g.CategoryID != f.CategoryID {
		t.Errorf("feed after rename: %q %d", g.Category, g.CategoryID)
	}
	if n := len(list(t, s, digest.ArticleQuery{UserID: a, CategoryID: f.CategoryID})); n != 2 {
		t.Errorf("articles of the category: %d, want 2", n)
	}
	if n := len(list(t, s, digest.ArticleQuery{UserID: a, CategoryID: empty.ID})); n != 0 {
		t.Errorf("articles of the empty category: %d", n)
	}
	if _, err := s.Articles(ctx, digest.ArticleQuery{UserID: b, CategoryID: f.CategoryID}); !digest.IsNotFound(err) {
		t.Errorf("another user's category in a query: %v", err)
	}
	wantCode(t, "delete another user's", s.DeleteCategory(ctx, b, f.CategoryID), digest.ENOTFOUND)
	if err := s.DeleteCategory(ctx, a, f.CategoryID); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Feed(ctx, a, f.ID); g.Category != "" || g.CategoryID != 0 {
		t.Errorf("feed of a deleted category: %q %d, want none", g.Category, g.CategoryID)
	}
	if n := len(list(t, s, digest.ArticleQuery{UserID: a, CategoryID: -1})); n != 2 {
		t.Errorf("articles in no category: %d, want 2", n)
	}
	// UpdateFeed moves a feed to a new category, created on the way.
	g, _ := s.Feed(ctx, a, f.ID)
	g.Category = "Local"
	if err := s.UpdateFeed(ctx, a, g); err != nil {
		t.Fatal(err)
	}
	cs, _ = s.Categories(ctx, a)
	if !slices.ContainsFunc(cs, func(c digest.Category) bool { return c.Title == "Local" && c.ID == g.CategoryID && c.Feeds == 1 }) {
		t.Errorf("Categories after UpdateFeed = %+v", cs)
	}
}

func testTwoUsersOneFeed(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a, b := uid(t, s), otherUID(t, s)
	fa := &digest.Feed{URL: "https://shared.example/feed", Title: "Shared", Category: "A's"}
	if err := s.CreateFeed(ctx, a, fa); err != nil {
		t.Fatal(err)
	}
	r := save(t, s, fetched(fa.ID, entry("s1", 1), entry("s2", 2)))[0].Created
	fb := &digest.Feed{URL: fa.URL, Title: "Bob's name for it"}
	if err := s.CreateFeed(ctx, b, fb); err != nil {
		t.Fatal(err)
	}
	if fb.ID != fa.ID {
		t.Fatalf("a feed two users follow is stored twice: %d and %d", fa.ID, fb.ID)
	}
	if ids, _ := s.FeedIDs(ctx); len(ids) != 1 {
		t.Errorf("FeedIDs = %v, want one feed", ids)
	}
	// Each sees the articles that were there before they subscribed.
	if n := len(list(t, s, digest.ArticleQuery{UserID: b})); n != 2 {
		t.Fatalf("B sees %d articles, want 2", n)
	}
	if _, err := s.MarkRead(ctx, a, r, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkStarred(ctx, b, r[:1], true); err != nil {
		t.Fatal(err)
	}
	ga, _ := s.Feed(ctx, a, fa.ID)
	gb, _ := s.Feed(ctx, b, fa.ID)
	if ga.Unread != 0 || gb.Unread != 2 || gb.Title != "Bob's name for it" || gb.Category != "" || ga.Category != "A's" {
		t.Errorf("A's feed %+v, B's %+v", ga, gb)
	}
	if x := article(t, s, r[0]); !x.Read || x.Starred {
		t.Errorf("A's state: read %v starred %v", x.Read, x.Starred)
	}
	if x, _ := s.Article(ctx, b, r[0]); x.Read || !x.Starred {
		t.Errorf("B's state: read %v starred %v", x.Read, x.Starred)
	}
	// New entries reach both.
	r2 := save(t, s, fetched(fa.ID, entry("s3", 3)))[0].Created
	for _, u := range []int64{a, b} {
		if _, err := s.Article(ctx, u, r2[0]); err != nil {
			t.Errorf("user %d does not see a new entry: %v", u, err)
		}
	}
	// B leaves: A keeps the feed and everything.
	if err := s.DeleteFeed(ctx, b, fa.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Article(ctx, b, r[0]); !digest.IsNotFound(err) {
		t.Errorf("B still sees an article of a feed he left: %v", err)
	}
	if n := len(list(t, s, digest.ArticleQuery{UserID: a})); n != 3 {
		t.Errorf("A sees %d articles after B left, want 3", n)
	}
	// A user's refresh schedules only their feeds.
	other := &digest.Feed{URL: "https://other.example/feed"}
	other.NextCheck = base.Add(time.Hour)
	if err := s.CreateFeed(ctx, b, other); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ScheduleUserFeeds(ctx, a, other.ID); err != nil || n != 0 {
		t.Errorf("A scheduled B's feed: %d, %v", n, err)
	}
	if n, err := s.ScheduleUserFeeds(ctx, b); err != nil || n != 1 {
		t.Errorf("B's refresh scheduled %d feeds, %v; want 1", n, err)
	}
}

func testReaderFilters(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := uid(t, s)
	f := createFeed(t, s, "https://r.example/feed")
	r := save(t, s, fetched(f.ID, entry("r1", 1), entry("r2", 2), entry("r3", 3), entry("r4", 4)))[0].Created
	if _, err := s.MarkRead(ctx, a, r[:2], true); err != nil {
		t.Fatal(err)
	}
	refIDs := func(q digest.ArticleQuery) []int64 {
		t.Helper()
		refs, err := s.ArticleRefs(ctx, q)
		if err != nil {
			t.Fatalf("ArticleRefs(%+v): %v", q, err)
		}
		var out []int64
		for _, x := range refs {
			out = append(out, x.ID)
		}
		return out
	}
	rev := func(ids []int64) []int64 { c := slices.Clone(ids); slices.Reverse(c); return c }
	cases := []struct {
		name string
		q    digest.ArticleQuery
		want []int64
	}{
		{"newest first", digest.ArticleQuery{UserID: a}, rev(r)},
		{"oldest first", digest.ArticleQuery{UserID: a, Oldest: true}, r},
		{"by ID", digest.ArticleQuery{UserID: a, ByID: true, Oldest: true}, r},
		{"read only", digest.ArticleQuery{UserID: a, Read: true}, rev(r[:2])},
		{"unread only", digest.ArticleQuery{UserID: a, Unread: true}, rev(r[2:])},
		{"after an ID", digest.ArticleQuery{UserID: a, AfterID: r[1], ByID: true, Oldest: true}, r[2:]},
		{"before an ID", digest.ArticleQuery{UserID: a, BeforeID: r[2], ByID: true}, rev(r[:2])},
		{"published after", digest.ArticleQuery{UserID: a, After: base.Add(2 * time.Minute)}, rev(r[2:])},
		{"published before", digest.ArticleQuery{UserID: a, Before: base.Add(2 * time.Minute)}, []int64{r[0]}},
		{"some IDs", digest.ArticleQuery{UserID: a, IDs: []int64{r[3], r[0], 999999}}, []int64{r[3], r[0]}},
		{"offset", digest.ArticleQuery{UserID: a, Offset: 1, Limit: 2}, []int64{r[2], r[1]}},
		{"feed, oldest first", digest.ArticleQuery{UserID: a, FeedID: f.ID, Oldest: true}, r},
	}
	for _, tc := range cases {
		if got := refIDs(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: ArticleRefs = %v, want %v", tc.name, got, tc.want)
		}
		if got, err := s.ArticleIDs(ctx, tc.q); err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: ArticleIDs = %v, %v; want %v", tc.name, got, err, tc.want)
		}
		if n, err := s.CountArticles(ctx, tc.q); err != nil || (tc.q.Offset == 0 && n != len(tc.want)) {
			t.Errorf("%s: CountArticles = %d, %v", tc.name, n, err)
		}
		if tc.q.Offset == 0 {
			if got := ids(list(t, s, tc.q)); !slices.Equal(got, tc.want) {
				t.Errorf("%s: Articles = %v, want %v", tc.name, got, tc.want)
			}
		}
	}
	// Content when asked for.
	p, err := s.Articles(ctx, digest.ArticleQuery{UserID: a, Limit: 1, WithContent: true})
	if err != nil || len(p.Articles) != 1 || p.Articles[0].Content == "" {
		t.Errorf("WithContent: %+v, %v", p, err)
	}
	if _, err := s.Articles(ctx, digest.ArticleQuery{}); digest.ErrorCode(err) != digest.EINVALID {
		t.Errorf("no user: %v", err)
	}
	if _, err := s.ArticleRefs(ctx, digest.ArticleQuery{UserID: a, IDs: make([]int64, 10_001)}); digest.ErrorCode(err) != digest.EINVALID {
		t.Errorf("too many IDs: %v", err)
	}
	// Mark all read, older than a time, then the rest.
	n, err := s.MarkAllRead(ctx, digest.ArticleQuery{UserID: a, Before: base.Add(4 * time.Minute)})
	if err != nil || n != 1 {
		t.Errorf("MarkAllRead before = %d, %v; want 1", n, err)
	}
	if n, err := s.MarkAllRead(ctx, digest.ArticleQuery{UserID: a, FeedID: f.ID}); err != nil || n != 1 {
		t.Errorf("MarkAllRead feed = %d, %v; want 1", n, err)
	}
	if n, err := s.MarkAllRead(ctx, digest.ArticleQuery{UserID: otherUID(t, s)}); err != nil || n != 0 {
		t.Errorf("another user's mark all read = %d, %v", n, err)
	}
	if n, _ := s.MarkRead(ctx, a, []int64{r[0], r[0], 424242}, false); n != 1 {
		t.Errorf("MarkRead counted %d seen articles, want 1", n)
	}
}

// testSourcesOfOthers: an article two users reach through feeds of their
// own lists, for each, only the sources of the feeds they follow; which
// feeds another user follows is not theirs to see.
func testSourcesOfOthers(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a, b := uid(t, s), otherUID(t, s)
	fa := &digest.Feed{URL: "https://a-private.example/feed", Title: "A's private feed"}
	if err := s.CreateFeed(ctx, a, fa); err != nil {
		t.Fatal(err)
	}
	fb := &digest.Feed{URL: "https://b.example/feed", Title: "B's feed"}
	if err := s.CreateFeed(ctx, b, fb); err != nil {
		t.Fatal(err)
	}
	e := entry("same", 1)
	r := save(t, s, fetched(fa.ID, e), fetched(fb.ID, e))
	id := r[0].Created[0]
	if len(r[1].Linked) != 1 || r[1].Linked[0] != id {
		t.Fatalf("the second feed did not link the same article: %+v", r[1])
	}
	for _, tc := range []struct {
		user int64
		feed int64
	}{{a, fa.ID}, {b, fb.ID}} {
		x, err := s.Article(ctx, tc.user, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Sources) != 1 || x.Sources[0].FeedID != tc.feed {
			t.Errorf("user %d sees sources %+v, want only feed %d", tc.user, x.Sources, tc.feed)
		}
		p, _ := s.Articles(ctx, digest.ArticleQuery{UserID: tc.user})
		if len(p.Articles) != 1 || len(p.Articles[0].Sources) != 1 || p.Articles[0].Sources[0].FeedID != tc.feed {
			t.Errorf("user %d lists sources %+v", tc.user, p.Articles)
		}
	}
	if x, _ := s.StoredArticle(ctx, id); len(x.Sources) != 2 {
		t.Errorf("the pipeline sees %d sources, want 2", len(x.Sources))
	}
}

// testFetchModePerFollower: each follower of a feed has their own
// full-text setting; the feed is fetched with the most demanding one, and
// one user's change never shows as another's.
func testFetchModePerFollower(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a, b := uid(t, s), otherUID(t, s)
	fa := &digest.Feed{URL: "https://modes.example/feed", Fetch: digest.FetchNever}
	if err := s.CreateFeed(ctx, a, fa); err != nil {
		t.Fatal(err)
	}
	mode := func(user int64) digest.FetchMode {
		t.Helper()
		f, err := s.Feed(ctx, user, fa.ID)
		if err != nil {
			t.Fatal(err)
		}
		return f.Fetch
	}
	pipeline := func() digest.FetchMode {
		t.Helper()
		f, err := s.FeedByID(ctx, fa.ID)
		if err != nil {
			t.Fatal(err)
		}
		return f.Fetch
	}
	if pipeline() != digest.FetchNever {
		t.Fatalf("one follower who wants never: fetched %s", pipeline())
	}
	if err := s.CreateFeed(ctx, b, &digest.Feed{URL: fa.URL, Fetch: digest.FetchShort}); err != nil {
		t.Fatal(err)
	}
	if mode(a) != digest.FetchNever || mode(b) != digest.FetchShort || pipeline() != digest.FetchShort {
		t.Errorf("A %s, B %s, fetched %s; want never, short, short", mode(a), mode(b), pipeline())
	}
	g, _ := s.Feed(ctx, b, fa.ID)
	g.Fetch = digest.FetchAlways
	if err := s.UpdateFeed(ctx, b, g); err != nil {
		t.Fatal(err)
	}
	if mode(a) != digest.FetchNever || pipeline() != digest.FetchAlways {
		t.Errorf("after B's change: A %s, fetched %s; want never, always", mode(a), pipeline())
	}
	if err := s.DeleteFeed(ctx, b, fa.ID); err != nil {
		t.Fatal(err)
	}
	if pipeline() != digest.FetchNever {
		t.Errorf("B left: fetched %s, want A's never", pipeline())
	}
}
