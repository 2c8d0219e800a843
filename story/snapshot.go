package story

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"slices"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/dedup"
)

// A snapshot is the whole state of an Engine written as bytes, so that a
// server can stop and start again with the same engine without replaying
// the articles of its window (minutes at 200,000 articles). Its layout:
//
//	magic, version, fingerprint, sections..., CRC-32C of all before it
//
// Every integer is a varint, every float 8 bytes little-endian (a term's
// hash and weight 4 bytes each; exact: an
// engine read back behaves exactly as the one written), maps by increasing
// key, so one state always gives the same bytes.
//
// The format knows every field of the engine's internal types: a field
// added to them must be added here (and the version raised), which
// TestSnapshotRoundTrip enforces by comparing a restored engine with the
// original field by field.

// SnapshotVersion is the version of the snapshot format. Version 2 holds
// 32-bit term and sketch hashes and float32 weights (version 1: 64-bit,
// float64) and of each article's Result only its credit and similarity; a
// snapshot of another version is refused with ErrSnapshot, and the server
// rebuilds the engine by replaying the window's articles (once, after
// the upgrade) and writes a snapshot of this version.
const SnapshotVersion = 2

const snapshotMagic = "digest-story-engine\n"

// ErrSnapshot is wrapped by the errors of ReadSnapshot for a snapshot that
// cannot be used: corrupt, truncated, of another format version, or of
// another configuration. The caller replays the articles instead.
var ErrSnapshot = errors.New("unusable story engine snapshot")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Fingerprint identifies what an engine's state depends on besides its
// articles: the snapshot version, its options (with which of the entity
// and summary hooks are set), the pair model's weights and the
// duplicate detection options. A snapshot is only read back into an engine
// with the same fingerprint. The hooks themselves cannot be compared: a
// caller that changes what they do must change salt.
func Fingerprint(opts Options, salt string) string {
	o := opts.withDefaults()
	h := sha256.New()
	fmt.Fprintf(h, "v%d\x00%s\x00", SnapshotVersion, salt)
	fmt.Fprintf(h, "%d %d %v %v %v %v %v %v %v %v %d %d %d %d %d %d %d\x00",
		o.Window, o.DedupWindow, o.Join, o.Bridge, o.Merge, o.Split, o.TitleBoost, o.LeadBoost, o.ProperBoost,
		o.IDFPower, o.ArticleTerms, o.MaxWords, o.YearWords, o.CentroidTerms, o.Candidates, o.IndexTerms, o.QueryTerms)
	fmt.Fprintf(h, "now=%t entities=%t summarize=%t summaries=%t\x00", o.Now != nil, o.Entities != nil, o.Summarize != nil, o.Summaries != nil)
	fmt.Fprintf(h, "dedup=%+v\x00model=%v %v\x00", o.Dedup, learned.w, learned.b)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// WriteSnapshot writes the engine's state to w. The salt is that of
// Fingerprint. It fails only when w does.
func (e *Engine) WriteSnapshot(w io.Writer, salt string) error {
	en := &encoder{w: w, buf: make([]byte, 0, 64<<10)}
	en.raw([]byte(snapshotMagic))
	en.u(SnapshotVersion)
	en.str(Fingerprint(e.opts, salt))

	en.i(int64(e.docs))
	en.i(e.nextID)
	en.time(e.clock)
	en.time(e.evicted)

	en.u(uint64(len(e.df)))
	for _, h := range slices.Sorted(maps.Keys(e.df)) {
		en.fixed32(h)
		en.u(uint64(e.df[h]))
	}
	en.u(uint64(len(e.urls)))
	for _, u := range slices.Sorted(maps.Keys(e.urls)) {
		en.str(u)
		en.i(e.urls[u])
	}
	en.u(uint64(len(e.mergedTo)))
	for _, from := range slices.Sorted(maps.Keys(e.mergedTo)) {
		en.i(from)
		en.i(e.mergedTo[from])
	}
	en.u(uint64(len(e.postings)))
	for _, h := range slices.Sorted(maps.Keys(e.postings)) {
		en.fixed32(h)
		en.ids(e.postings[h])
	}
	en.u(uint64(len(e.forgets)))
	for _, f := range e.forgets {
		en.i(f.id)
		en.time(f.at)
	}
	en.u(uint64(len(e.stories)))
	for _, id := range slices.Sorted(maps.Keys(e.stories)) {
		en.story(e.stories[id])
	}
	for _, m := range []map[int64]*article{e.articles, e.past} {
		en.u(uint64(len(m)))
		for _, id := range slices.Sorted(maps.Keys(m)) {
			en.article(m[id])
		}
	}

	en.u(uint64(e.dedup.Generation()))
	en.u(uint64(e.dedup.Len()))
	e.dedup.EachText(func(id int64, sk dedup.Sketch, gen uint32) {
		en.i(id)
		en.u(uint64(gen))
		en.i(int64(sk.Shingles))
		en.u(uint64(len(sk.Hashes)))
		for _, h := range sk.Hashes {
			en.fixed32(h)
		}
	})
	en.u(uint64(e.dedup.Postings()))
	e.dedup.EachPosting(func(h uint32, ids []int64) {
		en.fixed32(h)
		en.ids(ids)
	})
	return en.finish()
}

// ReadSnapshot returns the engine a snapshot holds, configured with opts
// (whose fingerprint with salt must be the snapshot's). Its errors wrap
// ErrSnapshot when the snapshot is unusable, and are r's errors otherwise.
func ReadSnapshot(r io.Reader, opts Options, salt string) (*Engine, error) {
	d := &decoder{r: r, buf: make([]byte, 64<<10)}
	e, err := d.engine(opts, salt)
	if err != nil {
		return nil, err
	}
	if err := d.verify(); err != nil {
		return nil, err
	}
	return e, nil
}

func (d *decoder) engine(opts Options, salt string) (e *Engine, err error) {
	defer func() {
		if x := recover(); x != nil {
			de, ok := x.(decodeError)
			if !ok {
				panic(x)
			}
			e, err = nil, de.err
		}
	}()
	magic := d.raw(len(snapshotMagic))
	if string(magic) != snapshotMagic {
		d.fail("not a story engine snapshot")
	}
	if v := d.u(); v != SnapshotVersion {
		d.fail(fmt.Sprintf("format version %d, this engine reads %d", v, SnapshotVersion))
	}
	e = NewEngine(opts)
	if fp, want := d.str(), Fingerprint(e.opts, salt); fp != want {
		d.fail(fmt.Sprintf("written with another configuration (fingerprint %.12s, this engine's %.12s)", fp, want))
	}
	e.docs = int(d.i())
	e.nextID = d.i()
	e.clock = d.time()
	e.evicted = d.time()

	// Maps are made to the size the snapshot gives (bounded, should it
	// lie): growing them is most of the work of reading.
	n := d.count()
	e.df = make(map[uint32]uint32, min(n, 1<<22))
	for range n {
		h := d.fixed32()
		e.df[h] = uint32(d.u())
	}
	n = d.count()
	e.urls = make(map[string]int64, min(n, 1<<22))
	for range n {
		u := d.str()
		e.urls[u] = d.i()
	}
	for range d.count() {
		from := d.i()
		e.mergedTo[from] = d.i()
	}
	n = d.count()
	e.postings = make(map[uint32][]int64, min(n, 1<<22))
	for range n {
		h := d.fixed32()
		e.postings[h] = d.ids()
	}
	if n := d.count(); n > 0 {
		e.forgets = make([]forgetAt, 0, min(n, 1<<16))
		for range n {
			f := forgetAt{id: d.i()}
			f.at = d.time()
			e.forgets = append(e.forgets, f)
		}
	}
	n = d.count()
	e.stories = make(map[int64]*story, min(n, 1<<22))
	for range n {
		s := d.story()
		e.stories[s.id] = s
	}
	for _, m := range []*map[int64]*article{&e.articles, &e.past} {
		n = d.count()
		*m = make(map[int64]*article, min(n, 1<<22))
		for range n {
			a := d.article(e)
			(*m)[a.id] = a
		}
	}

	gen := uint32(d.u())
	n = d.count()
	texts := make(map[int64]dedup.RestoredText, min(n, 1<<22))
	for range n {
		id := d.i()
		t := dedup.RestoredText{Gen: uint32(d.u())}
		t.Sketch.Shingles = int(d.i())
		if n := d.count(); n > 0 {
			t.Sketch.Hashes = d.fixeds(n)
		}
		texts[id] = t
	}
	n = d.count()
	postings := make(map[uint32][]int64, min(n, 1<<22))
	for range n {
		h := d.fixed32()
		postings[h] = d.ids()
	}
	e.dedup = dedup.Restore(e.opts.Dedup, gen, texts, postings)
	return e, nil
}

func (en *encoder) story(s *story) {
	en.i(s.id)
	en.terms(s.centroid)
	en.f(s.cnorm)
	en.terms(s.names)
	en.terms(s.lead)
	en.i(int64(s.vectors))
	for _, m := range []map[int]int{s.years, s.numbers, s.days, s.months} {
		en.u(uint64(len(m)))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			en.i(int64(k))
			en.i(int64(m[k]))
		}
	}
	en.ids(s.members)
	en.i(s.follows)
	en.strs(s.outlets)
	en.u(uint64(len(s.outletN)))
	for _, n := range s.outletN {
		en.i(int64(n))
	}
	en.u(uint64(len(s.outletAt)))
	for _, t := range s.outletAt {
		en.time(t)
	}
	en.entities(s.entities)
	en.time(s.first)
	en.time(s.last)
	en.u(uint64(len(s.indexed)))
	for _, h := range s.indexed {
		en.fixed32(h)
	}
	en.str(s.headline)
	en.str(s.summary)
	en.str(s.short)
	en.i(int64(s.shortLen))
	en.entities(s.named)
	en.i(int64(s.summarized))
}

