// Command ingest benchmarks the ingest pipeline and the reader against the
// feed farm of ../shared/tools/feedfarm, as the foundation issue measures
// the peers: first full refresh, all-304 refresh, a tick that changes a
// fraction of the feeds, then the river page and the article list API
// with everything stored, and the process's peak memory.
//
//	go run ./cmd/ingestbench -feeds 10000 -per-host 64 -workers 64
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	rtrace "runtime/trace"
	"sort"
	"strings"
	"syscall"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/web"
)

func main() {
	var (
		feeds    = flag.Int("feeds", 10000, "farm feeds")
		items    = flag.Int("items", 20, "items per feed")
		perHost  = flag.Int("per-host", 64, "concurrent fetches per host (all farm feeds share one host)")
		workers  = flag.Int("workers", 64, "fetch workers")
		farmDir  = flag.String("farm", "../shared/tools/feedfarm", "feedfarm source folder")
		requests = flag.Int("requests", 200, "requests per page for the latency figures")
		cpuprof  = flag.String("cpuprofile", "", "write a CPU profile of the refresh phases to this file")
		trace    = flag.String("trace", "", "write an execution trace of the first refresh to this file")
		batchB   = flag.Int64("batch-bytes", 0, "ingest.Options.BatchBytes (0: the default)")
		pendingB = flag.Int64("pending-bytes", 0, "ingest.Options.PendingBytes (0: the default)")
		batchN   = flag.Int("batch", 500, "ingest.Options.BatchSize")
		wcache   = flag.Int("write-cache", 0, "sqlite.Options.WriteCacheKiB (0: the default)")
		rcache   = flag.Int("read-cache", 0, "sqlite.Options.ReadCacheKiB (0: the default)")
		ckpt     = flag.Int("checkpoint-pages", 0, "sqlite.Options.CheckpointPages (0: the default)")
		rconns   = flag.Int("read-conns", 0, "sqlite.Options.ReadConns (0: the default)")
		first    = flag.Bool("first-only", false, "stop after the first refresh (memory and throughput experiments)")
		memprof  = flag.String("memprofile", "", "write a heap profile taken when the Go heap in use peaked during the first refresh to this file (with -warm: of the warm engine)")
		warmN    = flag.Int("warm", 0, "instead of the farm: the start benchmark with this many articles in the story window (see warm.go)")
		warmDB   = flag.String("warm-db", "", "with -warm: the database to fill, or to reuse when it holds articles")
		replay   = flag.Bool("replay", false, "with -warm: also time the full replay of the window (the start without a snapshot)")
		warmLogs = flag.Bool("warm-logs", false, "with -warm: show the story engine's log")
		resnap   = flag.Bool("resnapshot", false, "with -warm: once warm, write the snapshot again and time loading the engine from it")
		reads    = flag.Bool("reads", false, "with -warm-db: the reads-under-ingest benchmark over that (filled) database (see reads.go); run it on a copy")
		readers  = flag.Int("readers", 50, "with -reads: concurrent wrk connections")
		readsDur = flag.Duration("reads-duration", 20*time.Second, "with -reads: each wrk run")
		pgDSN    = flag.String("postgres", "", "measure the first refresh on this PostgreSQL database instead (a schema of its own, dropped after)")
		procs    = flag.Int("procs", 1, "with -postgres: worker pipelines sharing the feeds through leases")
		bulk     = flag.Bool("bulk-feeds", false, "with -postgres: create the feeds and subscriptions with SQL instead of the OPML import (large farms)")
		only304  = flag.Bool("only-304", false, "with -postgres -bulk-feeds: store the farm's validators with the feeds and measure the all-304 refresh alone (no first refresh)")
		rounds   = flag.Int("rounds-304", 1, "with -postgres: how many all-304 refreshes to measure, one after the other")
	)
	flag.Parse()
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if *reads {
		cfg := readsConfig{db: *warmDB, farm: *farmDir, feeds: *feeds, items: *items, readers: *readers, duration: *readsDur, memprofile: *memprof}
		if err := runReads(cfg); err != nil {
			fmt.Fprintln(os.Stderr, "ingest bench:", err)
			os.Exit(1)
		}
		return
	}
	if *warmN > 0 {
		if err := runWarm(warmConfig{articles: *warmN, db: *warmDB, replay: *replay, logs: *warmLogs, resnapshot: *resnap, memprofile: *memprof}); err != nil {
			fmt.Fprintln(os.Stderr, "ingest bench:", err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
		return
	}
	cfg := config{trace: *trace, memprofile: *memprof, firstOnly: *first, bulkFeeds: *bulk, only304: *only304, rounds304: max(*rounds, 1),
		sqlite: sqlite.Options{WriteCacheKiB: *wcache, ReadCacheKiB: *rcache, ReadConns: *rconns, CheckpointPages: *ckpt},
		ingest: ingest.Options{Workers: *workers, NoPostProcess: true, BatchSize: *batchN, BatchBytes: *batchB, PendingBytes: *pendingB}}
	runIt := func() error { return run(cfg, *farmDir, *feeds, *items, *perHost, *workers, *requests) }
	if *pgDSN != "" {
		runIt = func() error { return runPostgres(cfg, *farmDir, *pgDSN, *procs, *feeds, *items, *perHost, *workers) }
	}
	if err := runIt(); err != nil {
		fmt.Fprintln(os.Stderr, "ingest bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// config holds the optional outputs of a run.
type config struct {
	trace      string // execution trace of the first refresh
	memprofile string // heap profile at the first refresh's peak
	ingest     ingest.Options
	firstOnly  bool // stop after the first refresh
	bulkFeeds  bool // PostgreSQL: feeds made by SQL, not imported
	only304    bool // PostgreSQL, with bulkFeeds: feeds made with the farm's validators, no first refresh
	rounds304  int  // PostgreSQL: all-304 refreshes measured
	sqlite     sqlite.Options
}

func run(cfg config, farmDir string, feeds, items, perHost, workers, requests int) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "digest-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	farmURL, stopFarm, _, err := startFarm(ctx, farmDir, tmp, feeds, items, true)
	if err != nil {
		return err
	}
	defer stopFarm()

	st, err := sqlite.OpenOptions(ctx, filepath.Join(tmp, "digest.db"), slog.New(slog.DiscardHandler), cfg.sqlite)
	if err != nil {
		return err
	}
	defer st.Close()
	client := fetch.New(fetch.Options{PerHost: perHost, AllowPrivate: true})
	p := ingest.New(st, client, cfg.ingest)

	resp, err := http.Get(farmURL + "/opml")
	if err != nil {
		return err
	}
	bench := &digest.User{Name: "bench"}
	if err := st.CreateUser(ctx, bench); err != nil {
		return err
	}
	n, problems, err := p.ImportOPML(ctx, bench.ID, resp.Body)
	resp.Body.Close()
	if err != nil || len(problems) > 0 {
		return fmt.Errorf("import: %d problems, %v", len(problems), err)
	}
	fmt.Printf("imported %d feeds; per-host limit %d, %d workers, GOMAXPROCS %d\n", n, perHost, workers, runtime.GOMAXPROCS(0))
	defer p.Close()

	// The imported feeds are due at once: the first refresh is the
	// pipeline's start until every feed has been fetched and saved. Later
	// phases ask for a refresh of every feed.
	firstRun := func() error {
		p.Start(ctx)
		for p.Stats().Fetched < int64(n) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			time.Sleep(10 * time.Millisecond)
		}
		return p.WaitIdle(ctx, 10*time.Minute)
	}
	refreshAll := func() error { return p.RefreshAndWait(ctx) }
	phase := func(name string, run func() error) (ingest.StatsSnapshot, time.Duration, map[string]any, error) {
		before := p.Stats()
		farmStats(farmURL, true)
		cpu0 := cpuTime()
		t0 := time.Now()
		if err := run(); err != nil {
			return ingest.StatsSnapshot{}, 0, nil, err
		}
		d := time.Since(t0)
		cpu := cpuTime() - cpu0
		after := p.Stats()
		fs := farmStats(farmURL, false)
		diff := ingest.StatsSnapshot{
			Fetched: after.Fetched - before.Fetched, NotModified: after.NotModified - before.NotModified,
			Errors: after.Errors - before.Errors, Created: after.Created - before.Created,
			Updated: after.Updated - before.Updated, Batches: after.Batches - before.Batches,
		}
		fmt.Printf("%-22s %6d feeds in %7.2fs = %7.0f feeds/s (process CPU %.1fs = %.0f feeds per CPU-s); 200: %v, 304: %v, errors %d, new %d, updated %d, transactions %d, peak in flight %v, peak RSS so far %s\n",
			name, diff.Fetched, d.Seconds(), float64(diff.Fetched)/d.Seconds(), cpu.Seconds(), float64(diff.Fetched)/cpu.Seconds(), fs["feed_200"], fs["feed_304"], diff.Errors, diff.Created, diff.Updated, diff.Batches, fs["max_in_flight"], peakRSS())
		return diff, d, fs, nil
	}

	if cfg.trace != "" {
		f, err := os.Create(cfg.trace)
		if err != nil {
			return err
		}
		if err := rtrace.Start(f); err != nil {
			return err
		}
	}
	fmt.Printf("before the first refresh (store open, feeds imported): %v\n", sampleMemory())
	sampler := startMemSampler(cfg.memprofile != "")
	first, _, _, err := phase("first refresh", firstRun)
	peak := sampler.stop()
	if cfg.trace != "" {
		rtrace.Stop()
	}
	if err != nil {
		return err
	}
	fmt.Printf("first refresh peak: Go heap in use %.0f MB, Go sys %.0f MB, RSS %.0f MB (sampled every 100 ms)\n",
		float64(peak.heapInuse)/1e6, float64(peak.sys)/1e6, float64(peak.rss)/1e6)
	fmt.Printf("first refresh at its RSS peak: %v; largest seen: stacks %.1f MB, not Go %.1f MB\n",
		peak.atRSS, float64(peak.maxStacks)/1e6, float64(peak.maxNonGo)/1e6)
	if cfg.memprofile != "" {
		if err := os.WriteFile(cfg.memprofile, peak.profile, 0o644); err != nil {
			return err
		}
	}
	stored, err := countArticles(ctx, st)
	if err != nil {
		return err
	}
	truth, err := countTruth(farmURL)
	if err != nil {
		return err
	}
	fmt.Printf("stored articles: %d, farm items served: %d, lost: %d\n", stored, truth, truth-stored)
	_ = first
	if cfg.firstOnly {
		return nil
	}
	if _, _, _, err := phase("all-304 refresh", refreshAll); err != nil {
		return err
	}
	tick, err := http.Post(farmURL+"/tick?fraction=0.1", "", nil)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, tick.Body)
	tick.Body.Close()
	if _, _, _, err := phase("tick 10% refresh", refreshAll); err != nil {
		return err
	}
	stored, _ = countArticles(ctx, st)
	truthAll, _ := countTruth(farmURL)
	fmt.Printf("stored articles after tick: %d (farm now serves %d items)\n", stored, truthAll)

	authSvc := auth.New(st, auth.Options{})
	srv := httptest.NewServer(web.New(web.Config{}, st, p, authSvc, slog.New(slog.DiscardHandler)).Handler())
	defer srv.Close()
	token, _, err := authSvc.StartSession(ctx, bench, "ingestbench", "127.0.0.1")
	if err != nil {
		return err
	}
	for _, path := range []string{"/", "/api/v1/articles", "/api/v1/articles?unread=1", "/feeds"} {
		med, p90, err := latency(srv.URL+path, "digest_session="+token, requests)
		if err != nil {
			return err
		}
		fmt.Printf("GET %-26s median %6.2f ms, p90 %6.2f ms (%d requests, %d articles stored)\n", path, med, p90, requests, stored)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("memory: peak RSS %s, Go heap in use now %.0f MB, total Go sys %.0f MB\n", peakRSS(), float64(ms.HeapInuse)/1e6, float64(ms.Sys)/1e6)
	return nil
}

// startFarm builds and starts the farm; warm renders every feed first
// (a run that fetches no body can skip it).
// The returned PID is the farm process's, for its CPU time (procCPU).
func startFarm(ctx context.Context, dir, tmp string, feeds, items int, warm bool) (string, func(), int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, 0, err
	}
	bin := filepath.Join(tmp, "feedfarm")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = abs
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return "", nil, 0, fmt.Errorf("build feedfarm in %s: %w", abs, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"-addr", addr, "-feeds", fmt.Sprint(feeds), "-items", fmt.Sprint(items), "-seed", "1"}
	if warm {
		args = append(args, "-warm")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, 0, err
	}
	stop := func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	url := "http://" + addr
	for i := 0; i < 600; i++ {
		if r, err := http.Get(url + "/stats"); err == nil {
			r.Body.Close()
			return url, stop, cmd.Process.Pid, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return "", nil, 0, fmt.Errorf("feedfarm did not start on %s", addr)
}

func farmStats(url string, reset bool) map[string]any {
	u := url + "/stats"
	if reset {
		u += "?reset=1"
	}
	r, err := http.Get(u)
	if err != nil {
		return nil
	}
	defer r.Body.Close()
	var m map[string]any
	json.NewDecoder(r.Body).Decode(&m)
	return m
}

func countTruth(url string) (int, error) {
	r, err := http.Get(url + "/truth")
	if err != nil {
		return 0, err
	}
	defer r.Body.Close()
	n := 0
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			n++
		}
	}
	return n, sc.Err()
}

func countArticles(ctx context.Context, st digest.Store) (int, error) {
	n := 0
	cursor := ""
	for {
		page, next, err := st.RecentArticles(ctx, time.Time{}, 500, cursor)
		if err != nil {
			return n, err
		}
		n += len(page)
		if next == "" {
			return n, nil
		}
		cursor = next
	}
}

func latency(url, cookie string, n int) (median, p90 float64, err error) {
	ds := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			return 0, 0, err
		}
		req.Header.Set("Cookie", cookie)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, 0, err
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != 200 {
			return 0, 0, fmt.Errorf("GET %s: %s", url, r.Status)
		}
		ds = append(ds, float64(time.Since(t0).Microseconds())/1000)
	}
	sort.Float64s(ds)
	return ds[len(ds)/2], ds[len(ds)*9/10], nil
}

