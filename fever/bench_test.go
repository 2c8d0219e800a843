package fever_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fever"
	"github.com/occasional-digest/digest/internal/testenv"
)

// BenchmarkFever measures Fever calls of user A on a database of
// benchSize articles, three users (go test -run XXX -bench Fever
// ./fever).
func BenchmarkFever(b *testing.B) {
	e := testenv.New(b, testenv.Options{Items: 1, FeedsA: []string{"alpha"}, FeedsB: []string{"beta"}})
	e.Populate(b, testenv.BenchSize())
	srv := httptest.NewServer(fever.New(e.Store, e.Pipeline, e.Auth, fever.Options{}))
	b.Cleanup(srv.Close)
	refs, err := e.Store.ArticleRefs(context.Background(), digest.ArticleQuery{UserID: e.A.ID, ByID: true, Oldest: true, Limit: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	mid := refs[len(refs)/2].ID
	call := func(b *testing.B, query string) {
		resp, err := http.Post(srv.URL+"/fever/?api&"+query, "application/x-www-form-urlencoded", strings.NewReader("api_key="+e.A.FeverKey))
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"auth":1`) {
			b.Fatalf("%s: %d %.200s", query, resp.StatusCode, body)
		}
	}
	for _, c := range []struct{ name, query string }{
		{"items_since_id_mid", "items&since_id=" + strconv.FormatInt(mid, 10)},
		{"items_since_id_0", "items&since_id=0"},
		{"items_max_id_0", "items&max_id=0"},
		{"items_with_ids_50", "items&with_ids=" + joinIDs(refs[len(refs)/3:len(refs)/3+50])},
		{"unread_item_ids", "unread_item_ids"},
		{"feeds_groups", "feeds&groups"},
	} {
		b.Run(c.name, func(b *testing.B) { testenv.Measure(b, func() { call(b, c.query) }) })
	}
	// The store calls of items&since_id, alone, to see where time goes.
	ctx := context.Background()
	for _, c := range []struct {
		name string
		op   func() error
	}{
		{"store_Feeds", func() error { _, err := e.Store.Feeds(ctx, e.A.ID); return err }},
		{"store_Articles_since_id", func() error {
			_, err := e.Store.Articles(ctx, digest.ArticleQuery{UserID: e.A.ID, ByID: true, Oldest: true, AfterID: mid, Limit: 50, WithContent: true})
			return err
		}},
		{"store_RuleJob", func() error { _, err := e.Store.RuleJob(ctx, e.A.ID); return err }}, // total_items' cache key
		{"store_CountArticles_all", func() error {
			_, err := e.Store.CountArticles(ctx, digest.ArticleQuery{UserID: e.A.ID})
			return err
		}},
		{"store_ArticleIDs_unread", func() error {
			_, err := e.Store.ArticleIDs(ctx, digest.ArticleQuery{UserID: e.A.ID, Unread: true, ByID: true, Oldest: true, Limit: 100_000})
			return err
		}},
		{"store_ArticleRefs_unread", func() error {
			_, err := e.Store.ArticleRefs(ctx, digest.ArticleQuery{UserID: e.A.ID, Unread: true, ByID: true, Oldest: true, Limit: 100_000})
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

func joinIDs(refs []digest.ArticleRef) string {
	s := make([]string, len(refs))
	for i, r := range refs {
		s[i] = strconv.FormatInt(r.ID, 10)
	}
	return strings.Join(s, ",")
}