func (d *decoder) story() *story {
	s := &story{}
	s.id = d.i()
	s.centroid = d.terms()
	s.cnorm = d.f()
	s.names = d.terms()
	s.lead = d.terms()
	s.vectors = int(d.i())
	for _, m := range []*map[int]int{&s.years, &s.numbers, &s.days, &s.months} {
		*m = make(map[int]int)
		for range d.count() {
			k := int(d.i())
			(*m)[k] = int(d.i())
		}
	}
	s.members = d.ids()
	s.follows = d.i()
	s.outlets = d.strs()
	if n := d.count(); n > 0 {
		s.outletN = make([]int32, 0, min(n, 1<<12))
		for range n {
			s.outletN = append(s.outletN, int32(d.i()))
		}
	}
	if n := d.count(); n > 0 {
		s.outletAt = make([]time.Time, 0, min(n, 1<<12))
		for range n {
			s.outletAt = append(s.outletAt, d.time())
		}
	}
	s.entities = d.entities()
	s.first = d.time()
	s.last = d.time()
	if n := d.count(); n > 0 {
		s.indexed = make([]uint32, 0, min(n, 1<<12))
		for range n {
			s.indexed = append(s.indexed, d.fixed32())
		}
	}
	s.headline = d.str()
	s.summary = d.str()
	s.short = d.str()
	s.shortLen = int32(d.i())
	s.named = d.entities()
	s.summarized = int(d.i())
	return s
}

