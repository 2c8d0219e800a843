package ingest_test

import (
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/internal/testnews"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/story"
)

// quakeStore is a store with a wire feed whose articles report two
// earthquakes of one kind, saved report by report.
type quakeStore struct {
	t    *testing.T
	st   *sqlite.DB
	feed *digest.Feed
	now  time.Time
	ids  [2][]int64 // the articles of each quake
}

func newQuakeStore(t *testing.T) *quakeStore {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mustReader(t, st)
	f := &digest.Feed{URL: "https://wire.example/feed", Title: "Wire"}
	if err := st.CreateFeed(ctx, reader, f); err != nil {
		t.Fatal(err)
	}
	return &quakeStore{t: t, st: st, feed: f, now: time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Second)}
}

// save stores reports [from, to) of both quakes, interleaved, and returns
// their IDs in that order.
func (q *quakeStore) save(from, to int) []int64 {
	var entries []digest.Entry
	for i := from; i < to; i++ {
		for k, qk := range []testnews.Quake{testnews.PortAlder, testnews.AshbyFalls} {
			title, text := qk.Report(i)
			u := fmt.Sprintf("https://wire.example/%d-%d", k, i)
			entries = append(entries, digest.Entry{GUID: u, URL: u, Link: u, Title: title, Text: text, Summary: text,
				Published: q.now.Add(time.Duration(2*i+k) * time.Minute), Hash: u})
		}
	}
	res, err := q.st.SaveFetches(context.Background(), []digest.FetchResult{{FeedID: q.feed.ID, Entries: entries}})
	if err != nil {
		q.t.Fatal(err)
	}
	ids := res[0].Created
	for i, id := range ids {
		q.ids[i%2] = append(q.ids[i%2], id)
	}
	return ids
}

// add gives the sink the articles one at a time, as a trickle of
// refreshes would.
func (q *quakeStore) add(sink *ingest.Stories, ids []int64) {
	for _, id := range ids {
		if err := sink.Add(context.Background(), []int64{id}); err != nil {
			q.t.Fatal(err)
		}
	}
}

