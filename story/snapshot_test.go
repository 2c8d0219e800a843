package story

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
	"unsafe"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/testnews"
)

// snapshotDocs is a stream that exercises every part of the engine's
// state: stories that grow, merge, split and close (Multi-News articles,
// two earthquakes of one kind interleaved, synthetic events), copies
// across outlets (named as source or not), a series of one outlet,
// articles without a date, and, spread over several windows, articles
// forgotten.
func snapshotDocs(t testing.TB, n int) []Doc {
	g := newGen(3, 6, 40)
	news := loadCorpus(t, "articles.jsonl")
	pa, af := quakeDocs(0, 30, testnews.PortAlder), quakeDocs(0, 30, testnews.AshbyFalls)
	var docs []Doc
	var texts []string
	at := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		at = at.Add(7 * time.Minute)
		d := Doc{ID: int64(i), Outlet: "outlet-" + strconv.Itoa(i%7), Published: at,
			URL: fmt.Sprintf("https://outlet%d.example/news/%d", i%7, i)}
		switch {
		case i%11 == 0 && len(texts) > 0:
			// A copy of an earlier article, by another outlet, naming it
			// as its source.
			k := (i * 7) % len(texts)
			d.Text = "Republished.\n\n" + texts[k]
			d.SourceURL = docs[k].URL
			d.Outlet = "copier"
		case i%23 == 0 && len(texts) > 0:
			// A copy naming nothing.
			d.Text = texts[(i*5)%len(texts)]
			d.Outlet = "aggregator"
		case i%13 == 0:
			d.Title, d.Text = "Weather forecast for Ashby", "Sunny spells and light winds today across the region, with showers later in the week and temperatures near normal for the season."
		case i%17 == 0:
			d.Published = time.Time{}
			d.Title, d.Text = g.article(i % 40)
		case i%4 == 0:
			q := pa
			if i%8 == 0 {
				q = af
			}
			d.Title, d.Text = q[(i/8)%len(q)].Title, q[(i/8)%len(q)].Text
		case i%3 == 0:
			d.Text = news[(i/3)%len(news)].Text
		default:
			d.Title, d.Text = g.article((i/5 + i%3) % 40)
			d.Author = "Lena Okafor"
		}
		if i%5 == 0 {
			d.Feeds = []string{"feed-a" + strconv.Itoa(i%3), "feed-b"}
		}
		texts = append(texts, d.Text)
		docs = append(docs, d)
	}
	return docs
}

func snapshotOptions() Options {
	o := DefaultOptions()
	o.Window = 18 * time.Hour
	o.DedupWindow = 40 * time.Hour
	return o
}

func snapshotBytes(t testing.TB, e *Engine) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := e.WriteSnapshot(&b, "test"); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSnapshotRoundTrip is the snapshot's contract: an engine read back
// from a snapshot equals the one written, field by field (so a field
// added to the engine's types and not to the snapshot fails here), and
// goes on exactly as an engine that never stopped.
func TestSnapshotRoundTrip(t *testing.T) {
	docs := snapshotDocs(t, 700)
	opts := snapshotOptions()
	for _, cut := range []int{0, 1, 150, 420} {
		t.Run(strconv.Itoa(cut), func(t *testing.T) {
			a := NewEngine(opts)
			merges, splits := 0, 0
			for i, d := range docs[:cut] {
				if i == 30 {
					for _, old := range snapshotDocs(t, 20) {
						old.ID += 100_000
						old.Published = old.Published.Add(-10 * 24 * time.Hour)
						a.Remember(old)
					}
				}
				r := a.Add(d)
				merges += len(r.MergedStories)
				splits += len(r.SplitStories)
			}
			if cut > 400 && (len(a.past) == 0 || merges == 0 || splits == 0 || len(a.forgets) == 0 || a.dedup.Len() == 0) {
				t.Fatalf("the stream does not exercise the state: past %d, merges %d, splits %d, forgets %d", len(a.past), merges, splits, len(a.forgets))
			}
			snap := snapshotBytes(t, a)
			if again := snapshotBytes(t, a); !bytes.Equal(snap, again) {
				t.Fatal("two snapshots of one state differ")
			}
			b, err := ReadSnapshot(bytes.NewReader(snap), opts, "test")
			if err != nil {
				t.Fatal(err)
			}
			if diff := stateDiff(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem(), "Engine"); diff != "" {
				t.Fatalf("restored engine differs: %s", diff)
			}
			if !bytes.Equal(snapshotBytes(t, b), snap) {
				t.Fatal("the restored engine's snapshot differs")
			}
			for _, d := range docs[cut:] {
				ra, rb := a.Add(d), b.Add(d)
				if !reflect.DeepEqual(ra, rb) {
					t.Fatalf("article %d: %+v after restore, %+v without", d.ID, rb, ra)
				}
			}
			if !reflect.DeepEqual(a.Stories(), b.Stories()) {
				t.Fatal("stories differ after the rest of the stream")
			}
			// Articles closed by one eviction are scheduled in map order,
			// all for one time: their order among themselves is no state.
			for _, e := range []*Engine{a, b} {
				slices.SortStableFunc(e.forgets, func(x, y forgetAt) int {
					if c := x.at.Compare(y.at); c != 0 {
						return c
					}
					return cmp.Compare(x.id, y.id)
				})
			}
			if diff := stateDiff(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem(), "Engine"); diff != "" {
				t.Fatalf("engines differ after the rest of the stream: %s", diff)
			}
		})
	}
}

