// Command bench1m builds and measures the 1,000,000-article benchmark
// archive (testenv.Newswire) on SQLite or PostgreSQL. It is a tool for
// benchmarks, not part of digest.
//
//	bench1m build -db PATH|postgres://… [-n 1000000] [-corpus ../shared/corpus]
//	bench1m grow -db PATH -n 1000000   (SQLite: enlarge a built archive in SQL; see grow)
//	bench1m creds -db PATH|postgres://… [-creds FILE]
//	bench1m search -db PATH|postgres://… [-rounds 3] [-class word] [-v]
//	bench1m one -db PATH [-relevance] [-rounds 20] [-cpuprofile F] QUERY
//	bench1m sql -db PATH|postgres://… 'EXPLAIN QUERY PLAN …'
//
// build stores the archive through the store's write path (SaveFetches,
// SaveStory: about 250–600 articles/s on the shared machine), then
// writes the users' API keys and session cookies for load tools (JSON:
// user, api_key, cookie; creds writes them again). search runs the mix
// (storetest.NewswireQueries) newest first and by relevance and prints
// p50/p95/p99 of wall and CPU time per class; on PostgreSQL (server on
// this machine) the CPU time adds the server backends' run time
// (serverCPU), steadier than wall time on a loaded machine.
//
// The 1,000,000-article archives of the session-5 figures were made so:
//
//	bench1m build -db news.db -n 1000000   # stopped at 106,000 (1M would take over an hour here)
//	bench1m grow -db news.db -n 1000000    # SQL copies with mixed paragraphs, ~200/s under load
//	digest migrate --from sqlite:BASE.db --to postgres://…/news1m   # the 106,000 base
//	psql -v n=1000000 -f scripts/bench-1m-grow-postgres.sql postgres://…/news1m
//	bench1m creds -db … ; scripts/bench-1m.sh DB CREDS
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/store/storetest"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench1m:", err)
		os.Exit(1)
	}
}

// store is what bench1m needs of a store.
type store interface {
	digest.Store
	Close() error
}

