package story_test

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/occasional-digest/digest/internal/testcorpus"
	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/story"
)

// TestEngineMemoryNewswire fills a server-configured engine (Standard, the
// default 72-hour window) with newswire articles (real corpus sentences),
// all inside the story window, and logs its heap and the process's RSS
// after a collection at each size of DIGEST_MEM_ARTICLES (such as
// "50000,100000,200000"), and the slope per article between the sizes.
// The newswire cuts its articles as runs of sentences of a few thousand
// documents, so that most of them are near-copies of an earlier one (and
// hold no vectors); DIGEST_MEM_DISTINCT=1 drops three words in ten of each
// at random, which breaks most shingles: nearly every article is then
// clustered on its own vectors, the engine's heaviest case.
// DIGEST_MEM_SNAPSHOT names a file to write the engine's snapshot to at the
// largest size (TestEngineMemorySnapshot reads it back);
// DIGEST_MEM_PROFILE one for a heap profile there (go tool pprof
// -sample_index=inuse_space).
func TestEngineMemoryNewswire(t *testing.T) {
	sizes := memSizes(t)
	opts, err := story.Standard()
	if err != nil {
		t.Fatal(err)
	}
	e := story.NewEngine(opts)
	// 200,000 articles 1.2 s apart span 67 hours: every one is in the
	// window.
	const step = 1200 * time.Millisecond
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	nw := testenv.Newswire{CorpusDir: testcorpus.Dir(t), Seed: 1}
	last := sizes[len(sizes)-1]
	var prev *memPoint
	distinct := os.Getenv("DIGEST_MEM_DISTINCT") == "1"
	r := rand.New(rand.NewPCG(3, 5))
	cpu0 := cpuTime()
	err = nw.Entries(last, start, step, func(k int, ne testenv.NewswireEntry) bool {
		feed := "feed-" + strconv.Itoa(ne.Feed)
		text := ne.Text
		if distinct {
			var b strings.Builder
			for _, w := range strings.SplitAfter(text, " ") {
				if r.IntN(10) >= 3 {
					b.WriteString(w)
				}
			}
			text = b.String()
		}
		e.Add(story.Doc{ID: int64(k + 1), Title: ne.Title, Text: text, URL: ne.URL, Outlet: feed,
			Published: ne.Published, Author: ne.Author, Feeds: []string{feed}})
		n := k + 1
		if !slices.Contains(sizes, n) {
			return true
		}
		p := measure()
		arts, copies, past, stories := story.OpenCounts(e)
		t.Logf("%7d articles (open %d of which copies %d, past %d, stories %d): heap %.1f MB (in spans %.1f MB), RSS %.1f MB (%.1f MB before the freed memory was returned); cpu %.0f s",
			n, arts, copies, past, stories, mb(p.heap), mb(p.inuse), mb(p.rss), mb(p.rssGC), (cpuTime() - cpu0).Seconds())
		if prev != nil {
			dn := float64(n - prev.n)
			t.Logf("  slope since %d: heap %.0f B/article (in spans %.0f), RSS %.0f B/article", prev.n, float64(p.heap-prev.heap)/dn, float64(p.inuse-prev.inuse)/dn, float64(p.rss-prev.rss)/dn)
		}
		p.n = n
		prev = &p
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if f := os.Getenv("DIGEST_MEM_PROFILE"); f != "" {
		w, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(w, 0); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	if f := os.Getenv("DIGEST_MEM_SNAPSHOT"); f != "" {
		w, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := e.WriteSnapshot(bw, "mem"); err != nil {
			t.Fatal(err)
		}
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	runtime.KeepAlive(e)
}

// TestEngineMemorySnapshot reads the snapshot DIGEST_MEM_SNAPSHOT names
// (as the server warms its engine) and logs the heap and RSS after a
// collection and the process's peak RSS while reading.
func TestEngineMemorySnapshot(t *testing.T) {
	f := os.Getenv("DIGEST_MEM_SNAPSHOT")
	if f == "" || os.Getenv("DIGEST_MEM_READ") == "" {
		t.Skip("set DIGEST_MEM_SNAPSHOT and DIGEST_MEM_READ=1 to measure an engine read from a snapshot")
	}
	opts, err := story.Standard()
	if err != nil {
		t.Fatal(err)
	}
	before := measure()
	hwm0 := procStatus("VmHWM:")
	r, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c0 := cpuTime()
	e, err := story.ReadSnapshot(bufio.NewReaderSize(r, 1<<20), opts, "mem")
	if err != nil {
		t.Fatal(err)
	}
	cpu := cpuTime() - c0
	p := measure()
	arts, copies, past, stories := story.OpenCounts(e)
	t.Logf("read %d open articles (copies %d, past %d, stories %d) in %.1f s CPU: heap %.1f MB (before %.1f), RSS %.1f MB (before %.1f; %.1f MB before the freed memory was returned), peak RSS %.1f MB (before %.1f)",
		arts, copies, past, stories, cpu.Seconds(), mb(p.heap), mb(before.heap), mb(p.rss), mb(before.rss), mb(p.rssGC), mb(procStatus("VmHWM:")), mb(hwm0))
	runtime.KeepAlive(e)
}

type memPoint struct {
	n         int
	heap, rss uint64
	// inuse is the heap's spans in use: heap plus the free slots of
	// partly used spans (fragmentation).
	inuse uint64
	// rssGC is the resident set after a collection, before the freed
	// memory is returned: what a process that does not return it holds
	// until the background scavenger does.
	rssGC uint64
}

// measure collects, returns freed memory to the system and reads the live
// heap and the resident set.
func measure() memPoint {
	runtime.GC()
	rssGC := procStatus("VmRSS:")
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memPoint{heap: ms.HeapAlloc, inuse: ms.HeapInuse, rss: procStatus("VmRSS:"), rssGC: rssGC}
}

// procStatus returns a size field of /proc/self/status in bytes.
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if s, ok := strings.CutPrefix(string(line), field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(s), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func memSizes(t *testing.T) []int {
	v := os.Getenv("DIGEST_MEM_ARTICLES")
	if v == "" {
		t.Skip("set DIGEST_MEM_ARTICLES (such as 50000,100000,200000) to measure the engine's memory")
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			t.Fatalf("DIGEST_MEM_ARTICLES: bad size %q", f)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
