package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/pgtest"
	"github.com/occasional-digest/digest/store/postgres"
)

func openDSN(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// storeArticle saves a new entry to a new feed of the first user.
func storeArticle(t *testing.T, db *postgres.DB, guid string) int64 {
	t.Helper()
	ctx := context.Background()
	us, err := db.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(us) == 0 {
		u := &digest.User{Name: "reader"}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		us = append(us, *u)
	}
	f := &digest.Feed{URL: "https://" + guid + ".example/feed"}
	if err := db.CreateFeed(ctx, us[0].ID, f); err != nil {
		t.Fatal(err)
	}
	rs, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: []digest.Entry{{GUID: guid, URL: "https://" + guid + ".example/a",
		Title: "Title " + guid, Text: "Text of " + guid, Published: time.Now()}}}})
	if err != nil || len(rs) != 1 || len(rs[0].Created) != 1 {
		t.Fatalf("SaveFetches: %v %v", rs, err)
	}
	return rs[0].Created[0]
}

func next(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(time.Minute):
		t.Fatal("no notification within a minute")
		return ""
	}
}

// TestChanges: a listener hears of articles and stories committed by
// another process of its schema, not of another schema's; after its
// connection is terminated it reconnects, says that anything may have
// changed, and hears again.
func TestChanges(t *testing.T) {
	schema := pgtest.FreshSchema(t)
	listener := openDSN(t, pgtest.WithParam(t, schema, "application_name", "digest-test-listener"))
	writer := openDSN(t, schema)
	other := openDSN(t, pgtest.FreshSchema(t))
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan string, 100)
	done := make(chan error, 1)
	go func() { done <- listener.Changes(ctx, skipContent(ch)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Changes returned %v, want context.Canceled", err)
		}
	})
	waitListening(t, writer, ch)
	for len(ch) > 0 {
		<-ch
	}
	id := storeArticle(t, other, "elsewhere")
	if err := other.SaveStory(context.Background(), &digest.Story{Headline: "Elsewhere", ArticleIDs: []int64{id}}); err != nil {
		t.Fatal(err)
	}
	id = storeArticle(t, writer, "one")
	if got := next(t, ch); got != "articles" {
		t.Errorf("after another schema's story and this one's article: heard %q first, want articles", got)
	}
	if err := writer.SaveStory(context.Background(), &digest.Story{Headline: "One", ArticleIDs: []int64{id}}); err != nil {
		t.Fatal(err)
	}
	if got := next(t, ch); got != "stories" {
		t.Errorf("after a story: heard %q, want stories", got)
	}

	conn, err := pgx.Connect(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'digest-test-listener' AND query ILIKE 'LISTEN%'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminate the listener's connection: %d, %v", n, err)
	}
	if got := next(t, ch); got != "" {
		t.Errorf("after reconnecting: heard %q, want \"\" (anything may have changed)", got)
	}
	storeArticle(t, writer, "two")
	if got := next(t, ch); got != "articles" {
		t.Errorf("after reconnecting and an article: heard %q, want articles", got)
	}
}

// TestChangesPosts: a process that changes what is left of an article's
// post-processing (a standby leaving the story step) notifies "posts";
// claiming rows for a lease does not, so idle workers never wake each
// other in turn.
func TestChangesPosts(t *testing.T) {
	schema := pgtest.FreshSchema(t)
	listener := openDSN(t, schema)
	writer := openDSN(t, schema)
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan string, 100)
	done := make(chan error, 1)
	go func() { done <- listener.Changes(ctx, skipContent(ch)) }()
	t.Cleanup(func() { cancel(); <-done })
	waitListening(t, writer, ch)
	id := storeArticle(t, writer, "queued")
	for got := ""; got != "articles"; got = next(t, ch) {
	}
	bg := context.Background()
	due, _, err := writer.ClaimPosts(bg, time.Now(), time.Minute, digest.AllSteps, 100)
	if err != nil {
		t.Fatal(err)
	}
	var mine *digest.PendingPost
	for i := range due {
		if due[i].ArticleID == id {
			mine = &due[i]
		}
	}
	if mine == nil || mine.Steps&digest.StepStory == 0 {
		t.Fatalf("claimed %+v: article %d with its story step not among them", due, id)
	}
	// The claim is heard of by nobody: the next notification is this
	// article's.
	storeArticle(t, writer, "after-claim")
	if got := next(t, ch); got != "articles" {
		t.Errorf("after a claim and an article: heard %q first, want articles (a claim must not notify)", got)
	}
	left := *mine
	left.Steps = digest.StepStory
	left.NextTry = time.Time{}
	if err := writer.SavePosts(bg, []digest.PendingPost{left}); err != nil {
		t.Fatal(err)
	}
	if got := next(t, ch); got != "posts" {
		t.Errorf("after the steps left changed: heard %q, want posts", got)
	}
	// Saved again with the same steps (a retry later): nothing to hear;
	// an article stored after it is the next notification.
	left.Attempts, left.NextTry, left.LastError = 1, time.Now().Add(time.Hour), "page gone"
	if err := writer.SavePosts(bg, []digest.PendingPost{left}); err != nil {
		t.Fatal(err)
	}
	storeArticle(t, writer, "after-retry")
	if got := next(t, ch); got != "articles" {
		t.Errorf("after a retry with the same steps: heard %q, want articles", got)
	}
}

