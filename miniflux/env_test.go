package miniflux_test

import (
	"context"
	"net/http/httptest"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/miniflux"
)

// env is the shared test environment (a real SQLite store, auth, the
// ingest pipeline fetching loopback feeds, users A and B) with the
// Miniflux handler on loopback. A follows alpha ("News") and beta (no
// category); B follows beta and gamma.
type env struct {
	*testenv.Env
	t   testing.TB
	URL string // the server's base URL (Miniflux's endpoint)
	// FeedsA and FeedsB are the IDs of each user's feeds, in the order
	// above.
	FeedsA, FeedsB []int64
}

// feedNames are the test feeds by index: feedURL(0) is alpha's.
var feedNames = []string{"alpha", "beta", "gamma"}

func newEnv(t testing.TB, itemsPerFeed int) *env {
	t.Helper()
	te := testenv.New(t, testenv.Options{Items: itemsPerFeed,
		FeedsA: []string{"alpha", "beta"}, FeedsB: []string{"beta", "gamma"}})
	e := &env{Env: te, t: t}
	for _, f := range te.A.Feeds {
		e.FeedsA = append(e.FeedsA, f.ID)
	}
	for _, f := range te.B.Feeds {
		e.FeedsB = append(e.FeedsB, f.ID)
	}
	srv := httptest.NewServer(miniflux.New(te.Store, te.Pipeline, te.Auth, miniflux.Options{}))
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	return e
}

func (e *env) feedURL(i int) string { return e.FeedURL(feedNames[i]) }

func (e *env) refresh() { e.Refresh(e.t) }

// articles returns the IDs of the articles q selects for the user, oldest
// ID first.
func (e *env) articles(uid int64, q digest.ArticleQuery) []int64 {
	e.t.Helper()
	q.UserID, q.ByID, q.Oldest, q.Limit = uid, true, true, 100_000
	refs, err := e.Store.ArticleRefs(context.Background(), q)
	if err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	return ids
}