// memSample is the process's memory at one moment, split by owner.
type memSample struct {
	rss, rssAnon, rssFile uint64 // /proc/self/status: resident, anonymous, file-backed (the binary's text)
	heapObjects           uint64 // Go heap: live objects and garbage not yet swept
	heapFree              uint64 // Go heap: free spans and unused parts of spans, not returned to the OS
	stacks                uint64 // goroutine stacks
	goOther               uint64 // runtime metadata, GC buffers, profiling, other runtime memory
}

// goResident is the memory the Go runtime holds and has not returned.
func (m memSample) goResident() uint64 { return m.heapObjects + m.heapFree + m.stacks + m.goOther }

// nonGo is the anonymous resident memory the Go runtime does not account
// for: SQLite's heap (modernc.org/libc maps its own memory) and the
// runtime's mapped-but-unused margins.
func (m memSample) nonGo() uint64 {
	if m.rssAnon < m.goResident() {
		return 0
	}
	return m.rssAnon - m.goResident()
}

func (m memSample) String() string {
	mb := func(v uint64) float64 { return float64(v) / 1e6 }
	return fmt.Sprintf("RSS %.1f MB = file %.1f (binary text) + anon %.1f [Go heap objects %.1f + Go heap free %.1f + stacks %.1f + runtime other %.1f + not Go (SQLite) %.1f]",
		mb(m.rss), mb(m.rssFile), mb(m.rssAnon), mb(m.heapObjects), mb(m.heapFree), mb(m.stacks), mb(m.goOther), mb(m.nonGo()))
}

