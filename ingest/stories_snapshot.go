package ingest

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story"
)

// SnapshotStore is what Stories needs of a store to keep snapshots of its
// engine (the SQLite and PostgreSQL stores have it): see
// sqlstore.Store.WriteSnapshot and ReadSnapshot.
type SnapshotStore interface {
	// WriteSnapshot stores a new snapshot under name, written by write,
	// and makes it the one ReadSnapshot returns once write succeeded.
	WriteSnapshot(ctx context.Context, name string, version int, fingerprint string, write func(w io.Writer) error) (int64, error)
	// ReadSnapshot calls read with the newest snapshot of name. ENOTFOUND
	// when there is none, or when it was replaced while read.
	ReadSnapshot(ctx context.Context, name string, read func(version int, fingerprint string, created time.Time, r io.Reader) error) error
	// ArticleKeys calls fn with the ID, URL, story (0: none) and time of
	// every article published at or after since, in any order.
	ArticleKeys(ctx context.Context, since time.Time, fn func(id int64, url string, storyID int64, published time.Time) error) error
}

// DefaultSnapshotInterval is how often a warm engine that took articles
// writes a snapshot.
const DefaultSnapshotInterval = 10 * time.Minute

// snapshotName names the story engine's snapshots in the store.
const snapshotName = "stories"

// sinkVersion is the version of the sink's part of a snapshot (its
// mappings between stored and engine IDs); it salts the fingerprint.
const sinkVersion = 2 // 2: the stories each story follows

var sinkSalt = "ingest.Stories/" + strconv.Itoa(sinkVersion)

const sinkMagic = "digest-stories-sink\n"

// SetSnapshotInterval sets how often a warm engine that took articles
// writes a snapshot (<= 0: only at Close). Call it before Warm.
func (s *Stories) SetSnapshotInterval(d time.Duration) { s.snapshotEvery = d }

// Size returns the number of articles in the engine's open stories and
// of open stories.
func (s *Stories) Size() (articles, stories int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.engine.Size()
}

// SaveSnapshot writes the state of the engine and of the sink to the
// store, as the newest snapshot; Load starts from it. Adds wait only while
// the state is copied (Engine.Freeze, a fraction of the write): it is
// compressed and written meanwhile. A store that keeps no snapshots makes
// it do nothing.
func (s *Stories) SaveSnapshot(ctx context.Context) error {
	return s.saveSnapshot(ctx, false)
}

func (s *Stories) saveSnapshotIfChanged(ctx context.Context) error {
	return s.saveSnapshot(ctx, true)
}

// saveSnapshot writes a snapshot; with ifChanged only when articles were
// added since the last one. One is written at a time, so the newest
// state is the one stored last.
func (s *Stories) saveSnapshot(ctx context.Context, ifChanged bool) error {
	ss, ok := s.store.(SnapshotStore)
	if !ok {
		return nil
	}
	s.snap.Lock()
	defer s.snap.Unlock()
	start := time.Now()
	s.mu.Lock()
	if ifChanged && s.added == s.saved {
		s.mu.Unlock()
		return nil
	}
	added, articles := s.added, len(s.docs)
	var sink bytes.Buffer
	err := s.writeSink(&sink)
	frozen := s.engine.Freeze()
	fingerprint := story.Fingerprint(s.engine.Options(), sinkSalt)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("stories: write snapshot: %w", err)
	}
	held := time.Since(start)
	n, err := ss.WriteSnapshot(ctx, snapshotName, story.SnapshotVersion, fingerprint, func(w io.Writer) error {
		return writeCompressed(w, func(w io.Writer) error {
			if _, err := w.Write(sink.Bytes()); err != nil {
				return err
			}
			return frozen.WriteSnapshot(w, sinkSalt)
		})
	})
	if err != nil {
		return fmt.Errorf("stories: write snapshot: %w", err)
	}
	s.mu.Lock()
	s.saved = max(s.saved, added)
	s.mu.Unlock()
	s.log.Info("stories snapshot written", "bytes", n, "articles", articles, "took", time.Since(start).Round(time.Millisecond),
		"engine_held", held.Round(time.Millisecond))
	return nil
}

// compressedMagic opens a compressed snapshot: the sink's part and the
// engine's follow as one DEFLATE stream (RFC 1951). Snapshots written
// before compression start with the sink's length, never with these
// bytes, and are still read.
const compressedMagic = "digest-stories-deflate\n"

// snapshotLevel is the DEFLATE level of snapshots: the fastest, which
// makes them about a fifth of their size at a fraction of the time
// writing them to the store takes.
const snapshotLevel = flate.BestSpeed

