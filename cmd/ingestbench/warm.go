package main

import (
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/story"
	"github.com/occasional-digest/digest/web"
)

// warmConfig configures the start benchmark (-warm N): N articles of the
// last 60 hours, all in stories, then a server started over them.
type warmConfig struct {
	articles int
	db       string // the database to fill, or reuse when it holds articles
	replay   bool   // also time a full replay of the window (the start before snapshots)
	logs     bool   // show the story engine's log
	// resnapshot: once warm, write the snapshot again and load the
	// engine from it (a reused database's snapshot of an older format).
	resnapshot bool
	// memprofile: once warm, a heap profile (after a GC) to this file.
	memprofile string
}

// runWarm fills a database with cfg.articles articles spread over the
// story window and puts them in stories through the story sink, as the
// pipeline would; writes the engine's snapshot; then starts as the server
// does (store, story engine warming in the background, web server) and
// reports the time to the first served page and until the engine is warm,
// and, with cfg.replay, how long the full replay of the window (the start
// without a snapshot) takes.
func runWarm(cfg warmConfig) error {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	if cfg.logs {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	path := cfg.db
	if path == "" {
		tmp, err := os.MkdirTemp("", "digest-warm-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "digest.db")
	}
	now := time.Now()
	opts, err := story.Standard()
	if err != nil {
		return err
	}
	opts.Now = time.Now // as the server's sink (cmd/digest newStorySink)
	st, err := sqlite.Open(ctx, path, log)
	if err != nil {
		return err
	}
	inv, err := st.Invariants(ctx)
	if err != nil {
		return err
	}
	stored := inv.Articles
	if stored == 0 {
		t0 := time.Now()
		if err := populateWindow(ctx, st, cfg.articles, now); err != nil {
			return err
		}
		fmt.Printf("saved %d articles in %.1fs\n", cfg.articles, time.Since(t0).Seconds())
		sink := ingest.NewStories(st, opts, log)
		t0, cpu0 := time.Now(), cpuTime()
		if err := assignAll(ctx, st, sink); err != nil {
			return err
		}
		d := time.Since(t0)
		fmt.Printf("put %d articles in stories in %.1fs = %.0f articles/s (CPU %.1fs); peak RSS %s\n",
			cfg.articles, d.Seconds(), float64(cfg.articles)/d.Seconds(), (cpuTime() - cpu0).Seconds(), peakRSS())
		t0 = time.Now()
		if err := sink.SaveSnapshot(ctx); err != nil {
			return err
		}
		fmt.Printf("snapshot written in %.1fs\n", time.Since(t0).Seconds())
		sink = nil
		stored = cfg.articles
	} else {
		fmt.Printf("reusing %s: %d articles\n", path, stored)
	}
	if err := st.Close(); err != nil {
		return err
	}
	runtime.GC()

	if cfg.replay {
		st, err := sqlite.Open(ctx, path, log)
		if err != nil {
			return err
		}
		sink := ingest.NewStories(st, opts, log)
		t0, cpu0 := time.Now(), cpuTime()
		if err := sink.Replay(ctx, now); err != nil {
			return err
		}
		fmt.Printf("BEFORE full replay of the window (the start without a snapshot): %d articles in %.1fs (CPU %.1fs)\n",
			stored, time.Since(t0).Seconds(), (cpuTime() - cpu0).Seconds())
		st.Close()
		sink = nil
		runtime.GC()
	}

	// The start: open the store, warm the engine in the background, serve.
	rss0 := currentRSS()
	t0, cpu0 := time.Now(), cpuTime()
	st, err = sqlite.Open(ctx, path, log)
	if err != nil {
		return err
	}
	defer st.Close()
	sink := ingest.NewStories(st, opts, log)
	sink.SetSnapshotInterval(0) // this run measures the start alone
	sink.Warm(ctx, now)
	defer sink.Close()
	p := ingest.New(st, fetch.New(fetch.Options{}), ingest.Options{Stories: sink, Logger: log})
	authSvc := auth.New(st, auth.Options{})
	warming := func() []web.Warmup {
		if ok, done, total := sink.Warming(); ok {
			return []web.Warmup{{Name: "stories", Done: done, Total: total}}
		}
		return nil
	}
	srv := httptest.NewServer(web.New(web.Config{Warming: warming}, st, p, authSvc, log).Handler())
	defer srv.Close()
	users, err := st.Users(ctx)
	if err != nil || len(users) == 0 {
		return fmt.Errorf("no bench user: %v", err)
	}
	token, _, err := authSvc.StartSession(ctx, &users[0], "ingestbench", "127.0.0.1")
	if err != nil {
		return err
	}
	status, body, err := get(srv.URL+"/", "digest_session="+token)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("river page: %d, %v", status, err)
	}
	page := time.Since(t0)
	warmNotice := strings.Contains(body, "warming up")
	rs, _, _ := get(srv.URL+"/readyz", "")
	<-sink.Ready()
	warm := time.Since(t0)
	rs2, _, _ := get(srv.URL+"/readyz", "")
	fmt.Printf("AFTER start with %d articles: first river page served after %.2fs (warming notice %t, /readyz %d), engine warm after %.1fs (CPU %.1fs, /readyz then %d); RSS %.0f MB -> %.0f MB, peak %s; load %s\n",
		stored, page.Seconds(), warmNotice, rs, warm.Seconds(), (cpuTime() - cpu0).Seconds(), rs2, float64(rss0)/1e6, float64(currentRSS())/1e6, peakRSS(), loadAvg())
	if err := warmMemory(sink, stored, cfg.memprofile); err != nil {
		return err
	}
	if !cfg.resnapshot {
		return nil
	}
	// Write the snapshot again (in this build's format), and time a read
	// of it as a start does.
	t0, cpu0 = time.Now(), cpuTime()
	if err := sink.SaveSnapshot(ctx); err != nil {
		return err
	}
	fmt.Printf("snapshot rewritten in %.1fs (CPU %.1fs); ", time.Since(t0).Seconds(), (cpuTime() - cpu0).Seconds())
	var size, raw int64
	if err := st.ReadSnapshot(ctx, "stories", func(_ int, _ string, _ time.Time, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		size = int64(len(b))
		const magic = "digest-stories-deflate\n"
		if !bytes.HasPrefix(b, []byte(magic)) {
			raw = size
			return nil
		}
		raw, err = io.Copy(io.Discard, flate.NewReader(bytes.NewReader(b[len(magic):])))
		return err
	}); err != nil {
		return err
	}
	fmt.Printf("%d bytes stored = %.0f B per article (%d bytes uncompressed = %.0f B per article)\n", size, float64(size)/float64(stored), raw, float64(raw)/float64(stored))
	again := ingest.NewStories(st, opts, log)
	t0, cpu0 = time.Now(), cpuTime()
	if err := again.Load(ctx, now); err != nil {
		return err
	}
	fmt.Printf("engine loaded again from it in %.1fs (CPU %.1fs); load %s\n", time.Since(t0).Seconds(), (cpuTime() - cpu0).Seconds(), loadAvg())
	return nil
}

// warmMemory reports what the warm server holds: the Go heap in use after
// a collection, per stored article and per open story of the engine, and
// the RSS once the runtime has returned what it freed; with a file name,
// it writes a heap profile there (go tool pprof -sample_index=inuse_space).
func warmMemory(sink *ingest.Stories, stored int, profile string) error {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	arts, stories := sink.EngineSize()
	debug.FreeOSMemory()
	fmt.Printf("MEMORY warm and idle: Go heap in use %.1f MB (%.0f B per stored article); engine: %d articles in %d open stories; RSS after returning freed memory %.0f MB\n",
		float64(ms.HeapAlloc)/1e6, float64(ms.HeapAlloc)/float64(max(stored, 1)), arts, stories, float64(currentRSS())/1e6)
	if profile == "" {
		return nil
	}
	f, err := os.Create(profile)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func get(url, cookie string) (int, string, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, "", err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// warmFeeds is how many feeds the start benchmark's articles come from.
const warmFeeds = 500

// populateWindow saves n synthetic articles published over the 60 hours
// before now, from warmFeeds feeds one user follows: reports of events
// (about eight each, over a few hours) in varied words, and one in ten a
// copy of an earlier report by another outlet.
func populateWindow(ctx context.Context, st *sqlite.DB, n int, now time.Time) error {
	u := &digest.User{Name: "bench"}
	if err := st.CreateUser(ctx, u); err != nil {
		return err
	}
	feeds := make([]int64, warmFeeds)
	for i := range feeds {
		f := &digest.Feed{URL: fmt.Sprintf("https://outlet%d.example/feed", i), Title: fmt.Sprintf("Outlet %d", i),
			Fetch: digest.FetchNever, FetchState: digest.FetchState{NextCheck: now.Add(24 * time.Hour)}}
		if err := st.CreateFeed(ctx, u.ID, f); err != nil {
			return err
		}
		feeds[i] = f.ID
	}
	g := newNewsGen(n)
	start := now.Add(-60 * time.Hour)
	step := 60 * time.Hour / time.Duration(n)
	var batch []digest.FetchResult
	byFeed := map[int64]int{}
	var texts []string
	for i := range n {
		feed := feeds[i%warmFeeds]
		title, text := g.article(i)
		if i%10 == 9 && len(texts) > 0 {
			title, text = "", "Republished.\n\n"+texts[g.r.IntN(len(texts))]
		} else if len(texts) < 2000 {
			texts = append(texts, text)
		} else {
			texts[g.r.IntN(len(texts))] = text
		}
		name := "a" + strconv.Itoa(i)
		e := digest.Entry{GUID: name, URL: fmt.Sprintf("https://outlet%d.example/%s", i%warmFeeds, name), Title: title,
			Summary: text, Text: text, Content: "<p>" + text + "</p>", Published: start.Add(time.Duration(i) * step), Hash: name}
		e.Link = e.URL
		k, ok := byFeed[feed]
		if !ok {
			batch = append(batch, digest.FetchResult{FeedID: feed, State: digest.FetchState{LastCheck: now, NextCheck: now.Add(24 * time.Hour)}})
			k = len(batch) - 1
			byFeed[feed] = k
		}
		batch[k].Entries = append(batch[k].Entries, e)
		if (i+1)%2000 == 0 || i == n-1 {
			if _, err := st.SaveFetches(ctx, batch); err != nil {
				return err
			}
			batch, byFeed = nil, map[int64]int{}
		}
	}
	return nil
}

// assignAll puts every stored article through the sink, oldest first, in
// the pipeline's batches.
func assignAll(ctx context.Context, st *sqlite.DB, sink *ingest.Stories) error {
	var ids []int64
	cursor := ""
	for {
		page, next, err := st.RecentArticles(ctx, time.Time{}, 1000, cursor)
		if err != nil {
			return err
		}
		for _, a := range page {
			ids = append(ids, a.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	// Large batches: a story is saved once per batch that touches it, and
	// with the pipeline's 500 saving stories cost more than the engine.
	for i := len(ids); i > 0; i -= assignBatch {
		batch := ids[max(0, i-assignBatch):i]
		if err := sink.Add(ctx, batch); err != nil {
			return err
		}
		if done := len(ids) - i + len(batch); done%50000 < assignBatch {
			fmt.Printf("  %d articles in stories\n", done)
		}
	}
	return nil
}

// assignBatch is how many articles assignAll gives the sink at once.
const assignBatch = 5000

// newsGen writes synthetic reports: each event has its names, numbers
// and topic; a report mixes common words, its topic's words and its
// event's names.
type newsGen struct {
	r      *rand.Rand
	common []string
	topics [][]string
	events [][]string
	topic  []int
}

func newNewsGen(n int) *newsGen {
	g := &newsGen{r: rand.New(rand.NewPCG(1, 2))}
	word := func(i int) string {
		const cons, vow = "bcdfghklmnprstvz", "aeiou"
		var b strings.Builder
		for x := i + 1; x > 0; x /= 80 {
			d := x % 80
			b.WriteByte(cons[d%16])
			b.WriteByte(vow[d/16])
		}
		return b.String()
	}
	for i := range 3000 {
		g.common = append(g.common, word(i))
	}
	for t := range 60 {
		var ws []string
		for k := range 20 {
			ws = append(ws, word(3000+t*20+k))
		}
		g.topics = append(g.topics, ws)
	}
	for e := range max(n/8, 10) {
		var ns []string
		for k := range 6 {
			w := word(10000 + e*6 + k)
			ns = append(ns, strings.ToUpper(w[:1])+w[1:])
		}
		ns = append(ns, strconv.Itoa(100+e%900))
		g.events = append(g.events, ns)
		g.topic = append(g.topic, g.r.IntN(len(g.topics)))
	}
	return g
}

// article returns report i: of event i/8 mostly (events follow each
// other), sometimes of a neighbouring one.
func (g *newsGen) article(i int) (title, text string) {
	ev := min(i/8+g.r.IntN(3), len(g.events)-1)
	names, topic := g.events[ev], g.topics[g.topic[ev]]
	var tb, b strings.Builder
	for k := range 7 {
		if k%2 == 0 {
			tb.WriteString(names[g.r.IntN(len(names))])
		} else {
			tb.WriteString(topic[g.r.IntN(len(topic))])
		}
		tb.WriteByte(' ')
	}
	for k := range 160 {
		var w string
		switch x := g.r.IntN(10); {
		case x < 6:
			w = g.common[int(float64(len(g.common))*g.r.Float64()*g.r.Float64())]
		case x < 8:
			w = topic[g.r.IntN(len(topic))]
		default:
			w = names[g.r.IntN(len(names))]
		}
		if k%14 == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		if k%14 == 13 {
			b.WriteString(". ")
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(tb.String()), strings.TrimSpace(b.String())
}
