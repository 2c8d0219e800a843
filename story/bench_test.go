package story

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// gen synthesises news: events belong to topics; an article mixes common
// words (Zipf-distributed), its topic's words and its event's names and
// numbers, in capitalised sentences, about 300 words with a title.
type gen struct {
	r      *rand.Rand
	common []string
	zipf   *rand.Zipf
	topics [][]string
	events [][]string // names of each event
	eTopic []int
}

func newGen(seed uint64, topics, events int) *gen {
	r := rand.New(rand.NewPCG(seed, 7))
	g := &gen{r: r}
	word := func(prefix string, i int) string {
		// pronounceable, distinct words
		const cons, vow = "bcdfghklmnprstvz", "aeiou"
		var b strings.Builder
		b.WriteString(prefix)
		for x := i + 1; x > 0; x /= 80 {
			d := x % 80
			b.WriteByte(cons[d%16])
			b.WriteByte(vow[d/16])
		}
		return b.String()
	}
	// The commonest ranks are real function words, as in English text.
	for w := range stopwords {
		g.common = append(g.common, w)
	}
	slices.Sort(g.common)
	for i := len(g.common); i < 20000; i++ {
		g.common = append(g.common, word("", i))
	}
	g.zipf = rand.NewZipf(r, 1.1, 1, uint64(len(g.common)-1))
	for t := range topics {
		var ws []string
		for k := range 25 {
			ws = append(ws, word("to", t*25+k))
		}
		g.topics = append(g.topics, ws)
	}
	for e := range events {
		var ns []string
		for k := range 8 {
			n := word("Na", e*8+k)
			ns = append(ns, strings.ToUpper(n[:1])+n[1:])
		}
		ns = append(ns, strconv.Itoa(1000+e%9000), fmt.Sprintf("%d.%d", e%9, e%7))
		g.events = append(g.events, ns)
		g.eTopic = append(g.eTopic, r.IntN(topics))
	}
	return g
}

func (g *gen) article(event int) (title, text string) {
	names := g.events[event]
	topic := g.topics[g.eTopic[event]]
	var b strings.Builder
	var tb strings.Builder
	for i := range 8 {
		if i%2 == 0 {
			tb.WriteString(names[g.r.IntN(len(names))])
		} else {
			tb.WriteString(topic[g.r.IntN(len(topic))])
		}
		tb.WriteByte(' ')
	}
	start := true
	for i := range 300 {
		var w string
		switch x := g.r.IntN(10); {
		case x < 6:
			w = g.common[g.zipf.Uint64()]
		case x < 8:
			w = topic[g.r.IntN(len(topic))]
		default:
			w = names[g.r.IntN(len(names))]
		}
		if start {
			w = strings.ToUpper(w[:1]) + w[1:]
			start = false
		}
		b.WriteString(w)
		if i%15 == 14 {
			b.WriteString(". ")
			start = true
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(tb.String()), b.String()
}

// BenchmarkEngine measures the whole engine per article (duplicate
// detection, entity tagging of the lead, clustering, and the summary of the
// story the article went to) on one core against an index already holding
// DIGEST_BENCH_PREFILL articles (default 50,000; the throughput target is
// stated for 1,000,000, which takes several minutes to build). One article
// in ten is a syndicated copy of an earlier one. "stored" counts the
// articles of open stories, "past" those of closed stories kept for
// duplicate detection; heapB/article divides the heap by both.
func BenchmarkEngine(b *testing.B) {
	prefill := 50_000
	if v := os.Getenv("DIGEST_BENCH_PREFILL"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		prefill = n
	}
	std, err := Standard()
	if err != nil {
		b.Fatal(err)
	}
	events := max(prefill/4, 1000)
	g := newGen(1, events/20+1, events)
	// Every article falls within the window: the index holds all of them.
	// DIGEST_BENCH_WINDOW (such as 72h) sets a story window instead, with
	// the default 14-day duplicate window: at one article a second the
	// stories of the last Window stay open and the older articles are kept
	// for duplicate detection only.
	opts := std
	opts.Window = 365 * 24 * time.Hour
	if v := os.Getenv("DIGEST_BENCH_WINDOW"); v != "" {
		w, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		opts.Window, opts.DedupWindow = w, 0
	}
	e := NewEngine(opts)
	step := time.Second
	id := int64(0)
	var texts []string
	add := func() Result {
		id++
		var title, text string
		if id%10 == 0 && len(texts) > 0 {
			text = "Republished from another outlet.\n\n" + texts[g.r.IntN(len(texts))] + "\n\nSource link"
		} else {
			ev := (int(id)/4 + g.r.IntN(40)) % events
			title, text = g.article(ev)
			if len(texts) < 1000 {
				texts = append(texts, text)
			} else {
				texts[g.r.IntN(len(texts))] = text
			}
		}
		return e.Add(Doc{ID: id, Title: title, Text: text, Outlet: "o" + strconv.Itoa(int(id%50)),
			Published: t0.Add(time.Duration(id) * step)})
	}
	// Prefill without the entity tagger (it changes nothing in the index
	// but takes most of the time).
	e.opts.Entities = func(string, string) []digest.Entity { return nil }
	for range prefill {
		add()
	}
	e.opts.Entities = std.Entities
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapPer := float64(ms.HeapAlloc) / float64(max(prefill, 1))
	if p := os.Getenv("DIGEST_BENCH_PROFILE"); p != "" {
		// Profile the measured phase only, not the prefill.
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	b.ResetTimer()
	var wall, cpu time.Duration
	for b.Loop() {
		// Generate the next article untimed, so the generator does not
		// count.
		id++
		var title, text string
		if id%10 == 0 {
			text = "Republished from another outlet.\n\n" + texts[g.r.IntN(len(texts))] + "\n\nSource link"
		} else {
			title, text = g.article((int(id)/4 + g.r.IntN(40)) % events)
		}
		d := Doc{ID: id, Title: title, Text: text, Outlet: "o" + strconv.Itoa(int(id%50)), Published: t0.Add(time.Duration(id) * step)}
		w0, c0 := time.Now(), cpuTime()
		r := e.Add(d)
		e.Story(r.StoryID)
		wall += time.Since(w0)
		cpu += cpuTime() - c0
	}
	// On a shared machine wall time includes waiting for a core; CPU time
	// is what one core spends.
	b.ReportMetric(float64(b.N)/wall.Seconds(), "articles/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "articles/cpu-s")
	b.ReportMetric(heapPer, "heapB/article")
	b.ReportMetric(float64(len(e.articles)), "stored")
	b.ReportMetric(float64(len(e.past)), "past")
	biggest := 0
	for _, s := range e.stories {
		biggest = max(biggest, len(s.members))
	}
	b.ReportMetric(float64(biggest), "max-story")
	b.ReportMetric(float64(len(e.stories)), "stories")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