// stateDiff compares two values of the engine's types field by field,
// unexported fields included: it returns where they first differ, or "".
// Empty and nil slices and maps are equal (the snapshot does not tell
// them apart), functions are not compared (the options' hooks are the
// caller's), and pointers are followed.
func stateDiff(a, b reflect.Value, path string) string {
	if a.Kind() != b.Kind() {
		return path + ": kinds differ"
	}
	switch a.Kind() {
	case reflect.Func:
		return ""
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil on one side only"
			}
			return ""
		}
		return stateDiff(a.Elem(), b.Elem(), "(*"+path+")")
	case reflect.Struct:
		if ra, rb := readable(a), readable(b); a.Type() == reflect.TypeFor[time.Time]() && ra.IsValid() && rb.IsValid() {
			ta, tb := ra.Interface().(time.Time), rb.Interface().(time.Time)
			if !ta.Equal(tb) {
				return fmt.Sprintf("%s: %v != %v", path, ta, tb)
			}
			return ""
		}
		for i := range a.NumField() {
			if d := stateDiff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d != %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := stateDiff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d entries != %d", path, a.Len(), b.Len())
		}
		iter := a.MapRange()
		for iter.Next() {
			vb := b.MapIndex(iter.Key())
			if !vb.IsValid() {
				return fmt.Sprintf("%s[%v]: missing", path, iter.Key())
			}
			if d := stateDiff(iter.Value(), vb, fmt.Sprintf("%s[%v]", path, iter.Key())); d != "" {
				return d
			}
		}
		return ""
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil on one side only"
			}
			return ""
		}
		return stateDiff(a.Elem(), b.Elem(), path)
	case reflect.Float32, reflect.Float64:
		if math64(a.Float()) != math64(b.Float()) {
			return fmt.Sprintf("%s: %v != %v", path, a.Float(), b.Float())
		}
		return ""
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			return path + ": differs"
		}
		return ""
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			return fmt.Sprintf("%s: %d != %d", path, a.Int(), b.Int())
		}
		return ""
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if a.Uint() != b.Uint() {
			return fmt.Sprintf("%s: %d != %d", path, a.Uint(), b.Uint())
		}
		return ""
	case reflect.String:
		if a.String() != b.String() {
			return fmt.Sprintf("%s: %q != %q", path, a.String(), b.String())
		}
		return ""
	}
	return path + ": cannot compare " + a.Kind().String()
}

// math64 returns a float's bits, so that NaNs compare equal.
func math64(f float64) uint64 { return math.Float64bits(f) }

