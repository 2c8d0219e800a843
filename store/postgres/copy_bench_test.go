package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/pgtest"
	"github.com/occasional-digest/digest/store/postgres"
)

// BenchmarkSaveNewArticles saves batches of 20 feeds of 20 new entries
// (about 100 words each, as the feed farm's) with the rows of new
// articles copied (Dialect.CopyRows) and inserted by multi-row
// statements, and reports this process's CPU time and the database
// server's (its backends on this machine, by /proc) per batch.
func BenchmarkSaveNewArticles(b *testing.B) {
	for _, mode := range []string{"copy", "insert", "copy-again", "insert-again"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			app := "bench_save_" + strconv.Itoa(os.Getpid()) + "_" + strings.ReplaceAll(mode, "-", "_")
			dsn := pgtest.WithParam(b, pgtest.FreshSchema(b), "application_name", app)
			d := postgres.Dialect()
			if strings.HasPrefix(mode, "insert") {
				d.CopyRows = nil
			}
			db := storeWithDialect(b, dsn, d)
			u := &digest.User{Name: "bench"}
			if err := db.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
			var feeds []int64
			for i := range 20 {
				f := &digest.Feed{URL: fmt.Sprintf("https://bench%d.example/feed", i)}
				if err := db.CreateFeed(ctx, u.ID, f); err != nil {
					b.Fatal(err)
				}
				feeds = append(feeds, f.ID)
			}
			words := strings.Fields("the harbour crane collapsed on monday as workers said the port authority would review safety rules after storms hit the northern coast and officials counted damage to ships roads bridges and homes while residents waited for power to return")
			r := rand.New(rand.NewPCG(1, 2))
			text := func(n int) string {
				var s strings.Builder
				for i := range n {
					if i > 0 {
						s.WriteByte(' ')
					}
					s.WriteString(words[r.IntN(len(words))])
				}
				return s.String()
			}
			backend := func() time.Duration {
				conn, err := pgx.Connect(ctx, pgtest.DSN(b))
				if err != nil {
					b.Fatal(err)
				}
				defer conn.Close(ctx)
				rows, _ := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
				pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
				if err != nil {
					b.Fatal(err)
				}
				var total time.Duration
				for _, pid := range pids {
					if s, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
						f := strings.Fields(string(s[strings.LastIndexByte(string(s), ')')+1:]))
						ut, _ := strconv.ParseInt(f[11], 10, 64)
						st, _ := strconv.ParseInt(f[12], 10, 64)
						total += time.Duration(ut+st) * 10 * time.Millisecond
					}
				}
				return total
			}
			cpu := func() time.Duration {
				var ru syscall.Rusage
				syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
				return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
			n := 0
			batch := func() []digest.FetchResult {
				now := time.Now()
				var rs []digest.FetchResult
				for _, id := range feeds {
					res := digest.FetchResult{FeedID: id, State: digest.FetchState{LastCheck: now, NextCheck: now.Add(time.Hour)}}
					for range 20 {
						n++
						res.Entries = append(res.Entries, digest.Entry{GUID: strconv.Itoa(n), URL: fmt.Sprintf("https://bench.example/%d", n),
							Title: text(8), Summary: text(100), Text: text(100), Hash: "h", Published: now})
					}
					rs = append(rs, res)
				}
				return rs
			}
			// Ten batches first, so that both modes save into tables
			// of some size.
			for range 10 {
				if _, err := db.SaveFetches(ctx, batch()); err != nil {
					b.Fatal(err)
				}
			}
			var spent, dbSpent time.Duration
			for b.Loop() {
				rs := batch()
				c0, d0 := cpu(), backend()
				if _, err := db.SaveFetches(ctx, rs); err != nil {
					b.Fatal(err)
				}
				spent += cpu() - c0
				dbSpent += backend() - d0
			}
			b.ReportMetric(float64(spent.Microseconds())/1000/float64(b.N), "proc-ms/op")
			b.ReportMetric(float64(dbSpent.Microseconds())/1000/float64(b.N), "db-ms/op")
		})
	}
}