func open(ctx context.Context, db string) (store, error) {
	if postgres.IsDSN(db) {
		return postgres.Open(ctx, db, nil)
	}
	return sqlite.Open(ctx, db, nil)
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: bench1m build|search -db PATH|DSN …")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	db := fs.String("db", "", "SQLite file or postgres:// URL")
	n := fs.Int("n", 1_000_000, "articles to build")
	corpus := fs.String("corpus", "../shared/corpus", "the shared corpus folder")
	creds := fs.String("creds", "", "where build writes the users' credentials (default: DB.creds.json for SQLite)")
	rounds := fs.Int("rounds", 3, "times search runs the mix")
	class := fs.String("class", "", "search: only the classes whose name contains this")
	relevance := fs.Bool("relevance", false, "one: by relevance")
	verbose := fs.Bool("v", false, "search: print each query's first round")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile here")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *db == "" {
		return errors.New("-db is required")
	}
	if args[0] == "sql" {
		return sqlRun(ctx, *db, strings.Join(fs.Args(), " "))
	}
	if args[0] == "grow" {
		if postgres.IsDSN(*db) {
			return errors.New("grow: SQLite only (copy the grown file with digest migrate)")
		}
		return grow(ctx, *db, *n)
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "build":
		return build(ctx, st, *db, *n, *corpus, *creds)
	case "creds":
		return writeCreds(ctx, st, *db, *creds)
	case "one":
		return oneSearch(ctx, st, strings.Join(fs.Args(), " "), *relevance, *rounds)
	case "search":
		return searchMix(ctx, st, *db, *rounds, *class, *verbose)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func build(ctx context.Context, st store, db string, n int, corpus, creds string) error {
	start := time.Now()
	nw := testenv.Newswire{Articles: n, CorpusDir: corpus, Seed: 1, Progress: func(done int) {
		if done%50_000 == 0 || done == n {
			el := time.Since(start)
			slog.Info("built", "articles", done, "elapsed", el.Round(time.Second), "per_s", int(float64(done)/el.Seconds()))
		}
	}}
	if _, err := nw.Build(ctx, st); err != nil {
		return err
	}
	slog.Info("done", "articles", n, "elapsed", time.Since(start).Round(time.Second))
	return writeCreds(ctx, st, db, creds)
}

// writeCreds writes an API key and a session cookie of each of the
// archive's users to creds (JSON), for load tools.
func writeCreds(ctx context.Context, st store, db, creds string) error {
	var users []*digest.User
	for _, name := range testenv.NewswireUsers {
		u, err := st.UserByName(ctx, name)
		if err != nil {
			return err
		}
		users = append(users, u)
	}
	a := auth.New(st, auth.Options{Params: testenv.CheapParams})
	type cred struct {
		User   string `json:"user"`
		APIKey string `json:"api_key"`
		Cookie string `json:"cookie"`
	}
	var cs []cred
	for _, u := range users {
		key, _, err := a.NewCredential(ctx, u, digest.APIKey, "bench1m", 0)
		if err != nil {
			return err
		}
		tok, _, err := a.StartSession(ctx, u, "bench1m", "127.0.0.1")
		if err != nil {
			return err
		}
		cs = append(cs, cred{User: u.Name, APIKey: key, Cookie: "digest_session=" + tok})
	}
	if creds == "" {
		if postgres.IsDSN(db) {
			creds = "bench1m-postgres.creds.json"
		} else {
			creds = db + ".creds.json"
		}
	}
	b, _ := json.MarshalIndent(cs, "", "  ")
	if err := os.WriteFile(creds, b, 0o600); err != nil {
		return err
	}
	slog.Info("credentials", "file", creds)
	return nil
}

func cpuNow() time.Duration { return storetest.CPUTime() }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func searchMix(ctx context.Context, st store, db string, rounds int, class string, verbose bool) error {
	u, err := st.UserByName(ctx, testenv.NewswireUsers[0])
	if err != nil {
		return err
	}
	srv, err := newServerCPU(db)
	if err != nil {
		return err
	}
	if srv != nil {
		defer srv.Close()
		fmt.Println("CPU: this process's and PostgreSQL's backends' (schedstat)")
	}
	fmt.Printf("%-26s %4s | wall ms: %7s %7s %7s %7s | CPU ms: %7s %7s %7s %7s\n", "class", "n", "p50", "p95", "p99", "max", "p50", "p95", "p99", "max")
	for _, c := range storetest.NewswireQueries() {
		for _, relevance := range []bool{false, true} {
			name := c.Class
			if relevance {
				name += "/relevance"
			}
			if class != "" && !strings.Contains(name, class) {
				continue
			}
			wall, cpu, err := timeSearches(ctx, st, srv, u.ID, c.Queries, relevance, rounds)
			if err != nil {
				return err
			}
			if verbose {
				for i, q := range c.Queries {
					fmt.Printf("    %-50s wall %7.1f  cpu %7.1f\n", q, ms(wall[i]), ms(cpu[i]))
				}
			}
			p, pc := storetest.Percentiles(wall), storetest.Percentiles(cpu)
			fmt.Printf("%-26s %4d | wall ms: %7.1f %7.1f %7.1f %7.1f | CPU ms: %7.1f %7.1f %7.1f %7.1f\n", name, len(wall), p[0], p[1], p[2], p[3], pc[0], pc[1], pc[2], pc[3])
		}
	}
	return nil
}

// timeSearches is storetest.TimeSearches with, on PostgreSQL, the CPU
// time of the server's backends (serverCPU) added to this process's.
func timeSearches(ctx context.Context, st store, srv *serverCPU, user int64, queries []string, relevance bool, rounds int) (wall, cpu []time.Duration, err error) {
	if srv == nil {
		return storetest.TimeSearches(ctx, st, user, queries, relevance, rounds)
	}
	for range rounds {
		for _, q := range queries {
			s0, err := srv.Now(ctx)
			if err != nil {
				return nil, nil, err
			}
			t, c := time.Now(), cpuNow()
			if _, err := st.Articles(ctx, digest.ArticleQuery{UserID: user, Search: q, Relevance: relevance}); err != nil {
				return nil, nil, fmt.Errorf("search %q: %w", q, err)
			}
			w, cl := time.Since(t), cpuNow()-c
			s1, err := srv.Now(ctx)
			if err != nil {
				return nil, nil, err
			}
			wall, cpu = append(wall, w), append(cpu, cl+s1-s0)
		}
	}
	return wall, cpu, nil
}
