package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
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
	if cfg.only304 && !cfg.bulkFeeds {
		return fmt.Errorf("-only-304 needs -bulk-feeds")
	}
	farmURL, stopFarm, farmPID, err := startFarm(ctx, farmDir, tmp, feeds, items, !cfg.only304)
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
	// The server processes of the run's connections are found by name,
	// to count their CPU time (see backendCPU).
	q.Set("application_name", schema)
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
	bench := &digest.User{Name: "bench"}
	if err := stores[0].CreateUser(ctx, bench); err != nil {
		return err
	}
	var n int
	if cfg.bulkFeeds {
		// The farm's feeds and the subscriptions written by one statement
		// each: an OPML import of 50,000 feeds takes most of an hour
		// here, and only the refreshes are measured.
		if !cfg.only304 {
			if _, err := conn.Exec(ctx, `INSERT INTO `+schema+`.feeds (url, created, fetch_mode)
				SELECT $1 || '/feed/' || i || '.xml', 1, 'never' FROM generate_series(0, $2 - 1) i`, farmURL, feeds); err != nil {
				return err
			}
		} else {
			// The validators a first refresh would have stored: the farm
			// (seed 1, no tick) tags feed i "ff1-i-v0". The feeds are due
			// only when the all-304 phase schedules them.
			if _, err := conn.Exec(ctx, `INSERT INTO `+schema+`.feeds (url, created, fetch_mode, etag, last_check, next_check, interval_ns)
				SELECT $1 || '/feed/' || i || '.xml', 1, 'never', '"ff1-' || i || '-v0"', 1, $3, $4
				FROM generate_series(0, $2 - 1) i`, farmURL, feeds, time.Now().Add(time.Hour).UnixMicro(), int64(time.Hour)); err != nil {
				return err
			}
		}
		if _, err := conn.Exec(ctx, `INSERT INTO `+schema+`.subscriptions (user_id, feed_id, created, fetch_mode)
			SELECT $1, id, 1, 'never' FROM `+schema+`.feeds`, bench.ID); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, `ANALYZE `+schema+`.feeds, `+schema+`.subscriptions`); err != nil {
			return err
		}
		n = feeds
	} else {
		resp, err := http.Get(farmURL + "/opml")
		if err != nil {
			return err
		}
		var problems []string
		n, problems, err = importOPML(ctx, ps[0], bench.ID, resp.Body)
		resp.Body.Close()
		if err != nil || len(problems) > 0 {
			return fmt.Errorf("import: %d problems, %v", len(problems), err)
		}
	}
	fmt.Printf("imported %d feeds into PostgreSQL; %d worker pipelines, per-host limit %d, %d workers each, GOMAXPROCS %d\n",
		n, procs, perHost, workers, runtime.GOMAXPROCS(0))
	fetched := func() (sum int64) {
		for _, p := range ps {
			sum += p.Stats().Fetched
		}
		return sum
	}
	for _, p := range ps {
		p.Start(ctx)
		defer p.Close()
	}
	// phase runs start, then waits until the pipelines together fetched
	// want feeds more and have saved them, and prints the figures: wall
	// time, this process's CPU and the CPU of the database server's
	// processes serving the run's connections.
	phase := func(name string, want int64, start func() error) error {
		before := make([]ingest.StatsSnapshot, len(ps))
		for i, p := range ps {
			before[i] = p.Stats()
		}
		farmStats(farmURL, true)
		cpu0, db0, farm0 := cpuTime(), backendCPU(ctx, conn, schema), procCPU(farmPID)
		t0 := time.Now()
		if err := start(); err != nil {
			return err
		}
		for fetched()-sum(before) < want {
			time.Sleep(10 * time.Millisecond)
		}
		for _, p := range ps {
			if err := p.WaitIdle(ctx, 10*time.Minute); err != nil {
				return err
			}
		}
		d := time.Since(t0)
		cpu, db, farm := cpuTime()-cpu0, backendCPU(ctx, conn, schema)-db0, procCPU(farmPID)-farm0
		fs := farmStats(farmURL, false)
		var per []int64
		var created, batches int64
		for i, p := range ps {
			s := p.Stats()
			per = append(per, s.Fetched-before[i].Fetched)
			created += s.Created - before[i].Created
			batches += s.Batches - before[i].Batches
		}
		got := fetched() - sum(before)
		fmt.Printf("%-22s %6d feeds in %7.2fs = %7.0f feeds/s (CPU: process %.1fs, database %.1fs, %.0f feeds per CPU-s; farm %.1fs); fetched per pipeline %v; farm 200: %v, 304: %v, new connections %v, new %d, transactions %d, peak RSS %s\n",
			name, got, d.Seconds(), float64(got)/d.Seconds(), cpu.Seconds(), db.Seconds(), float64(got)/(cpu+db).Seconds(), farm.Seconds(), per, fs["feed_200"], fs["feed_304"], fs["new_conns"], created, batches, peakRSS())
		return nil
	}
	if !cfg.only304 {
		if err := phase("first refresh", int64(n), func() error { return nil }); err != nil {
			return err
		}
		stored, err := countArticles(ctx, stores[0])
		if err != nil {
			return err
		}
		truth, err := countTruth(farmURL)
		if err != nil {
			return err
		}
		fmt.Printf("stored articles: %d, farm items served: %d, lost: %d\n", stored, truth, truth-stored)
		if cfg.firstOnly {
			return nil
		}
	}
	// Every feed due again: the pipelines claim them through their leases.
	for range cfg.rounds304 {
		err := phase("all-304 refresh", int64(n), func() error {
			t0 := time.Now()
			if err := stores[0].ScheduleNow(ctx); err != nil {
				return err
			}
			fmt.Printf("(every feed made due by one UPDATE in %.2fs, counted in the phase)\n", time.Since(t0).Seconds())
			for _, p := range ps {
				p.Nudge()
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func sum(s []ingest.StatsSnapshot) (n int64) {
	for _, x := range s {
		n += x.Fetched
	}
	return n
}

// backendCPU returns the CPU time the database server's processes serving
// connections named app have used (they run on this machine), read from
// /proc; 0 when it cannot be read.
func backendCPU(ctx context.Context, conn *pgx.Conn, app string) time.Duration {
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil {
		return 0
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, pid := range pids {
		total += procCPU(int(pid))
	}
	return total
}

// procCPU returns the CPU time process pid has used, read from /proc; 0
// when it cannot be read.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command's closing parenthesis; utime and stime
	// are the 14th and 15th of the line, in clock ticks (100 a second
	// on Linux).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

// importOPML imports an OPML document with p and returns the number of
// feeds and the problems as text.
func importOPML(ctx context.Context, p *ingest.Pipeline, user int64, r io.Reader) (int, []string, error) {
	n, problems, err := p.ImportOPML(ctx, user, r)
	var out []string
	for _, pr := range problems {
		out = append(out, fmt.Sprint(pr))
	}
	return n, out, err
}