var memMetrics = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/os-stacks:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
}

// sampleMemory reads the process's memory now.
func sampleMemory() memSample {
	samples := make([]metrics.Sample, len(memMetrics))
	for i, n := range memMetrics {
		samples[i].Name = n
	}
	metrics.Read(samples)
	v := func(i int) uint64 { return samples[i].Value.Uint64() }
	m := memSample{heapObjects: v(0), heapFree: v(1) + v(2), stacks: v(3) + v(4)}
	total, released := v(5), v(6)
	if resident := total - released; resident > m.heapObjects+m.heapFree+m.stacks {
		m.goOther = resident - m.heapObjects - m.heapFree - m.stacks
	}
	m.rss, m.rssAnon, m.rssFile = procStatus("VmRSS:"), procStatus("RssAnon:"), procStatus("RssFile:")
	return m
}

// procStatus returns a /proc/self/status field in bytes, 0 if unknown.
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			var kb uint64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb * 1024
		}
	}
	return 0
}

// memPeak is the largest memory use a memSampler saw.
type memPeak struct {
	heapInuse, sys, rss uint64
	atRSS               memSample // the sample with the largest RSS
	maxStacks, maxNonGo uint64
	profile             []byte // heap profile taken at the heapInuse peak
}

type memSampler struct {
	done chan struct{}
	out  chan memPeak
}

