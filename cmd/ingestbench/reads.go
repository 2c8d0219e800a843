package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/story"
	"github.com/occasional-digest/digest/web"
)

// readsConfig configures the reads-under-ingest benchmark (-reads): a
// server over a filled database (see -warm), read by wrk while a refresh
// of farm feeds brings new entries.
type readsConfig struct {
	db         string // a database filled by -warm (it gains the farm's entries: run it on a copy)
	farm       string // feedfarm source folder
	feeds      int    // farm feeds; items each
	items      int
	readers    int           // wrk connections
	duration   time.Duration // of each wrk run
	memprofile string        // heap profile once warm
}

// runReads starts as the server does over cfg.db, waits for the story
// engine to warm, then measures with wrk the river page and
// /api/v1/articles idle, subscribes the bench user to the farm's feeds and
// measures them again while the refresh brings their entries: latency
// percentiles, requests per second, RSS idle and at peak, Go heap per
// article and per open story.
func runReads(cfg readsConfig) error {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	opts, err := story.Standard()
	if err != nil {
		return err
	}
	opts.Now = time.Now
	t0 := time.Now()
	st, err := sqlite.Open(ctx, cfg.db, log)
	if err != nil {
		return err
	}
	defer st.Close()
	inv, err := st.Invariants(ctx)
	if err != nil {
		return err
	}
	sink := ingest.NewStories(st, opts, log)
	sink.SetSnapshotInterval(0)
	sink.Warm(ctx, time.Now())
	defer sink.Close()
	client := fetch.New(fetch.Options{PerHost: 64, AllowPrivate: true})
	p := ingest.New(st, client, ingest.Options{Stories: sink, Logger: log, Workers: 64})
	defer p.Close()
	authSvc := auth.New(st, auth.Options{})
	srv := httptest.NewServer(web.New(web.Config{}, st, p, authSvc, log).Handler())
	defer srv.Close()
	users, err := st.Users(ctx)
	if err != nil || len(users) == 0 {
		return fmt.Errorf("no bench user: %v", err)
	}
	token, _, err := authSvc.StartSession(ctx, &users[0], "ingestbench", "127.0.0.1")
	if err != nil {
		return err
	}
	<-sink.Ready()
	fmt.Printf("warm after %.1fs with %d articles stored; load %s\n", time.Since(t0).Seconds(), inv.Articles, loadAvg())
	runtime.GC()
	heap := heapLive()
	articles, open := sink.Size()
	fmt.Printf("idle: RSS %.0f MB, Go heap live %.0f MB = %.0f B per stored article, engine: %d articles, %d open stories (%.0f KB of heap per open story)\n",
		float64(currentRSS())/1e6, float64(heap)/1e6, float64(heap)/float64(inv.Articles), articles, open, float64(heap)/float64(max(open, 1))/1e3)
	if cfg.memprofile != "" {
		f, err := os.Create(cfg.memprofile)
		if err != nil {
			return err
		}
		pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
	cookie := "Cookie: digest_session=" + token
	paths := []string{"/", "/api/v1/articles"}
	for _, path := range paths {
		out, err := wrk(srv.URL+path, cookie, cfg.readers, cfg.duration)
		if err != nil {
			return err
		}
		fmt.Printf("IDLE   GET %-18s %s (load %s)\n", path, out, loadAvg())
	}
	fmt.Printf("idle after reads: RSS %.0f MB\n", float64(currentRSS())/1e6)
	if cfg.feeds == 0 {
		return nil // idle reads only
	}

	tmp, err := os.MkdirTemp("", "digest-reads-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	farmURL, stopFarm, _, err := startFarm(ctx, cfg.farm, tmp, cfg.feeds, cfg.items, true)
	if err != nil {
		return err
	}
	defer stopFarm()
	resp, err := http.Get(farmURL + "/opml")
	if err != nil {
		return err
	}
	n, problems, err := p.ImportOPML(ctx, users[0].ID, resp.Body)
	resp.Body.Close()
	if err != nil || len(problems) > 0 {
		return fmt.Errorf("import: %d problems, %v", len(problems), err)
	}
	sampler := startMemSampler(false)
	before := p.Stats()
	tIngest := time.Now()
	p.Start(ctx)
	for _, path := range paths {
		out, err := wrk(srv.URL+path, cookie, cfg.readers, cfg.duration)
		if err != nil {
			return err
		}
		s := p.Stats()
		fmt.Printf("INGEST GET %-18s %s (load %s; %d of %d feeds fetched, %d new entries so far)\n", path, out, loadAvg(), s.Fetched-before.Fetched, n, s.Created-before.Created)
	}
	if err := p.WaitIdle(ctx, 20*time.Minute); err != nil {
		return err
	}
	peak := sampler.stop()
	s := p.Stats()
	fmt.Printf("refresh of %d feeds: %d new entries, idle after %.1fs; peak RSS %.0f MB (Go heap %.0f MB), load %s\n",
		n, s.Created-before.Created, time.Since(tIngest).Seconds(), float64(peak.rss)/1e6, float64(peak.heapInuse)/1e6, loadAvg())
	return nil
}

// wrkLine picks the figures of wrk's --latency output.
var (
	wrkPct = regexp.MustCompile(`(?m)^\s+(50|90|99)%\s+(\S+)`)
	wrkRPS = regexp.MustCompile(`Requests/sec:\s+(\S+)`)
	wrkErr = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)|Socket errors: .*`)
)

func wrk(url, header string, conns int, d time.Duration) (string, error) {
	cpu0 := cpuTime()
	cmd := exec.Command("wrk", "-t", "2", "-c", fmt.Sprint(conns), "-d", fmt.Sprintf("%ds", int(d.Seconds())), "--latency", "--timeout", "30s", "-H", header, url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("wrk: %v: %s", err, out)
	}
	var b strings.Builder
	for _, m := range wrkPct.FindAllStringSubmatch(string(out), -1) {
		fmt.Fprintf(&b, "p%s %s, ", m[1], m[2])
	}
	if m := wrkRPS.FindStringSubmatch(string(out)); m != nil {
		fmt.Fprintf(&b, "%s req/s", m[1])
		// CPU per request does not depend on the machine's load as
		// latency does (it includes the process's other work).
		if rps, err := strconv.ParseFloat(m[1], 64); err == nil && rps > 0 {
			fmt.Fprintf(&b, ", process CPU %.1f ms per request", (cpuTime()-cpu0).Seconds()*1e3/(rps*d.Seconds()))
		}
	}
	for _, m := range wrkErr.FindAllString(string(out), -1) {
		fmt.Fprintf(&b, "; %s", m)
	}
	return b.String(), nil
}

func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}
