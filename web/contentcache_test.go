package web

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// countingStore counts the pages of articles the server reads, and tells
// the data version of the store under it (SQLite's).
type countingStore struct {
	digest.Store
	pages atomic.Int64
}

func (s *countingStore) Articles(ctx context.Context, q digest.ArticleQuery) (*digest.ArticlePage, error) {
	s.pages.Add(1)
	return s.Store.Articles(ctx, q)
}

func (s *countingStore) DataVersion(ctx context.Context) (int64, error) {
	return s.Store.(interface {
		DataVersion(ctx context.Context) (int64, error)
	}).DataVersion(ctx)
}

// notifiedStore tells a content version as postgres.DB does: a number
// moved by the notifications heard, trusted while live.
type notifiedStore struct {
	*countingStore
	v    atomic.Uint64
	live atomic.Bool
}

func (s *notifiedStore) ContentVersion() (uint64, bool) { return s.v.Load(), s.live.Load() }

// over makes fx's server read through st.
func (fx *fixture) over(st digest.Store) {
	fx.server = New(Config{Now: func() time.Time { return baseTime }, PageSize: 10}, st, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
}

// readState returns the read flag of article id in the API's first page.
func readState(t *testing.T, fx *fixture, id int64) bool {
	t.Helper()
	w := fx.do(t, "GET", "/api/v1/articles", "")
	var page digest.ArticlePage
	if err := json.Unmarshal(w.Body.Bytes(), &page); w.Code != 200 || err != nil {
		t.Fatalf("GET /api/v1/articles = %d, %v", w.Code, err)
	}
	for _, a := range page.Articles {
		if a.ID == id {
			return a.Read
		}
	}
	t.Fatalf("article %d is not on the page", id)
	return false
}

func TestArticlePagesAreReadAgainAfterEveryChange(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	st := &countingStore{Store: fx.store}
	fx.over(st)
	id := fx.articleIDs["budget"]
	ctx := context.Background()
	if readState(t, fx, id) || readState(t, fx, id) {
		t.Fatal("budget is read before anyone read it")
	}
	if n := st.pages.Load(); n != 1 {
		t.Errorf("two identical requests read %d pages, want 1 (nothing changed between)", n)
	}
	// Another connection (another process) commits: SQLite's data
	// version moves, and the page is read again.
	if _, err := fx.store.MarkRead(ctx, fx.uid, []int64{id}, true); err != nil {
		t.Fatal(err)
	}
	if !readState(t, fx, id) {
		t.Error("a read mark committed by another connection is not shown")
	}
	// Through the server: shown at once, on the river too.
	if w := fx.form(t, "/articles/"+strconv.FormatInt(id, 10)+"/unread", url.Values{"return": {"/"}}); w.Code != 303 {
		t.Fatalf("mark unread = %d", w.Code)
	}
	if readState(t, fx, id) {
		t.Error("marked unread through the server, still shown read")
	}
	// A different page is its own entry.
	before := st.pages.Load()
	fx.do(t, "GET", "/api/v1/articles?limit=2", "")
	fx.do(t, "GET", "/api/v1/articles?limit=2", "")
	if n := st.pages.Load() - before; n != 1 {
		t.Errorf("another page read %d times, want 1", n)
	}
	// A kept page answers the bytes the store's page encodes to.
	want, err := fx.store.Articles(ctx, digest.ArticleQuery{UserID: fx.uid, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	for i := 0; i < 2; i++ {
		w := fx.do(t, "GET", "/api/v1/articles?limit=2", "")
		if got := w.Body.String(); got != string(wantJSON)+"\n" || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("kept page, request %d: %s %q, want %q", i, w.Header().Get("Content-Type"), got, wantJSON)
		}
	}
	// Searches are never kept (their words may name relative dates).
	before = st.pages.Load()
	fx.do(t, "GET", "/api/v1/articles?q=budget", "")
	fx.do(t, "GET", "/api/v1/articles?q=budget", "")
	if n := st.pages.Load() - before; n != 2 {
		t.Errorf("a search read %d times for two requests, want 2", n)
	}
}

func TestArticlePagesFollowTheNotifiedVersion(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	st := &notifiedStore{countingStore: &countingStore{Store: fx.store}}
	fx.over(st)
	id := fx.articleIDs["budget"]
	ctx := context.Background()
	// Not listening: nothing is kept.
	readState(t, fx, id)
	readState(t, fx, id)
	if n := st.pages.Load(); n != 2 {
		t.Errorf("with no live version, two requests read %d pages, want 2", n)
	}
	st.live.Store(true)
	readState(t, fx, id)
	readState(t, fx, id)
	if n := st.pages.Load(); n != 3 {
		t.Errorf("with a live version, two requests read %d pages, want 1", n-2)
	}
	// Another process's change counts once heard.
	if _, err := fx.store.MarkRead(ctx, fx.uid, []int64{id}, true); err != nil {
		t.Fatal(err)
	}
	st.v.Add(1)
	if !readState(t, fx, id) {
		t.Error("a change heard of is not shown")
	}
	// This server's own write counts at once, before any notification.
	if w := fx.form(t, "/articles/"+strconv.FormatInt(id, 10)+"/unread", url.Values{"return": {"/"}}); w.Code != 303 {
		t.Fatalf("mark unread = %d", w.Code)
	}
	if readState(t, fx, id) {
		t.Error("marked unread through this server, still shown read until a notification")
	}
	// The river's items, written once per kept page, follow too.
	isRead := func() bool {
		w := fx.do(t, "GET", "/", "")
		i := strings.Index(w.Body.String(), `data-id="`+strconv.FormatInt(id, 10)+`"`)
		if w.Code != 200 || i < 0 {
			t.Fatalf("river = %d, budget found at %d", w.Code, i)
		}
		start := strings.LastIndex(w.Body.String()[:i], "<li class=\"item")
		return strings.Contains(w.Body.String()[start:i], "is-read")
	}
	if isRead() || isRead() {
		t.Fatal("the river shows budget read")
	}
	if _, err := fx.store.MarkRead(ctx, fx.uid, []int64{id}, true); err != nil {
		t.Fatal(err)
	}
	st.v.Add(1)
	if !isRead() {
		t.Error("the river's items did not follow a change heard of")
	}
	// A saved search made through the server is listed at once.
	if w := fx.form(t, "/searches", url.Values{"name": {"Harbour news"}, "q": {"harbour"}}); w.Code != 303 {
		t.Fatalf("save search = %d", w.Code)
	}
	if w := fx.do(t, "GET", "/", ""); !strings.Contains(w.Body.String(), "Harbour news") {
		t.Error("a saved search is not listed on the next page")
	}
}
