package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// The entity benchmark database: 10,000 stories naming 8 entities each,
// drawn from 40,000 people and 4,000 organisations, with NATO in every
// fifth story (under two spellings) and Xi Jinping in one in twenty (one
// in fifty says only "Xi").
const (
	entityBenchStories = 10000
	entityBenchFirst   = 200
	entityBenchLast    = 200
	entityBenchOrgs    = 4000
)

var entityBench struct {
	once sync.Once
	path string
	err  error
}

func entityBenchDB(b *testing.B) string {
	b.Helper()
	entityBench.once.Do(func() {
		if p := os.Getenv("DIGEST_BENCH_ENTITY_DB"); p != "" {
			// Kept between runs: made once, reused while it exists.
			entityBench.path = p
			if _, err := os.Stat(p); err == nil {
				return
			}
			entityBench.err = fillEntityBench(p)
			return
		}
		bench.mu.Lock()
		if bench.dir == "" {
			bench.dir, entityBench.err = os.MkdirTemp("", "digest-store-bench-")
		}
		dir := bench.dir
		bench.mu.Unlock()
		if entityBench.err != nil {
			return
		}
		entityBench.path = filepath.Join(dir, "entities.db")
		start := time.Now()
		entityBench.err = fillEntityBench(entityBench.path)
		b.Logf("populated %s in %v", entityBench.path, time.Since(start))
	})
	if entityBench.err != nil {
		b.Fatal(entityBench.err)
	}
	return entityBench.path
}

func fillEntityBench(path string) error {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	// The reader sees one article of each story.
	u := &digest.User{Name: "bench"}
	if err := db.CreateUser(ctx, u); err != nil {
		return err
	}
	if u.ID != benchUser {
		return fmt.Errorf("bench user has ID %d, want %d", u.ID, benchUser)
	}
	f := &digest.Feed{URL: "https://outlet.example/feed"}
	if err := db.CreateFeed(ctx, benchUser, f); err != nil {
		return err
	}
	res := digest.FetchResult{FeedID: f.ID}
	for i := range entityBenchStories {
		u := fmt.Sprintf("https://outlet.example/%d", i)
		res.Entries = append(res.Entries, digest.Entry{GUID: u, URL: u, Title: fmt.Sprint("Article ", i),
			Published: benchBase.Add(time.Duration(i) * time.Minute), Hash: u})
	}
	saved, err := db.SaveFetches(ctx, []digest.FetchResult{res})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range entityBenchStories {
		st := &digest.Story{Headline: fmt.Sprintf("Story %d", i), LastSeen: benchBase.Add(time.Duration(i) * time.Minute),
			ArticleIDs: []int64{saved[0].Created[i]}}
		for range 4 {
			st.Entities = append(st.Entities, digest.Entity{Kind: digest.Person, Count: 1 + rng.IntN(3),
				Name: fmt.Sprintf("Firstname%d Lastname%d", rng.IntN(entityBenchFirst), rng.IntN(entityBenchLast))})
		}
		for range 3 {
			st.Entities = append(st.Entities, digest.Entity{Kind: digest.Organization, Count: 1, Name: fmt.Sprintf("Company %d", rng.IntN(entityBenchOrgs))})
		}
		st.Entities = append(st.Entities, digest.Entity{Kind: digest.Place, Count: 1, Name: fmt.Sprintf("Town%d", rng.IntN(500))})
		switch {
		case i%10 == 0:
			st.Entities = append(st.Entities, digest.Entity{Kind: digest.Organization, Count: 2, Name: "NATO"})
		case i%10 == 5:
			st.Entities = append(st.Entities, digest.Entity{Kind: digest.Organization, Count: 1, Name: "Nato"})
		}
		switch {
		case i%20 == 1:
			st.Entities = append(st.Entities, digest.Entity{Kind: digest.Person, Count: 3, Name: "Xi Jinping"})
		case i%50 == 2:
			st.Entities = append(st.Entities, digest.Entity{Kind: digest.Person, Count: 1, Name: "Xi"})
		}
		if err := db.SaveStory(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkEntityStories (DIGEST_BENCH_ENTITY_DB=path keeps the database
// for later runs) looks up entity pages in a store of 10,000
// stories and about 44,000 entities.
func BenchmarkEntityStories(b *testing.B) {
	db, err := sqlite.Open(context.Background(), entityBenchDB(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		name string
		kind digest.EntityKind
		ask  string
	}{
		{"person_rare_exact", digest.Person, "Firstname7 Lastname11"},
		{"person_rare_lowercase", digest.Person, "firstname7 lastname11"},
		{"org_hot_exact", digest.Organization, "NATO"},
		{"org_hot_other_spelling", digest.Organization, "Nato"},
		{"person_one_word_alias", digest.Person, "Xi"},
		{"person_full_name_with_alias", digest.Person, "Xi Jinping"},
		{"surname_of_200_people_not_stored_alone", digest.Person, "Lastname11"},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				_, list, err := db.EntityStories(ctx, benchUser, c.kind, c.ask, 50)
				if err != nil && !digest.IsNotFound(err) || err == nil && len(list) == 0 {
					b.Fatalf("%s: %d stories, %v", c.ask, len(list), err)
				}
			}
		})
	}
}

// BenchmarkRefreshEntityKeys is the start-up cost after an upgrade that
// changed the key function: every entity of the benchmark database
// (about 30,000) keyed again and compared.
func BenchmarkRefreshEntityKeys(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, entityBenchDB(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+entityBenchDB(b))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	for b.Loop() {
		if _, err := raw.Exec(`UPDATE entity_keys_version SET fingerprint = 'older'`); err != nil {
			b.Fatal(err)
		}
		if _, err := sqlstore.RefreshEntityKeys(ctx, raw, sqlite.Dialect()); err != nil {
			b.Fatal(err)
		}
	}
}