// startMemSampler samples the Go heap and the RSS every 100 ms until stop,
// and with profile set takes a heap profile whenever the heap in use
// reaches a new peak (the profile shows the heap as of the last GC).
func startMemSampler(profile bool) *memSampler {
	s := &memSampler{done: make(chan struct{}), out: make(chan memPeak, 1)}
	go func() {
		var peak memPeak
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
		for {
			metrics.Read(samples)
			heap, sys := samples[0].Value.Uint64(), samples[1].Value.Uint64()
			m := sampleMemory()
			if m.rss > peak.rss {
				peak.rss = m.rss
				peak.atRSS = m
			}
			peak.maxStacks = max(peak.maxStacks, m.stacks)
			peak.maxNonGo = max(peak.maxNonGo, m.nonGo())
			peak.sys = max(peak.sys, sys)
			if heap > peak.heapInuse {
				peak.heapInuse = heap
				if profile {
					var b bytes.Buffer
					if err := pprof.Lookup("heap").WriteTo(&b, 0); err == nil {
						peak.profile = b.Bytes()
					}
				}
			}
			select {
			case <-s.done:
				s.out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *memSampler) stop() memPeak {
	close(s.done)
	return <-s.out
}

// currentRSS returns the process's resident set in bytes, 0 if unknown.
func currentRSS() uint64 { return procStatus("VmRSS:") }

// cpuTime returns the user plus system CPU time the process has used: on a
// shared machine it moves less with other people's load than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
