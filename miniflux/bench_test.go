package miniflux_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/miniflux"
)

// BenchmarkMiniflux measures Miniflux calls of user A (API key) on a
// database of benchSize articles, three users (go test -run XXX -bench
// Miniflux ./miniflux).
func BenchmarkMiniflux(b *testing.B) {
	e := testenv.New(b, testenv.Options{Items: 1, FeedsA: []string{"alpha"}, FeedsB: []string{"beta"}})
	e.Populate(b, testenv.BenchSize())
	srv := httptest.NewServer(miniflux.New(e.Store, e.Pipeline, e.Auth, miniflux.Options{}))
	b.Cleanup(srv.Close)
	fs, err := e.Store.Feeds(context.Background(), e.A.ID)
	if err != nil {
		b.Fatal(err)
	}
	call := func(b *testing.B, path string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("X-Auth-Token", e.A.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d %.200s", path, resp.StatusCode, body)
		}
	}
	feed := strconv.FormatInt(fs[len(fs)/2].ID, 10)
	for _, c := range []struct{ name, path string }{
		{"entries_unread_limit100", "/v1/entries?status=unread&limit=100"},
		{"entries_unread_limit100_desc", "/v1/entries?status=unread&limit=100&direction=desc"},
		{"entries_starred", "/v1/entries?starred=true&limit=100"},
		{"entries_after_entry_id", "/v1/entries?after_entry_id=100000&order=id&limit=100"},
		{"feed_entries_unread", "/v1/feeds/" + feed + "/entries?status=unread&limit=100&direction=desc"},
		{"feed_entries_newsboat", "/v1/feeds/" + feed + "/entries?order=published_at&direction=desc&limit=100"},
		{"entries_all_limit100", "/v1/entries?limit=100&direction=desc"},
		{"feeds", "/v1/feeds"},
		{"categories_counts", "/v1/categories?counts=true"},
		{"feeds_counters", "/v1/feeds/counters"},
	} {
		b.Run(c.name, func(b *testing.B) { testenv.Measure(b, func() { call(b, c.path) }) })
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		op   func() error
	}{
		{"store_Articles_unread_100_oldest", func() error {
			_, err := e.Store.Articles(ctx, digest.ArticleQuery{UserID: e.A.ID, Unread: true, Oldest: true, Limit: 100, WithContent: true})
			return err
		}},
		{"store_Articles_unread_100_newest", func() error {
			_, err := e.Store.Articles(ctx, digest.ArticleQuery{UserID: e.A.ID, Unread: true, Limit: 100, WithContent: true})
			return err
		}},
		{"store_CountArticles_unread", func() error {
			_, err := e.Store.CountArticles(ctx, digest.ArticleQuery{UserID: e.A.ID, Unread: true})
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			testenv.Measure(b, func() {
				if err := c.op(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