// TestChangesAccounts: ending a session, revoking a credential and
// changing a user notify "accounts", so that web processes forget the
// sessions and keys they remember (auth.Options.CacheTTL); marking a
// session's or a credential's last use (once a minute per reader) does
// not.
func TestChangesAccounts(t *testing.T) {
	schema := pgtest.FreshSchema(t)
	listener := openDSN(t, schema)
	writer := openDSN(t, schema)
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan string, 100)
	done := make(chan error, 1)
	go func() { done <- listener.Changes(ctx, skipContent(ch)) }()
	t.Cleanup(func() { cancel(); <-done })
	waitListening(t, writer, ch)
	bg := context.Background()
	u := &digest.User{Name: "ada", Role: digest.RoleUser}
	if err := writer.CreateUser(bg, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	ss := &digest.Session{UserID: u.ID, Hash: "h1", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	if err := writer.CreateSession(bg, ss); err != nil {
		t.Fatal(err)
	}
	key := &digest.Credential{UserID: u.ID, Kind: digest.APIKey, Name: "script", Hash: "k1"}
	if err := writer.CreateCredential(bg, key); err != nil {
		t.Fatal(err)
	}
	// Uses are not heard of: the next notification is the article's.
	if err := writer.TouchSession(bg, ss.ID, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := writer.TouchCredential(bg, key.ID, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for got := ""; got != "articles"; {
		storeArticle(t, writer, "after-uses")
		if got = next(t, ch); got != "articles" {
			t.Fatalf("after a session's and a key's use: heard %q, want articles (a use must not notify)", got)
		}
	}
	for _, c := range []struct {
		name  string
		write func() error
	}{
		{"a session ended", func() error { return writer.DeleteSession(bg, u.ID, ss.ID) }},
		{"a key revoked", func() error { return writer.DeleteCredential(bg, u.ID, key.ID) }},
		{"a user changed", func() error { u.Role = digest.RoleAdmin; return writer.UpdateUser(bg, u) }},
		{"a user deleted", func() error { return writer.DeleteUser(bg, u.ID) }},
	} {
		if err := c.write(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := next(t, ch); got != "accounts" {
			t.Errorf("%s: heard %q, want accounts", c.name, got)
		}
	}
}

// TestContentVersion: a read mark made by another process notifies
// "content" and moves ContentVersion; a fetch that changes nothing
// readers see (a feed's fetch state, its title unchanged) does not; the
// version is trusted only while the listener is connected.
func TestContentVersion(t *testing.T) {
	schema := pgtest.FreshSchema(t)
	listener := openDSN(t, schema)
	writer := openDSN(t, schema)
	if _, ok := listener.ContentVersion(); ok {
		t.Fatal("ContentVersion is trusted before anything listens")
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan string, 100)
	done := make(chan error, 1)
	go func() { done <- listener.Changes(ctx, func(what string) { ch <- what }) }()
	waitListening(t, writer, ch)
	for len(ch) > 0 {
		<-ch
	}
	bg := context.Background()
	id := storeArticle(t, writer, "one")
	for got := ""; got != "articles"; got = next(t, ch) {
	}
	quiet(ch) // the same save's sources and states
	v0, ok := listener.ContentVersion()
	if !ok {
		t.Fatal("ContentVersion is not trusted while listening")
	}
	us, _ := writer.Users(bg)
	if _, err := writer.MarkRead(bg, us[0].ID, []int64{id}, true); err != nil {
		t.Fatal(err)
	}
	if got := next(t, ch); got != "content" {
		t.Errorf("after a read mark: heard %q, want content", got)
	}
	if v1, ok := listener.ContentVersion(); !ok || v1 == v0 {
		t.Errorf("ContentVersion after a read mark: %d (ok %v), before %d", v1, ok, v0)
	}
	// A fetch of the same title: nothing readers see; the next
	// notification is the read mark after it.
	feeds, err := writer.Feeds(bg, us[0].ID)
	if err != nil || len(feeds) == 0 {
		t.Fatal(feeds, err)
	}
	f := feeds[0]
	if _, err := writer.SaveFetches(bg, []digest.FetchResult{{FeedID: f.ID, Title: f.Title,
		State: digest.FetchState{LastCheck: time.Now(), NextCheck: time.Now().Add(time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.MarkRead(bg, us[0].ID, []int64{id}, false); err != nil {
		t.Fatal(err)
	}
	if got := next(t, ch); got != "content" {
		t.Errorf("after a fetch and a read mark: heard %q first", got)
	}
	select {
	case got := <-ch:
		t.Errorf("a fetch that changed nothing readers see notified %q", got)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	<-done
	if _, ok := listener.ContentVersion(); ok {
		t.Error("ContentVersion is trusted after the listener stopped")
	}
}

// quiet drops what ch holds until nothing came for 300 ms.
func quiet(ch <-chan string) {
	for {
		select {
		case <-ch:
		case <-time.After(300 * time.Millisecond):
			return
		}
	}
}

// skipContent passes on what Changes hears but "content" (see
// TestContentVersion), which accompanies most writes.
func skipContent(ch chan<- string) func(string) {
	return func(what string) {
		if what != "content" {
			ch <- what
		}
	}
}

// waitListening stores articles through writer until the listener that
// feeds ch hears one: from then on it listens.
func waitListening(t *testing.T, writer *postgres.DB, ch <-chan string) {
	t.Helper()
	for got := ""; got != "articles"; {
		storeArticle(t, writer, "warmup"+time.Now().Format("150405.000000"))
		select {
		case got = <-ch:
		case <-time.After(100 * time.Millisecond):
		}
	}
}