func (en *encoder) article(a *article) {
	en.i(a.id)
	en.i(a.story)
	en.str(a.title)
	en.str(a.lead)
	en.str(a.url)
	en.str(a.source)
	en.str(a.outlet)
	en.strs(a.feeds)
	en.time(a.published)
	en.query(a.q)
	en.entities(entitiesOf(a.ents))
	en.i(a.dupOf)
	en.i(a.original)
	en.i(a.credit)
	en.f(a.similarity)
}

func (d *decoder) article(e *Engine) *article {
	a := &article{}
	a.id = d.i()
	a.story = d.i()
	a.title = d.str()
	a.lead = d.str()
	a.url = d.str()
	a.source = d.str()
	a.outlet = e.intern(d.str())
	a.feeds = e.internFeeds(d.strs())
	a.published = d.time()
	a.q = d.query()
	a.ents = keepEntities(d.entities())
	a.dupOf = d.i()
	a.original = d.i()
	a.credit = d.i()
	a.similarity = d.f()
	return a
}

// Query flags: none, or one whose contrib is its vec (as compact makes
// them), or one with a contrib of its own.
const (
	queryNone = iota
	queryShared
	queryOwn
)

// An article's kept query is written as a query whose contrib is its vec
// (queryShared): the format of version 2, which kept queries as they were.
func (en *encoder) query(k *keptQuery) {
	if k == nil {
		en.u(queryNone)
		return
	}
	q := k.query()
	en.u(queryShared)
	en.terms(q.vec)
	en.terms(q.names)
	en.terms(q.lead)
	for _, xs := range [][]int{q.years, q.months, q.numbers, q.days} {
		en.u(uint64(len(xs)))
		for _, x := range xs {
			en.i(int64(x))
		}
	}
}