// writeCompressed writes compressedMagic and what write writes, compressed.
func writeCompressed(w io.Writer, write func(w io.Writer) error) error {
	if _, err := io.WriteString(w, compressedMagic); err != nil {
		return err
	}
	fw, err := flate.NewWriter(w, snapshotLevel)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(fw, 256<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return fw.Close()
}

// snapshotReader returns the reader of a stored snapshot's content: r
// itself for one written before compression, else its decompression.
func snapshotReader(r *bufio.Reader) (*bufio.Reader, error) {
	head, err := r.Peek(len(compressedMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if string(head) != compressedMagic {
		return r, nil
	}
	r.Discard(len(compressedMagic))
	return bufio.NewReaderSize(inflater{flate.NewReader(r)}, 256<<10), nil
}

// inflater reports a compressed stream that is cut or corrupt as an
// unusable snapshot (the store's own errors pass through flate as they
// are).
type inflater struct{ r io.Reader }

func (f inflater) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("%w: compressed stream truncated", story.ErrSnapshot)
	case errors.As(err, &corrupt):
		err = fmt.Errorf("%w: %v", story.ErrSnapshot, err)
	}
	return n, err
}

// snapshots writes a snapshot every interval while articles come, and at
// once when the engine was filled without one, until ctx ends. Failures
// are logged (the next interval tries again): a missing snapshot costs a
// longer start, never data.
func (s *Stories) snapshots(ctx context.Context) {
	if s.snapshotEvery <= 0 {
		return
	}
	wait := s.snapshotEvery
	s.mu.Lock()
	if s.needSnapshot {
		wait = 0
	}
	s.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.saveSnapshotIfChanged(ctx); err != nil && ctx.Err() == nil {
			failures++
			if failures == 1 || failures%10 == 0 {
				s.log.Error("stories snapshot", "err", err, "failures", failures)
			}
		} else {
			failures = 0
		}
		t.Reset(s.snapshotEvery)
	}
}

// restore loads the newest usable snapshot into the engine and the sink,
// and reports whether there was one. An unusable snapshot (corrupt, of
// another format or configuration) is logged and reported as none: the
// caller replays the window. Errors are the store's.
func (s *Stories) restore(ctx context.Context) (bool, error) {
	ss, ok := s.store.(SnapshotStore)
	if !ok {
		return false, nil
	}
	opts := s.engine.Options()
	want := story.Fingerprint(opts, sinkSalt)
	start := time.Now()
	for attempt := 0; ; attempt++ {
		var e *story.Engine
		var sink *Stories
		var size int64
		err := ss.ReadSnapshot(ctx, snapshotName, func(version int, fingerprint string, created time.Time, r io.Reader) error {
			if version != story.SnapshotVersion {
				return fmt.Errorf("%w: format version %d, this engine reads %d", story.ErrSnapshot, version, story.SnapshotVersion)
			}
			if fingerprint != want {
				return fmt.Errorf("%w: written with another configuration of the engine", story.ErrSnapshot)
			}
			cr := &countReader{r: r}
			br, err := snapshotReader(bufio.NewReaderSize(cr, 256<<10))
			if err != nil {
				return err
			}
			if sink, err = readSink(br); err != nil {
				return err
			}
			if e, err = story.ReadSnapshot(br, opts, sinkSalt); err != nil {
				return err
			}
			size = cr.n
			s.log.Info("stories snapshot read", "written", created.UTC().Format(time.RFC3339), "bytes", size, "took", time.Since(start).Round(time.Millisecond))
			return nil
		})
		switch {
		case err == nil:
			s.mu.Lock()
			s.engine = e
			s.ids, s.docs, s.sidOf, s.keptBy, s.follows = sink.ids, sink.docs, sink.sidOf, sink.keptBy, sink.follows
			s.lastDoc, s.pruneAt = sink.lastDoc, max(2*len(sink.docs), minPrune)
			s.added, s.saved = 0, 0
			s.needSnapshot = false
			s.mu.Unlock()
			return true, nil
		case errors.Is(err, story.ErrSnapshot):
			s.log.Warn("stories snapshot unusable: replaying the window", "reason", err.Error())
			s.setNeedSnapshot()
			return false, nil
		case digest.IsNotFound(err) && attempt == 0:
			// None, or replaced while read: look once more.
			continue
		case digest.IsNotFound(err):
			s.log.Info("no stories snapshot: replaying the window")
			s.setNeedSnapshot()
			return false, nil
		default:
			return false, fmt.Errorf("stories: read snapshot: %w", err)
		}
	}
}

