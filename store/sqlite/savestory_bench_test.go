package sqlite_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// BenchmarkSaveStory measures what the story sink does for every story a
// batch touches: replace a stored story with its 40 entities (names drawn
// from 4,000, so most already exist) and 8 articles. It reports the CPU
// time per save, which moves less with a shared machine's load than wall
// time.
func BenchmarkSaveStory(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "digest.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const stories, perStory = 200, 8
	ids := make([][]int64, stories)
	for i := range stories {
		st := &digest.Story{Headline: fmt.Sprintf("story %d", i), LastSeen: time.Now()}
		if err := db.SaveStory(ctx, st); err != nil {
			b.Fatal(err)
		}
		ids[i] = []int64{st.ID}
	}
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []digest.EntityKind{digest.Person, digest.Organization, digest.Place, digest.Misc}
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		st := &digest.Story{ID: ids[i%stories][0], Headline: "story", LastSeen: time.Now(), Importance: 1}
		for k := range 40 {
			n := r.IntN(4000)
			st.Entities = append(st.Entities, digest.Entity{Name: fmt.Sprintf("Name%d Family%d", n, k%7), Kind: kinds[n%4], Count: 1 + r.IntN(5)})
		}
		if err := db.SaveStory(ctx, st); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/float64(b.N), "cpu-µs/save")
}