// readable returns v without the read-only mark of an unexported field.
func readable(v reflect.Value) reflect.Value {
	if v.CanInterface() {
		return v
	}
	if v.CanAddr() {
		return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	return reflect.Value{}
}

// TestSnapshotDiffSeesEveryField checks the checker: a change to any
// field of any of the engine's types is reported.
func TestSnapshotDiffSeesEveryField(t *testing.T) {
	a := NewEngine(snapshotOptions())
	for _, d := range snapshotDocs(t, 200) {
		a.Add(d)
	}
	b, err := ReadSnapshot(bytes.NewReader(snapshotBytes(t, a)), snapshotOptions(), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range b.stories {
		s.summarized++
		break
	}
	if stateDiff(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem(), "Engine") == "" {
		t.Fatal("a changed story field went unseen")
	}
}

// TestSnapshotUnusable: a snapshot that is corrupt, truncated, of another
// version or of another configuration is refused with ErrSnapshot (never
// a panic, never an engine).
func TestSnapshotUnusable(t *testing.T) {
	e := NewEngine(snapshotOptions())
	for _, d := range snapshotDocs(t, 120) {
		e.Add(d)
	}
	good := snapshotBytes(t, e)
	read := func(b []byte, opts Options, salt string) error {
		_, err := ReadSnapshot(bytes.NewReader(b), opts, salt)
		return err
	}
	if err := read(good, snapshotOptions(), "test"); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{"empty": nil, "not a snapshot": []byte("hello, world\n")}
	for _, n := range []int{1, len(snapshotMagic), len(snapshotMagic) + 1, 40, len(good) / 3, len(good) / 2, len(good) - 5, len(good) - 4, len(good) - 1} {
		cases[fmt.Sprintf("truncated to %d bytes", n)] = good[:n]
	}
	for _, at := range []int{len(snapshotMagic), 50, 300, len(good) / 2, len(good) - 100, len(good) - 2} {
		b := bytes.Clone(good)
		b[at] ^= 0x5a
		cases[fmt.Sprintf("byte %d flipped", at)] = b
	}
	cases["trailing bytes"] = append(bytes.Clone(good), 0)
	old := bytes.Clone(good)
	old[len(snapshotMagic)] = SnapshotVersion + 1
	cases["another version"] = old
	for name, b := range cases {
		if err := read(b, snapshotOptions(), "test"); !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: %v, want ErrSnapshot", name, err)
		}
	}
	other := snapshotOptions()
	other.Join += 0.01
	if err := read(good, other, "test"); !errors.Is(err, ErrSnapshot) {
		t.Errorf("other options: %v, want ErrSnapshot", err)
	}
	if err := read(good, snapshotOptions(), "another model"); !errors.Is(err, ErrSnapshot) {
		t.Errorf("other salt: %v, want ErrSnapshot", err)
	}
}

// TestSnapshotReadError: a failing reader's error comes back as is.
func TestSnapshotReadError(t *testing.T) {
	e := NewEngine(snapshotOptions())
	for _, d := range snapshotDocs(t, 30) {
		e.Add(d)
	}
	good := snapshotBytes(t, e)
	boom := errors.New("disk on fire")
	_, err := ReadSnapshot(ioErrAfter{bytes.NewReader(good[:len(good)/2]), boom}, snapshotOptions(), "test")
	if !errors.Is(err, boom) || errors.Is(err, ErrSnapshot) {
		t.Fatalf("got %v", err)
	}
}

type ioErrAfter struct {
	r   *bytes.Reader
	err error
}

func (r ioErrAfter) Read(p []byte) (int, error) {
	if r.r.Len() == 0 {
		return 0, r.err
	}
	return r.r.Read(p)
}

func FuzzReadSnapshot(f *testing.F) {
	e := NewEngine(snapshotOptions())
	for _, d := range snapshotDocs(f, 12) {
		e.Add(d)
	}
	var b bytes.Buffer
	if err := e.WriteSnapshot(&b, "test"); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte(snapshotMagic + "\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ReadSnapshot(bytes.NewReader(data), snapshotOptions(), "test")
		if err == nil {
			// Whatever was accepted writes back to the same bytes.
			var out bytes.Buffer
			if err := e.WriteSnapshot(&out, "test"); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Fatal("an accepted snapshot does not write back the same")
			}
		} else if !errors.Is(err, ErrSnapshot) {
			t.Fatalf("error not ErrSnapshot: %v", err)
		}
	})
}

// BenchmarkSnapshot measures writing and reading back a snapshot of an
// engine holding DIGEST_BENCH_PREFILL articles (default 20,000), all in
// open stories, as BenchmarkEngine builds them (one in ten a copy).
func BenchmarkSnapshot(b *testing.B) {
	n := 20_000
	if v := os.Getenv("DIGEST_BENCH_PREFILL"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	events := max(n/4, 1000)
	g := newGen(1, events/20+1, events)
	opts := Options{Window: 365 * 24 * time.Hour, Entities: func(string, string) []digest.Entity { return nil }}
	e := NewEngine(opts)
	var texts []string
	for id := int64(1); id <= int64(n); id++ {
		var title, text string
		if id%10 == 0 && len(texts) > 0 {
			text = "Republished from another outlet.\n\n" + texts[g.r.IntN(len(texts))]
		} else {
			title, text = g.article((int(id)/4 + g.r.IntN(40)) % events)
			if len(texts) < 1000 {
				texts = append(texts, text)
			}
		}
		e.Add(Doc{ID: id, Title: title, Text: text, Outlet: "o" + strconv.Itoa(int(id%50)), Published: t0.Add(time.Duration(id) * time.Second)})
	}
	var buf bytes.Buffer
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			buf.Reset()
			if err := e.WriteSnapshot(&buf, ""); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len())/float64(n), "B/article")
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			if _, err := ReadSnapshot(bytes.NewReader(buf.Bytes()), opts, ""); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	})
}

// TestFreezeKeepsItsMoment: a frozen engine writes the snapshot of the
// moment it was frozen, whatever the engine does after (adds with merges,
// splits, copies, closing stories and forgetting articles, story views
// caching summaries), so a server can write it without holding the
// engine.
func TestFreezeKeepsItsMoment(t *testing.T) {
	docs := snapshotDocs(t, 700)
	opts := snapshotOptions()
	for _, cut := range []int{0, 150, 420} {
		t.Run(strconv.Itoa(cut), func(t *testing.T) {
			e := NewEngine(opts)
			for _, d := range docs[:cut] {
				e.Add(d)
			}
			want := snapshotBytes(t, e)
			f := e.Freeze()
			merges, splits := 0, 0
			for i, d := range docs[cut:] {
				r := e.Add(d)
				merges += len(r.MergedStories)
				splits += len(r.SplitStories)
				if i%50 == 0 {
					e.Stories()
				}
			}
			if merges == 0 || splits == 0 && cut < 400 {
				t.Fatalf("the rest of the stream does not change the stories: %d merges, %d splits", merges, splits)
			}
			var got bytes.Buffer
			if err := f.WriteSnapshot(&got, "test"); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatal("the frozen engine's snapshot changed with the engine")
			}
			if bytes.Equal(snapshotBytes(t, e), want) {
				t.Fatal("the engine did not change")
			}
		})
	}
}