// stories returns the stored story of each quake, failing the test unless
// each quake's articles are all in one story of their own.
func (q *quakeStore) stories() [2]int64 {
	q.t.Helper()
	var out [2]int64
	for k, ids := range q.ids {
		for _, id := range ids {
			a, err := q.st.Article(context.Background(), reader, id)
			if err != nil {
				q.t.Fatal(err)
			}
			if a.StoryID == 0 {
				q.t.Fatalf("article %d has no story", id)
			}
			if out[k] != 0 && out[k] != a.StoryID {
				q.t.Fatalf("quake %d spread over stories %d and %d", k, out[k], a.StoryID)
			}
			out[k] = a.StoryID
		}
	}
	if out[0] == out[1] {
		q.t.Fatalf("both quakes in story %d", out[0])
	}
	return out
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStoriesRestartFromSnapshot: a sink started over a store with a
// snapshot of the engine restores it, replays only the articles put in
// stories after the snapshot, and goes on as if it had never stopped: new
// reports join their quake's story, which keeps its stored ID.
func TestStoriesRestartFromSnapshot(t *testing.T) {
	ctx := context.Background()
	q := newQuakeStore(t)
	first := ingest.NewStories(q.st, story.DefaultOptions(), nil)
	q.add(first, q.save(0, 5))
	if err := first.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	q.add(first, q.save(5, 8)) // in stories, not in the snapshot
	before := q.stories()

	var logs syncBuffer
	second := ingest.NewStories(q.st, story.DefaultOptions(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err := second.Load(ctx, q.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := logs.String(); !strings.Contains(l, "stories loaded from snapshot") || !strings.Contains(l, "replayed=6") {
		t.Fatalf("the sink did not start from the snapshot and replay the 6 later articles:\n%s", l)
	}
	q.add(second, q.save(8, 12))
	if after := q.stories(); after != before {
		t.Fatalf("stories %v before the restart, %v after", before, after)
	}
	// Close writes a snapshot holding everything: the next start replays
	// nothing.
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	logs = syncBuffer{}
	third := ingest.NewStories(q.st, story.DefaultOptions(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err := third.Load(ctx, q.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := logs.String(); !strings.Contains(l, "replayed=0") {
		t.Fatalf("the snapshot written at Close was not complete:\n%s", l)
	}
	q.add(third, q.save(12, 14))
	if after := q.stories(); after != before {
		t.Fatalf("stories %v before the restarts, %v after", before, after)
	}
}

// TestStoriesUnusableSnapshot: a snapshot that is corrupt, truncated, of
// another format version or of another configuration of the engine is
// refused with a clear log line, the window is replayed in full, and the
// stories are right.
func TestStoriesUnusableSnapshot(t *testing.T) {
	ctx := context.Background()
	type snap struct {
		version     int
		fingerprint string
		data        []byte
	}
	cases := []struct {
		name   string
		spoil  func(s snap) snap
		opts   func(o story.Options) story.Options
		reason string
	}{
		{"a flipped byte", func(s snap) snap { s.data[len(s.data)/2] ^= 0x40; return s }, nil, "unusable"},
		{"truncated", func(s snap) snap { s.data = s.data[:len(s.data)*2/3]; return s }, nil, "truncated"},
		{"cut in the sink's part", func(s snap) snap { s.data = s.data[:20]; return s }, nil, "truncated"},
		{"empty", func(s snap) snap { s.data = nil; return s }, nil, "truncated"},
		{"an older format", func(s snap) snap { s.version--; return s }, nil, "format version"},
		{"another configuration", func(s snap) snap { return s }, func(o story.Options) story.Options { o.Join += 0.01; return o }, "another configuration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := newQuakeStore(t)
			first := ingest.NewStories(q.st, story.DefaultOptions(), nil)
			q.add(first, q.save(0, 6))
			if err := first.SaveSnapshot(ctx); err != nil {
				t.Fatal(err)
			}
			before := q.stories()
			var s snap
			err := q.st.ReadSnapshot(ctx, "stories", func(version int, fingerprint string, _ time.Time, r io.Reader) error {
				s.version, s.fingerprint = version, fingerprint
				var err error
				s.data, err = io.ReadAll(r)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			s = tc.spoil(s)
			if _, err := q.st.WriteSnapshot(ctx, "stories", s.version, s.fingerprint, func(w io.Writer) error {
				_, err := w.Write(s.data)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			opts := story.DefaultOptions()
			if tc.opts != nil {
				opts = tc.opts(opts)
			}
			var logs syncBuffer
			second := ingest.NewStories(q.st, opts, slog.New(slog.NewTextHandler(&logs, nil)))
			if err := second.Load(ctx, q.now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			l := logs.String()
			if !strings.Contains(l, "stories snapshot unusable: replaying the window") || !strings.Contains(l, tc.reason) || !strings.Contains(l, `msg="stories loaded" component=stories articles=12`) {
				t.Fatalf("want a refusal naming %q and a full replay:\n%s", tc.reason, l)
			}
			q.add(second, q.save(6, 9))
			if after := q.stories(); after != before {
				t.Fatalf("stories %v before the restart, %v after", before, after)
			}
		})
	}
}

// TestStoriesSnapshotCompressed: snapshots are stored compressed, and
// one written before compression (the same content, stored as it is) is
// still read: an upgrade starts from it without replaying the window.
func TestStoriesSnapshotCompressed(t *testing.T) {
	ctx := context.Background()
	q := newQuakeStore(t)
	first := ingest.NewStories(q.st, story.DefaultOptions(), nil)
	q.add(first, q.save(0, 6))
	if err := first.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	before := q.stories()
	var version int
	var fingerprint string
	var stored []byte
	err := q.st.ReadSnapshot(ctx, "stories", func(v int, fp string, _ time.Time, r io.Reader) error {
		version, fingerprint = v, fp
		var err error
		stored, err = io.ReadAll(r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	const magic = "digest-stories-deflate\n"
	if !bytes.HasPrefix(stored, []byte(magic)) {
		t.Fatalf("snapshot not compressed: starts %q", stored[:min(len(stored), 24)])
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(stored[len(magic):])))
	if err != nil {
		t.Fatal(err)
	}
	if len(stored)*2 > len(raw) {
		t.Errorf("compressed %d bytes, raw %d: less than half expected", len(stored), len(raw))
	}
	if _, err := q.st.WriteSnapshot(ctx, "stories", version, fingerprint, func(w io.Writer) error {
		_, err := w.Write(raw)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	second := ingest.NewStories(q.st, story.DefaultOptions(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err := second.Load(ctx, q.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := logs.String(); !strings.Contains(l, "stories snapshot read") || !strings.Contains(l, "replayed=0") {
		t.Fatalf("the uncompressed snapshot was not used:\n%s", l)
	}
	q.add(second, q.save(6, 9))
	if after := q.stories(); after != before {
		t.Fatalf("stories %v before the restart, %v after", before, after)
	}
}

// pausedWrites is a store whose snapshot writes stop once begun until the
// test lets them go on.
type pausedWrites struct {
	*sqlite.DB
	begun, proceed chan struct{}
}

func (p *pausedWrites) WriteSnapshot(ctx context.Context, name string, version int, fingerprint string, write func(w io.Writer) error) (int64, error) {
	return p.DB.WriteSnapshot(ctx, name, version, fingerprint, func(w io.Writer) error {
		close(p.begun)
		<-p.proceed
		return write(w)
	})
}

// TestStoriesAddWhileSnapshotWritten: articles are put in stories while a
// snapshot is being written (the engine is held only while its state is
// copied), and the snapshot holds the state of its moment: a start from
// it replays the articles added meanwhile.
func TestStoriesAddWhileSnapshotWritten(t *testing.T) {
	ctx := context.Background()
	q := newQuakeStore(t)
	p := &pausedWrites{DB: q.st, begun: make(chan struct{}), proceed: make(chan struct{})}
	first := ingest.NewStories(p, story.DefaultOptions(), nil)
	q.add(first, q.save(0, 6))
	saved := make(chan error, 1)
	go func() { saved <- first.SaveSnapshot(ctx) }()
	<-p.begun
	q.add(first, q.save(6, 9)) // would wait for the write to end if it held the engine
	close(p.proceed)
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	before := q.stories()
	var logs syncBuffer
	second := ingest.NewStories(q.st, story.DefaultOptions(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err := second.Load(ctx, q.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := logs.String(); !strings.Contains(l, "stories snapshot read") || !strings.Contains(l, "replayed=6") {
		t.Fatalf("want the snapshot of 12 articles and the 6 added while it was written replayed:\n%s", l)
	}
	q.add(second, q.save(9, 11))
	if after := q.stories(); after != before {
		t.Fatalf("stories %v before the restart, %v after", before, after)
	}
}