func (d *decoder) query() *keptQuery {
	q := &query{}
	switch d.u() {
	case queryNone:
		return nil
	case queryShared:
		q.vec = d.terms()
		q.contrib = q.vec
	case queryOwn:
		// Written by an engine that kept contribs of their own (none
		// did): the vec is what an article keeps.
		q.vec = d.terms()
		d.terms()
	default:
		d.fail("bad query flag")
	}
	q.names = d.terms()
	q.lead = d.terms()
	for _, xs := range []*[]int{&q.years, &q.months, &q.numbers, &q.days} {
		if n := d.count(); n > 0 {
			*xs = make([]int, 0, min(n, 1<<12))
			for range n {
				*xs = append(*xs, int(d.i()))
			}
		}
	}
	return keepQuery(q)
}

func (en *encoder) terms(ts []term) {
	en.u(uint64(len(ts)))
	for _, t := range ts {
		en.fixed32(t.h)
		en.fixed32(math.Float32bits(t.w))
	}
}

func (d *decoder) terms() []term {
	n := d.count()
	if n == 0 {
		return nil
	}
	ts := make([]term, 0, min(n, 1<<12))
	for n > 0 {
		// As many terms as the buffer holds at once, without a bounds
		// check per field.
		k := min(n, len(d.buf)/8)
		d.fill(8 * k)
		b := d.buf[d.pos : d.pos+8*k]
		for i := 0; i < len(b); i += 8 {
			ts = append(ts, term{binary.LittleEndian.Uint32(b[i:]), math.Float32frombits(binary.LittleEndian.Uint32(b[i+4:]))})
		}
		d.pos += 8 * k
		n -= k
	}
	return ts
}

func (en *encoder) entities(es []digest.Entity) {
	en.u(uint64(len(es)))
	for _, x := range es {
		en.i(x.ID)
		en.str(x.Name)
		en.str(string(x.Kind))
		en.i(int64(x.Count))
	}
}

func (d *decoder) entities() []digest.Entity {
	n := d.count()
	if n == 0 {
		return nil
	}
	es := make([]digest.Entity, 0, min(n, 1<<10))
	for range n {
		x := digest.Entity{ID: d.i()}
		x.Name = d.str()
		x.Kind = entityKind(d.str())
		x.Count = int(d.i())
		es = append(es, x)
	}
	return es
}

// encoder writes a snapshot through a buffer, keeping the checksum of what
// it wrote and the first error.
type encoder struct {
	w   io.Writer
	buf []byte
	crc uint32
	err error
}

