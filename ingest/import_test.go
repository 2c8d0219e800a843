package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// bigOPML writes an OPML file of n outlines in folders of 100: one in 50
// a feed the user already follows, one in 50 refused (a bad port), one in 50
// broken (a duplicate of an earlier outline), the rest new feeds.
func bigOPML(n int) (doc []byte, existing []string, want digest.ImportCounts) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>Big</title></head><body>`)
	for i := range n {
		if i%100 == 0 {
			if i > 0 {
				b.WriteString(`</outline>`)
			}
			fmt.Fprintf(&b, `<outline text="Folder %d">`, i/100)
		}
		u := fmt.Sprintf("https://site%d.example/feed.xml", i)
		switch i % 50 {
		case 7:
			existing = append(existing, u)
			want.Existing++
		case 8:
			u = fmt.Sprintf("https://site%d.example:99999/feed.xml", i)
			want.Refused++
		case 9:
			u = fmt.Sprintf("https://site%d.example/feed.xml", i-3) // a duplicate
			want.Broken++
		default:
			want.Added++
		}
		fmt.Fprintf(&b, `<outline type="rss" text="Site &amp; %d" xmlUrl="%s" htmlUrl="https://site%d.example/"/>`, i, u, i)
	}
	b.WriteString(`</outline></body></opml>`)
	return []byte(b.String()), existing, want
}

// cutStore is an import store whose context is cancelled after a number
// of recorded batches, as a crash would stop the worker.
type cutStore struct {
	*sqlite.DB
	after  int32
	n      atomic.Int32
	cancel context.CancelFunc
}

func (s *cutStore) SubscribeOutlines(ctx context.Context, id, user int64, os []digest.ImportOutline, now time.Time) error {
	if err := s.DB.SubscribeOutlines(ctx, id, user, os, now); err != nil {
		return err
	}
	if s.n.Add(1) == s.after {
		s.cancel()
	}
	return nil
}

// waitImport waits until the import is finished (done or failed).
func waitImport(t *testing.T, im *ingest.Imports, user, id int64) *digest.ImportJob {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 14*time.Minute)
	defer cancel()
	for {
		j, err := im.Job(ctx, user, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == digest.ImportDone || j.State == digest.ImportFailed {
			return j
		}
		select {
		case <-ctx.Done():
			t.Fatalf("import %d did not finish: %+v", id, j)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestImportHundredThousandOutlines: an import of 100,000 outlines answers
// at once with a job, survives a stop part way (the next worker resumes
// it), and finishes with every outline accounted for: added, already
// subscribed, refused or broken with a reason, each feed subscribed once.
func TestImportHundredThousandOutlines(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 5_000
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustReader(t, st)
	doc, existing, want := bigOPML(n)
	for _, u := range existing {
		if err := st.CreateFeed(ctx, reader, &digest.Feed{URL: u, Title: u}); err != nil {
			t.Fatal(err)
		}
	}

	// The first worker stops after three batches.
	runCtx, stop := context.WithCancel(ctx)
	cut := &cutStore{DB: st, after: 3, cancel: stop}
	first := ingest.NewImports(cut, nil, nil)
	finished := make(chan int64, 4)
	first.OnFinish(func(u int64) { finished <- u })
	id, err := first.Import(ctx, reader, doc)
	if err != nil {
		t.Fatal(err)
	}
	if j, err := first.Job(ctx, reader, id); err != nil || j.State != digest.ImportQueued || j.Done != 0 {
		t.Fatalf("a new import: %+v, %v", j, err)
	}
	first.Start(runCtx)
	<-runCtx.Done()
	first.Close()
	j, err := first.Job(ctx, reader, id)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != digest.ImportRunning || j.Total != n || j.Done == 0 || j.Done >= n {
		t.Fatalf("after the stop: %+v, want a running import part done", j)
	}

	var nudged atomic.Int32
	if len(finished) != 0 {
		t.Fatal("the stopped import said it finished")
	}
	second := ingest.NewImports(st, func() { nudged.Add(1) }, nil)
	second.OnFinish(func(u int64) { finished <- u })
	second.Start(ctx)
	defer second.Close()
	j = waitImport(t, second, reader, id)
	// It says so once, for the user, when it ends.
	waitFinished(t, finished, reader)
	if j.State != digest.ImportDone || j.Total != n || j.Done != n || j.Counts != want || j.Finished.IsZero() {
		t.Fatalf("finished import: %+v, want counts %+v of %d", j, want, n)
	}
	if nudged.Load() == 0 {
		t.Error("the scheduler was not told of the new feeds")
	}
	feeds, err := st.Feeds(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(feeds) != want.Added+want.Existing {
		t.Fatalf("%d feeds, want %d", len(feeds), want.Added+want.Existing)
	}
	// Every outline is listed with its outcome; the refused and broken
	// with a reason.
	seen := 0
	for after := -1; ; {
		os, err := second.Outlines(ctx, reader, id, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(os) == 0 {
			break
		}
		for _, o := range os {
			if o.Seq != seen {
				t.Fatalf("outline %d listed as %d", seen, o.Seq)
			}
			seen++
			switch o.Outcome {
			case digest.OutlineRefused, digest.OutlineBroken:
				if o.Reason == "" {
					t.Fatalf("outline %d %s without a reason", o.Seq, o.Outcome)
				}
			case digest.OutlineAdded, digest.OutlineExisting:
			default:
				t.Fatalf("outline %d: outcome %q", o.Seq, o.Outcome)
			}
		}
		after = os[len(os)-1].Seq
	}
	if seen != n {
		t.Fatalf("%d outlines listed, want %d", seen, n)
	}
	refused, err := second.Outlines(ctx, reader, id, -1, 10, digest.OutlineRefused)
	if err != nil || len(refused) != min(10, want.Refused) || !strings.Contains(refused[0].Reason, "port") {
		t.Fatalf("refused outlines: %+v, %v", refused, err)
	}
	if _, err := second.Job(ctx, reader+1, id); !digest.IsNotFound(err) {
		t.Errorf("another user's view of the import: %v", err)
	}
	second.Close()
	if len(finished) != 0 {
		t.Errorf("the import said it finished %d more times", len(finished))
	}
}

// TestImportUnreadableFile: a file that is not OPML fails the job with the
// reason, and nothing is subscribed.
func TestImportUnreadableFile(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustReader(t, st)
	im := ingest.NewImports(st, nil, nil)
	im.Start(ctx)
	defer im.Close()
	for _, doc := range []string{"", "<html><body>not a list</body></html>", "\x00\xff\xfe garbage", `<opml><body><outline xmlUrl="https://a.example/`} {
		id, err := im.Import(ctx, reader, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		j := waitImport(t, im, reader, id)
		if j.State != digest.ImportFailed || j.Error == "" || j.Done != 0 {
			t.Errorf("%q: %+v, want a failed import with the reason", doc, j)
		}
	}
	if fs, err := st.Feeds(ctx, reader); err != nil || len(fs) != 0 {
		t.Fatalf("feeds after unreadable imports: %d, %v", len(fs), err)
	}
	var e *digest.Error
	_, err = im.Import(ctx, reader, make([]byte, 17<<20))
	if !errors.As(err, &e) || digest.ErrorCode(err) != digest.EINVALID {
		t.Errorf("an oversized file: %v", err)
	}
}
