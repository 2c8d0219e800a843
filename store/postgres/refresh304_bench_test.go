package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// BenchmarkRefresh304 is the store's side of an all-304 refresh: claim
// feeds a batch at a time and save each as not modified (due again at
// once, so that the next claims find work). ns/op is per feed. Its
// figure is the database's work only; ingestbench -only-304 adds HTTP.
func BenchmarkRefresh304(b *testing.B) {
	const feeds, batch = 2000, 320
	ctx := context.Background()
	db := openFresh(b)
	defer db.Close()
	u := &digest.User{Name: "bench"}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	for i := range feeds {
		if err := db.CreateFeed(ctx, u.ID, &digest.Feed{URL: fmt.Sprintf("https://%d.refresh304.example/feed", i)}); err != nil {
			b.Fatal(err)
		}
	}
	results := make([]digest.FetchResult, 0, batch)
	b.ResetTimer()
	for done := 0; done < b.N; {
		now := time.Now()
		fs, err := db.ClaimFeeds(ctx, "bench", now, time.Minute, min(batch, b.N-done))
		if err != nil {
			b.Fatal(err)
		}
		if len(fs) == 0 {
			b.Fatalf("no due feed after %d", done)
		}
		results = results[:0]
		for _, f := range fs {
			st := f.FetchState
			st.ETag, st.LastCheck, st.NextCheck = `"v1"`, now, now
			results = append(results, digest.FetchResult{FeedID: f.ID, State: st})
		}
		if err := db.SaveFetchStates(ctx, results); err != nil {
			b.Fatal(err)
		}
		done += len(fs)
	}
}