func (s *Stories) setNeedSnapshot() {
	s.mu.Lock()
	s.needSnapshot = true
	s.mu.Unlock()
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// catchUp adds the stored articles of the window that a restored engine
// does not hold (those assigned to stories after its snapshot was
// written), oldest first. Articles in no story are the pipeline's, as in
// Replay.
func (s *Stories) catchUp(ctx context.Context, now time.Time) error {
	ss := s.store.(SnapshotStore) // restore succeeded with it
	since := now.Add(-s.engine.Options().Window)
	type key struct {
		id        int64
		published time.Time
	}
	var missing []key
	listed := 0
	s.mu.Lock()
	err := ss.ArticleKeys(ctx, since, func(id int64, url string, storyID int64, published time.Time) error {
		listed++
		if storyID == 0 {
			return nil
		}
		ref, ok := s.docs[id]
		// Without a URL the fingerprint needs the sources: the ID stands
		// for the article.
		if ok && (url == "" || ref.fp == fingerprint(&digest.Article{URL: url})) {
			return nil
		}
		missing = append(missing, key{id, published})
		return nil
	})
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("load stories: %w", err)
	}
	// replay takes them newest first, as RecentArticles lists them.
	slices.SortFunc(missing, func(a, b key) int {
		if c := b.published.Compare(a.published); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	ids := make([]int64, len(missing))
	for i, k := range missing {
		ids[i] = k.id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loaded.Store(0)
	s.toLoad.Store(int64(len(ids)))
	if err := s.replay(ctx, ids); err != nil {
		return err
	}
	s.log.Info("stories loaded from snapshot", "articles", len(s.docs), "window", listed, "replayed", len(ids))
	s.needSnapshot = len(ids) > 0
	return nil
}

// writeSink writes the sink's mappings: a length, the bytes, their
// CRC-32C. Callers hold s.mu.
func (s *Stories) writeSink(w io.Writer) error {
	b := []byte(sinkMagic)
	b = binary.AppendUvarint(b, sinkVersion)
	b = binary.AppendVarint(b, s.lastDoc)
	b = binary.AppendUvarint(b, uint64(len(s.ids)))
	for _, k := range slices.Sorted(maps.Keys(s.ids)) {
		b = binary.AppendVarint(b, k)
		b = binary.AppendVarint(b, s.ids[k])
	}
	b = binary.AppendUvarint(b, uint64(len(s.docs)))
	for _, k := range slices.Sorted(maps.Keys(s.docs)) {
		b = binary.AppendVarint(b, k)
		b = binary.AppendVarint(b, s.docs[k].id)
		b = binary.LittleEndian.AppendUint64(b, s.docs[k].fp)
	}
	for _, m := range []map[int64]int64{s.sidOf, s.keptBy, s.follows} {
		b = binary.AppendUvarint(b, uint64(len(m)))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			b = binary.AppendVarint(b, k)
			b = binary.AppendVarint(b, m[k])
		}
	}
	head := binary.AppendUvarint(nil, uint64(len(b)))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// maxSink bounds the sink's part of a snapshot (about 30 bytes an
// article).
const maxSink = 1 << 30

// readSink reads what writeSink wrote into a new sink's maps.
func readSink(r *bufio.Reader) (*Stories, error) {
	bad := func(msg string) error { return fmt.Errorf("%w: stories: %s", story.ErrSnapshot, msg) }
	n, err := binary.ReadUvarint(r)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, bad("truncated")
		}
		if strings.Contains(err.Error(), "overflows") {
			return nil, bad("bad length")
		}
		return nil, err
	}
	if n > maxSink || n < uint64(len(sinkMagic)) {
		return nil, bad("implausible length")
	}
	b := make([]byte, n+4)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, bad("truncated")
		}
		return nil, err
	}
	if crc32.Checksum(b[:n], crcTable) != binary.LittleEndian.Uint32(b[n:]) {
		return nil, bad("checksum mismatch")
	}
	b = b[:n]
	if string(b[:len(sinkMagic)]) != sinkMagic {
		return nil, bad("not a stories snapshot")
	}
	b = b[len(sinkMagic):]
	fail := false
	u := func() uint64 {
		x, k := binary.Uvarint(b)
		if k <= 0 {
			fail = true
			return 0
		}
		b = b[k:]
		return x
	}
	i := func() int64 {
		x, k := binary.Varint(b)
		if k <= 0 {
			fail = true
			return 0
		}
		b = b[k:]
		return x
	}
	count := func() int {
		c := u()
		if c > uint64(len(b)) { // every entry takes a byte at least
			fail = true
			return 0
		}
		return int(c)
	}
	if v := u(); v != sinkVersion {
		return nil, bad(fmt.Sprintf("version %d, this sink reads %d", v, sinkVersion))
	}
	s := &Stories{ids: map[int64]int64{}, docs: map[int64]docRef{}, sidOf: map[int64]int64{}, keptBy: map[int64]int64{}, follows: map[int64]int64{}}
	s.lastDoc = i()
	for range count() {
		k := i()
		s.ids[k] = i()
	}
	for range count() {
		k := i()
		ref := docRef{id: i()}
		if len(b) < 8 {
			return nil, bad("truncated")
		}
		ref.fp = binary.LittleEndian.Uint64(b)
		b = b[8:]
		s.docs[k] = ref
	}
	for _, m := range []map[int64]int64{s.sidOf, s.keptBy, s.follows} {
		for range count() {
			k := i()
			m[k] = i()
		}
	}
	if fail || len(b) != 0 {
		return nil, bad("malformed")
	}
	return s, nil
}
