package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestKill9SQLiteSettles is issue #14's crash test: the feed farm, "digest
// serve" on SQLite killed with SIGKILL five times, three times while the
// first refresh fetches and saves feeds and twice while the queued
// post-processing (page extraction, icons, stories) is worked off, and
// restarted each time. After the last restart it must settle, as "digest
// check --truth" sees it: every entry the farm serves stored exactly once,
// every article in a story, nothing pending, nothing orphaned. Where each
// kill lands is random (the seed is logged; DIGEST_CRASH_SEED repeats a
// run) and must not matter.
//
// The long benchmark (scripts/crash-bench.sh) runs this test with
// DIGEST_CRASH_FEEDS in the thousands.
func TestKill9SQLiteSettles(t *testing.T) {
	digestBin, farmBin := buildCrashBins(t)
	feeds := envInt(t, "DIGEST_CRASH_FEEDS", 200)
	items := envInt(t, "DIGEST_CRASH_ITEMS", 20)
	seed := uint64(envInt(t, "DIGEST_CRASH_SEED", int(time.Now().UnixNano()%1e9)))
	settleLimit := time.Duration(envInt(t, "DIGEST_CRASH_SETTLE_MINUTES", 15)) * time.Minute
	t.Logf("%d feeds × %d items, kill seed %d (DIGEST_CRASH_SEED)", feeds, items, seed)
	rng := rand.New(rand.NewPCG(seed, 14))
	farm := startFeedFarm(t, farmBin, feeds, items, 5*time.Millisecond)

	data := t.TempDir()
	if d := os.Getenv("DIGEST_CRASH_DATA"); d != "" {
		data = filepath.Join(d, "sqlite")
		os.RemoveAll(data)
	}
	if _, err := digestRun(digestBin, "crash-test-password\n", "user", "add", "--data", data, "reader"); err != nil {
		t.Fatal(err)
	}
	opml := filepath.Join(t.TempDir(), "farm.opml")
	if err := os.WriteFile(opml, farm.get(t, "/opml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := digestRun(digestBin, "", "import", "--data", data, "--allow-private", opml); err != nil {
		t.Fatal(err)
	}
	// The check can fail: before any fetch, every entry is missing.
	if c := digestCheck(t, digestBin, farm, "--data", data); c.exitErr == nil || *c.Missing != feeds*items || *c.TruthEntries != feeds*items {
		t.Fatalf("before any fetch: %s, exit %v; want all %d entries missing and a failed check", c, c.exitErr, feeds*items)
	}

	for k := range 5 {
		p := startDigest(t, digestBin, "serve", "--data", data)
		fetched0 := farm.stat(t, "feed_200")
		phase := "refresh"
		if k < 3 {
			// During the first refresh: after a random number of further
			// feeds were served to it (or, were the refresh over before,
			// wherever post-processing is).
			target := fetched0 + 1 + rng.IntN(max(1, feeds/5))
			pollUntil(t, "fetching", 5*time.Minute, func() bool {
				return farm.stat(t, "feed_200") >= target || p.metric("digest_feeds_due") == 0
			})
			if p.metric("digest_feeds_due") == 0 {
				phase = "post-processing (the refresh was over)"
			}
		} else {
			// During post-processing: once the refresh is over, when the
			// queue has shrunk to a random share of the most it held
			// (the fourth kill in its first half, so that the fifth finds
			// work left).
			phase = "post-processing"
			var maxQ float64
			pollUntil(t, "the refresh over", 5*time.Minute, func() bool {
				maxQ = max(maxQ, p.metric("digest_post_queue_depth"))
				return p.metric("digest_feeds_due") == 0
			})
			share := rng.Float64()
			if k == 3 {
				share = 0.5 + share/2
			}
			target := maxQ * share
			pollUntil(t, "post-processing", 5*time.Minute, func() bool {
				q := p.metric("digest_post_queue_depth")
				return q >= 0 && q <= target
			})
		}
		q := p.metric("digest_post_queue_depth")
		p.kill()
		c := digestCheck(t, digestBin, farm, "--data", data)
		t.Logf("kill %d during %s: %d feeds served in this run, queue %.0f at the kill; then %s",
			k+1, phase, farm.stat(t, "feed_200")-fetched0, q, c)
		if *c.Duplicates != 0 || c.OrphanSources != 0 || c.EmptyStories != 0 {
			t.Errorf("after kill %d: %s", k+1, c)
		}
	}

	p := startDigest(t, digestBin, "serve", "--data", data)
	start := time.Now()
	var last crashCheck
	pollUntil(t, "settled (digest check)", settleLimit, func() bool {
		last = digestCheck(t, digestBin, farm, "--data", data)
		return last.settled() && p.ready()
	})
	t.Logf("settled %s after the last restart: %s; the farm served %d feed 200s and %d 304s in all",
		time.Since(start).Round(time.Millisecond), last, farm.stat(t, "feed_200"), farm.stat(t, "feed_304"))
	p.stop(t)
	c := digestCheck(t, digestBin, farm, "--data", data)
	if !c.settled() || *c.TruthEntries != feeds*items || c.Articles == 0 || c.Stories == 0 {
		t.Errorf("after the last stop: %s, exit %v", c, c.exitErr)
	}
	if n := farm.stat(t, "distinct_feeds"); n != feeds {
		t.Errorf("the farm served %d distinct feeds, want %d", n, feeds)
	}
}
