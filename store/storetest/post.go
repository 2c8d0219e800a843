package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// testPostQueue: SaveFetches queues each saved article's post-processing in
// its transaction; DuePosts lists what is due, SavePosts records progress,
// retries and steps given up.
func testPostQueue(t *testing.T, s digest.Store) {
	ctx := context.Background()
	// Far enough ahead of any store clock that rows queued "now" are due.
	now := time.Now().Add(time.Hour).Round(0).Truncate(time.Microsecond)
	due := func(what string, at time.Time, steps digest.PostSteps) ([]digest.PendingPost, time.Time) {
		t.Helper()
		ps, next, err := s.DuePosts(ctx, at, steps, 0)
		if err != nil {
			t.Fatalf("%s: DuePosts: %v", what, err)
		}
		return ps, next
	}
	ids := func(ps []digest.PendingPost) []int64 {
		var out []int64
		for _, p := range ps {
			out = append(out, p.ArticleID)
		}
		slices.Sort(out)
		return out
	}
	a := createFeed(t, s, "https://a.example/feed")
	b := createFeed(t, s, "https://b.example/feed")
	created := save(t, s, fetched(a.ID, entry("p1", 1), entry("p2", 2), entry("p3", 3)))[0].Created
	if len(created) != 3 {
		t.Fatalf("created %v", created)
	}

	ps, next := due("new articles", now, digest.AllSteps)
	if got := ids(ps); !slices.Equal(got, created) {
		t.Fatalf("due after save = %v, want %v", got, created)
	}
	for _, p := range ps {
		if p.Steps != digest.AllSteps || p.Attempts != 0 || p.LastError != "" {
			t.Errorf("new article's post = %+v, want every step, no attempt", p)
		}
	}
	if !next.IsZero() {
		t.Errorf("next = %v with everything due, want zero", next)
	}
	if ps, _ := due("limit", now, digest.AllSteps); len(ps) != 3 {
		t.Fatalf("due = %d", len(ps))
	}
	if ps, _, err := s.DuePosts(ctx, now, digest.AllSteps, 2); err != nil || len(ps) != 2 {
		t.Fatalf("DuePosts limit 2 = %d, %v", len(ps), err)
	}

	// A failed attempt waits for its retry; the others stay due.
	retry := now.Add(time.Hour)
	if err := s.SavePosts(ctx, []digest.PendingPost{{ArticleID: created[0], Steps: digest.StepExtract | digest.StepStory,
		Attempts: 1, NextTry: retry, LastError: "fetch page: 503"}}); err != nil {
		t.Fatal(err)
	}
	ps, next = due("after a failed attempt", now, digest.AllSteps)
	if got := ids(ps); !slices.Equal(got, created[1:]) {
		t.Errorf("due = %v, want %v", got, created[1:])
	}
	if !next.Equal(retry) {
		t.Errorf("next = %v, want the retry %v", next, retry)
	}
	ps, _ = due("at the retry", retry, digest.AllSteps)
	if len(ps) != 3 {
		t.Fatalf("due at the retry = %d, want 3", len(ps))
	}
	i := slices.IndexFunc(ps, func(p digest.PendingPost) bool { return p.ArticleID == created[0] })
	if p := ps[i]; p.Attempts != 1 || p.LastError != "fetch page: 503" || p.Steps != digest.StepExtract|digest.StepStory || !p.NextTry.Equal(retry) {
		t.Errorf("retried post = %+v", p)
	}

	// Steps filter: only the story step is left for created[1].
	if err := s.SavePosts(ctx, []digest.PendingPost{{ArticleID: created[1], Steps: digest.StepStory}}); err != nil {
		t.Fatal(err)
	}
	ps, _ = due("extraction only", retry, digest.StepExtract|digest.StepIcon)
	if got := ids(ps); !slices.Equal(got, []int64{created[0], created[2]}) {
		t.Errorf("due for extraction = %v, want %v", got, []int64{created[0], created[2]})
	}

	// Done: the row goes. A step given up is named on the article.
	if err := s.SavePosts(ctx, []digest.PendingPost{{ArticleID: created[1]}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePosts(ctx, []digest.PendingPost{{ArticleID: created[2], GaveUp: "extract: fetch page: 404 (after 8 attempts)"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.StoredArticle(ctx, created[2])
	if err != nil {
		t.Fatal(err)
	}
	if got.PostError != "extract: fetch page: 404 (after 8 attempts)" {
		t.Errorf("PostError = %q", got.PostError)
	}
	if got, err := s.Article(ctx, uid(t, s), created[2]); err != nil || got.PostError == "" {
		t.Errorf("a reader's article: PostError %q, %v", got.PostError, err)
	}
	v, err := s.Invariants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Pending != 1 || v.PostFailed != 1 {
		t.Errorf("Invariants = %+v, want 1 pending, 1 failed", v)
	}

	// A changed entry queues its story step again, due now, keeping the
	// steps still to do.
	e1, e2 := entry("p1", 1), entry("p2", 2)
	e1.Hash, e1.Text = "hash-p1-v2", "Changed content"
	e2.Hash, e2.Text = "hash-p2-v2", "Changed content"
	updated := save(t, s, fetched(a.ID, e1, e2))[0].Updated
	if len(updated) != 2 {
		t.Fatalf("updated %v", updated)
	}
	ps, _ = due("after a change", now, digest.AllSteps)
	if got := ids(ps); !slices.Equal(got, created[:2]) {
		t.Fatalf("due after a change = %v, want %v", got, created[:2])
	}
	for _, p := range ps {
		want := digest.StepStory
		if p.ArticleID == created[0] {
			want |= digest.StepExtract
		}
		if p.Steps != want {
			t.Errorf("article %d steps = %b, want %b", p.ArticleID, p.Steps, want)
		}
	}

	// A merged copy and removed feeds' articles leave nothing pending;
	// SavePosts of an article gone is no error.
	c := save(t, s, fetched(b.ID, entry("copy", 4)))[0].Created
	if err := s.MergeArticles(ctx, created[0], c[0], created[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePosts(ctx, []digest.PendingPost{{ArticleID: c[0], Steps: digest.StepStory, GaveUp: "story: gone"}}); err != nil {
		t.Errorf("SavePosts of a merged article: %v", err)
	}
	if ps, _ := due("after a merge", now, digest.AllSteps); len(ps) != 2 {
		t.Errorf("due after a merge = %v, want 2", ids(ps))
	}
	for _, f := range []int64{a.ID, b.ID} {
		if err := s.DeleteFeed(ctx, uid(t, s), f); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := s.Invariants(ctx); err != nil || v.Pending != 0 || v.PostFailed != 0 {
		t.Errorf("after removing the feed: Invariants = %+v, %v; want nothing pending or failed", v, err)
	}
}
