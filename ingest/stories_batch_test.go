package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/internal/pgtest"
	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/story"
)

// batchStore counts how the story sink saves stories: one at a time
// (SaveStory) or a batch in one transaction (SaveStories), which fails
// while failBatches is above zero.
type batchStore struct {
	digest.Store
	batch interface {
		SaveStories(context.Context, []*digest.Story) error
	}
	singles     int
	batches     int
	failBatches int
}

func (s *batchStore) SaveStory(ctx context.Context, st *digest.Story) error {
	s.singles++
	return s.Store.SaveStory(ctx, st)
}

func (s *batchStore) SaveStories(ctx context.Context, sts []*digest.Story) error {
	s.batches++
	if s.failBatches > 0 {
		s.failBatches--
		return errors.New("batch refused")
	}
	return s.batch.SaveStories(ctx, sts)
}

// TestStoryBatchIsOneCommit: a batch of story steps that makes several
// stories saves them in one transaction (each commit makes the readers'
// kept pages stale), and when that fails, one at a time: every article
// ends in its story either way. On SQLite and, with
// DIGEST_TEST_POSTGRES, PostgreSQL.
func TestStoryBatchIsOneCommit(t *testing.T) {
	type opened struct {
		name string
		open func(t *testing.T) digest.Store
	}
	stores := []opened{{"sqlite", func(t *testing.T) digest.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}}, {"postgres", func(t *testing.T) digest.Store {
		db, err := postgres.Open(context.Background(), pgtest.FreshSchema(t), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}}}
	for _, o := range stores {
		for _, fail := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s/batch failures %d", o.name, fail), func(t *testing.T) {
				ctx := context.Background()
				db := o.open(t)
				mustReader(t, db)
				st := &batchStore{Store: db, batch: db.(interface {
					SaveStories(context.Context, []*digest.Story) error
				}), failBatches: fail}
				f := &digest.Feed{URL: "https://wire.example/feed", Title: "Wire"}
				if err := st.CreateFeed(ctx, reader, f); err != nil {
					t.Fatal(err)
				}
				res, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: quakeWire(3)}})
				if err != nil {
					t.Fatal(err)
				}
				ids := res[0].Created
				sink := ingest.NewStories(st, story.DefaultOptions(), nil)
				if err := sink.Add(ctx, ids); err != nil {
					t.Fatal(err)
				}
				stories := map[int64]bool{}
				for _, id := range ids {
					a, err := st.Article(ctx, reader, id)
					if err != nil {
						t.Fatal(err)
					}
					if a.StoryID == 0 {
						t.Fatalf("article %d has no story", id)
					}
					stories[a.StoryID] = true
				}
				if len(stories) != 2 {
					t.Fatalf("%d stories, want the two quakes'", len(stories))
				}
				if fail == 0 && (st.batches != 1 || st.singles != 0) {
					t.Errorf("%d batches and %d single saves, want the batch's stories in one", st.batches, st.singles)
				}
				if fail > 0 && (st.batches != 1 || st.singles != 2) {
					t.Errorf("%d batches and %d single saves, want one failed batch then each story alone", st.batches, st.singles)
				}
			})
		}
	}
}

// TestSaveStoriesIsAllOrNothing: a batch that replaces a missing story
// saves none of its stories and gives none an ID.
func TestSaveStoriesIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 5, 16, 8, 0, 0, 0, time.UTC)
	fresh := &digest.Story{Headline: "new", FirstSeen: now, LastSeen: now}
	gone := &digest.Story{ID: 999, Headline: "gone", FirstSeen: now, LastSeen: now}
	if err := db.SaveStories(ctx, []*digest.Story{fresh, gone}); !digest.IsNotFound(err) {
		t.Fatalf("SaveStories with a missing story: %v, want ENOTFOUND", err)
	}
	if fresh.ID != 0 {
		t.Errorf("the new story got ID %d from a batch that failed", fresh.ID)
	}
	if v, err := db.Invariants(ctx); err != nil || v.Stories != 0 {
		t.Errorf("after a failed batch: %+v, %v; want no story", v, err)
	}
	other := &digest.Story{Headline: "other", FirstSeen: now, LastSeen: now}
	if err := db.SaveStories(ctx, []*digest.Story{fresh, other}); err != nil {
		t.Fatal(err)
	}
	if fresh.ID == 0 || other.ID == 0 || fresh.ID == other.ID {
		t.Errorf("IDs %d and %d", fresh.ID, other.ID)
	}
}