func (en *encoder) flush() {
	if en.err == nil && len(en.buf) > 0 {
		en.crc = crc32.Update(en.crc, crcTable, en.buf)
		_, en.err = en.w.Write(en.buf)
	}
	en.buf = en.buf[:0]
}

func (en *encoder) room(n int) {
	if len(en.buf)+n > cap(en.buf) {
		en.flush()
	}
}

func (en *encoder) raw(b []byte) {
	if len(b) > cap(en.buf) {
		en.flush()
		if en.err == nil {
			en.crc = crc32.Update(en.crc, crcTable, b)
			_, en.err = en.w.Write(b)
		}
		return
	}
	en.room(len(b))
	en.buf = append(en.buf, b...)
}

func (en *encoder) u(x uint64) {
	en.room(binary.MaxVarintLen64)
	en.buf = binary.AppendUvarint(en.buf, x)
}

func (en *encoder) i(x int64) {
	en.room(binary.MaxVarintLen64)
	en.buf = binary.AppendVarint(en.buf, x)
}

func (en *encoder) fixed(x uint64) {
	en.room(8)
	en.buf = binary.LittleEndian.AppendUint64(en.buf, x)
}

func (en *encoder) f(x float64) { en.fixed(math.Float64bits(x)) }

func (en *encoder) fixed32(x uint32) {
	en.room(4)
	en.buf = binary.LittleEndian.AppendUint32(en.buf, x)
}

func (en *encoder) str(s string) {
	en.u(uint64(len(s)))
	if len(s) > cap(en.buf) {
		en.raw([]byte(s))
		return
	}
	en.room(len(s))
	en.buf = append(en.buf, s...)
}

func (en *encoder) strs(ss []string) {
	en.u(uint64(len(ss)))
	for _, s := range ss {
		en.str(s)
	}
}

func (en *encoder) ids(xs []int64) {
	en.u(uint64(len(xs)))
	for _, x := range xs {
		en.i(x)
	}
}

// time writes a time as seconds and nanoseconds since 1970 (UTC), with a
// flag for the zero time.
func (en *encoder) time(t time.Time) {
	if t.IsZero() {
		en.u(0)
		return
	}
	en.u(1)
	en.i(t.Unix())
	en.u(uint64(t.Nanosecond()))
}

// finish writes the checksum after what was written.
func (en *encoder) finish() error {
	en.flush()
	if en.err != nil {
		return en.err
	}
	_, err := en.w.Write(binary.LittleEndian.AppendUint32(nil, en.crc))
	return err
}

// decoder reads a snapshot, checksumming what it consumed. Its reading
// methods panic with a decodeError on bad input, recovered by engine.
type decoder struct {
	r        io.Reader
	buf      []byte
	pos, end int
	crc      uint32
	eof      bool
}

type decodeError struct{ err error }

// Bounds on what one field of a snapshot may claim, so that a corrupt
// length fails rather than allocating without end.
const (
	maxSnapshotString = 16 << 20
	maxSnapshotCount  = 1 << 30
)

func (d *decoder) fail(msg string) {
	panic(decodeError{fmt.Errorf("%w: %s", ErrSnapshot, msg)})
}

// fill makes at least n bytes available from pos (n <= len(buf)).
func (d *decoder) fill(n int) {
	if d.end-d.pos >= n {
		return
	}
	d.crc = crc32.Update(d.crc, crcTable, d.buf[:d.pos])
	copy(d.buf, d.buf[d.pos:d.end])
	d.end -= d.pos
	d.pos = 0
	for d.end < n {
		if d.eof {
			d.fail("truncated")
		}
		m, err := d.r.Read(d.buf[d.end:])
		d.end += m
		if errors.Is(err, io.EOF) {
			d.eof = true
		} else if err != nil {
			panic(decodeError{fmt.Errorf("read story engine snapshot: %w", err)})
		}
	}
}

