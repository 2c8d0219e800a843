package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/postgres"
)

// runPostgres measures the first refresh on PostgreSQL with procs worker
// pipelines, each with its own connections and client as a worker process
// has, sharing the feeds through leases. The database gets a schema of
// its own, dropped at the end.
func runPostgres(cfg config, farmDir, dsn string, procs, feeds, items, perHost, workers int) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "digest-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	farmURL, stopFarm, err := startFarm(ctx, farmDir, tmp, feeds, items)
	if err != nil {
		return err
	}
	defer stopFarm()

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var b [4]byte
	rand.Read(b[:])
	schema := "ingestbench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "DROP SCHEMA "+schema+" CASCADE")
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()

	var stores []*postgres.DB
	var ps []*ingest.Pipeline
	for i := range procs {
		st, err := postgres.Open(ctx, u.String(), slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		defer st.Close()
		opts := cfg.ingest
		opts.Shared = true
		opts.Owner = fmt.Sprintf("bench-%d", i)
		stores = append(stores, st)
		ps = append(ps, ingest.New(st, fetch.New(fetch.Options{PerHost: perHost, AllowPrivate: true}), opts))
	}
	resp, err := http.Get(farmURL + "/opml")
	if err != nil {
		return err
	}
	bench := &digest.User{Name: "bench"}
	if err := stores[0].CreateUser(ctx, bench); err != nil {
		return err
	}
	n, problems, err := ps[0].ImportOPML(ctx, bench.ID, resp.Body)
	resp.Body.Close()
	if err != nil || len(problems) > 0 {
		return fmt.Errorf("import: %d problems, %v", len(problems), err)
	}
	fmt.Printf("imported %d feeds into PostgreSQL; %d worker pipelines, per-host limit %d, %d workers each, GOMAXPROCS %d\n",
		n, procs, perHost, workers, runtime.GOMAXPROCS(0))
	farmStats(farmURL, true)
	cpu0 := cpuTime()
	t0 := time.Now()
	for _, p := range ps {
		p.Start(ctx)
		defer p.Close()
	}
	fetched := func() (sum int64) {
		for _, p := range ps {
			sum += p.Stats().Fetched
		}
		return sum
	}
	for fetched() < int64(n) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, p := range ps {
		if err := p.WaitIdle(ctx, 10*time.Minute); err != nil {
			return err
		}
	}
	d := time.Since(t0)
	cpu := cpuTime() - cpu0
	fs := farmStats(farmURL, false)
	var per []int64
	var created, batches int64
	for _, p := range ps {
		s := p.Stats()
		per = append(per, s.Fetched)
		created += s.Created
		batches += s.Batches
	}
	fmt.Printf("first refresh          %6d feeds in %7.2fs = %7.0f feeds/s (process CPU %.1fs); fetched per pipeline %v; farm 200: %v, new %d, transactions %d, peak RSS %s\n",
		fetched(), d.Seconds(), float64(fetched())/d.Seconds(), cpu.Seconds(), per, fs["feed_200"], created, batches, peakRSS())
	stored, err := countArticles(ctx, stores[0])
	if err != nil {
		return err
	}
	truth, err := countTruth(farmURL)
	if err != nil {
		return err
	}
	fmt.Printf("stored articles: %d, farm items served: %d, lost: %d\n", stored, truth, truth-stored)
	return nil
}