func (d *decoder) raw(n int) []byte {
	out := make([]byte, 0, min(n, len(d.buf)))
	for n > 0 {
		k := min(n, len(d.buf))
		d.fill(k)
		out = append(out, d.buf[d.pos:d.pos+k]...)
		d.pos += k
		n -= k
	}
	return out
}

func (d *decoder) u() uint64 {
	if d.end-d.pos < binary.MaxVarintLen64 && !d.eof {
		d.fillSome(binary.MaxVarintLen64)
	}
	x, n := binary.Uvarint(d.buf[d.pos:d.end])
	if n <= 0 {
		if n == 0 {
			d.fail("truncated")
		}
		d.fail("bad varint")
	}
	d.pos += n
	return x
}

// fillSome reads until n bytes are available or the input ends.
func (d *decoder) fillSome(n int) {
	defer func() {
		if x := recover(); x != nil {
			if de, ok := x.(decodeError); !ok || !errors.Is(de.err, ErrSnapshot) {
				panic(x)
			}
			// Fewer than n bytes are left: the varint reader says
			// whether they suffice.
		}
	}()
	d.fill(n)
}

func (d *decoder) i() int64 {
	ux := d.u()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) fixed() uint64 {
	d.fill(8)
	x := binary.LittleEndian.Uint64(d.buf[d.pos:])
	d.pos += 8
	return x
}

func (d *decoder) f() float64 { return math.Float64frombits(d.fixed()) }

func (d *decoder) fixed32() uint32 {
	d.fill(4)
	x := binary.LittleEndian.Uint32(d.buf[d.pos:])
	d.pos += 4
	return x
}

// fixeds reads n 4-byte integers.
func (d *decoder) fixeds(n int) []uint32 {
	out := make([]uint32, 0, min(n, 1<<12))
	for n > 0 {
		k := min(n, len(d.buf)/4)
		d.fill(4 * k)
		b := d.buf[d.pos : d.pos+4*k]
		for i := 0; i < len(b); i += 4 {
			out = append(out, binary.LittleEndian.Uint32(b[i:]))
		}
		d.pos += 4 * k
		n -= k
	}
	return out
}

func (d *decoder) count() int {
	n := d.u()
	if n > maxSnapshotCount {
		d.fail(fmt.Sprintf("implausible count %d", n))
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.u()
	if n > maxSnapshotString {
		d.fail(fmt.Sprintf("implausible string length %d", n))
	}
	return string(d.raw(int(n)))
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, 0, min(n, 1<<10))
	for range n {
		out = append(out, d.str())
	}
	return out
}

func (d *decoder) ids() []int64 {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]int64, 0, min(n, 1<<12))
	for range n {
		out = append(out, d.i())
	}
	return out
}

func (d *decoder) time() time.Time {
	switch d.u() {
	case 0:
		return time.Time{}
	case 1:
		sec := d.i()
		ns := d.u()
		if ns >= 1e9 {
			d.fail("bad time")
		}
		return time.Unix(sec, int64(ns)).UTC()
	}
	d.fail("bad time flag")
	return time.Time{}
}

// verify checks the checksum that follows what was read, and that nothing
// follows it.
func (d *decoder) verify() (err error) {
	defer func() {
		if x := recover(); x != nil {
			de, ok := x.(decodeError)
			if !ok {
				panic(x)
			}
			err = de.err
		}
	}()
	sum := crc32.Update(d.crc, crcTable, d.buf[:d.pos])
	copy(d.buf, d.buf[d.pos:d.end])
	d.end -= d.pos
	d.pos = 0
	d.fill(4)
	got := binary.LittleEndian.Uint32(d.buf[d.pos:])
	d.pos += 4
	if got != sum {
		d.fail("checksum mismatch")
	}
	if d.end > d.pos {
		d.fail("trailing bytes")
	}
	var one [1]byte
	if !d.eof {
		if n, _ := io.ReadFull(d.r, one[:]); n > 0 {
			d.fail("trailing bytes")
		}
	}
	return nil
}
