package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// cutRuleStore stops its runner (cancels its context) after a number of
// judged chunks, as a crash would.
type cutRuleStore struct {
	*sqlite.DB
	after  int32
	n      atomic.Int32
	cancel context.CancelFunc
}

func (s *cutRuleStore) RunRuleJob(ctx context.Context, user int64) (bool, error) {
	done, err := s.DB.RunRuleJob(ctx, user)
	if err == nil && s.n.Add(1) == s.after {
		s.cancel()
	}
	return done, err
}

// waitFinished waits for the runner to say that the user's job ended.
func waitFinished(t *testing.T, finished <-chan int64, user int64) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Minute) // a hang, not a measure
	defer deadline.Stop()
	for {
		select {
		case u := <-finished:
			if u == user {
				return
			}
		case <-deadline.C:
			t.Fatal("the rule job never finished")
		}
	}
}

// TestRuleJobsResumeAfterAStop: saving a rule queues the re-application;
// a runner stopped after one chunk leaves the job part done in the
// database, and the next runner resumes it and says when it ends; a later
// change is picked up on Wake.
func TestRuleJobsResumeAfterAStop(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustReader(t, st)
	f := &digest.Feed{URL: "https://jobs.example/feed", Title: "Jobs"}
	if err := st.CreateFeed(ctx, reader, f); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	var es []digest.Entry
	for i := range n {
		title := "Plain news"
		if i%4 == 0 {
			title = "Crypto news"
		}
		es = append(es, digest.Entry{GUID: fmt.Sprint(i), URL: fmt.Sprintf("https://jobs.example/%d", i), Title: title,
			Published: time.Now().Add(-time.Duration(i) * time.Minute), Hash: fmt.Sprint(i)})
	}
	if _, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: es}}); err != nil {
		t.Fatal(err)
	}
	r := &digest.Rule{Name: "No crypto", Match: "title:crypto", Action: digest.RuleBlock, Enabled: true}
	if err := st.CreateRule(ctx, reader, r); err != nil {
		t.Fatal(err)
	}
	visible := func() int {
		t.Helper()
		c, err := st.CountArticles(ctx, digest.ArticleQuery{UserID: reader})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := visible(); c != n {
		t.Fatalf("%d visible before any job ran, want %d", c, n)
	}

	runCtx, stop := context.WithCancel(ctx)
	first := ingest.NewRuleJobs(&cutRuleStore{DB: st, after: 1, cancel: stop}, ingest.RuleJobsOptions{})
	first.Start(runCtx)
	<-runCtx.Done()
	first.Close()
	j, err := st.RuleJob(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != digest.RuleJobRunning || j.Done == 0 || j.Done >= n {
		t.Fatalf("after the stop: %+v, want a running job part done", j)
	}

	finished := make(chan int64, 4)
	second := ingest.NewRuleJobs(st, ingest.RuleJobsOptions{Poll: time.Hour})
	second.OnFinish(func(u int64) { finished <- u })
	second.Start(ctx)
	defer second.Close()
	waitFinished(t, finished, reader)
	j, _ = st.RuleJob(ctx, reader)
	if j.State != digest.RuleJobDone || j.Done != n || j.Changed != n/4 {
		t.Fatalf("finished job: %+v, want done with %d judged and %d changed", j, n, n/4)
	}
	if c := visible(); c != n-n/4 {
		t.Fatalf("%d visible after the job, want %d", c, n-n/4)
	}

	// A change of the rule, then Wake (the poll is an hour away).
	r.Enabled = false
	if err := st.UpdateRule(ctx, reader, r); err != nil {
		t.Fatal(err)
	}
	second.Wake()
	waitFinished(t, finished, reader)
	if c := visible(); c != n {
		t.Fatalf("%d visible after the rule was switched off, want %d", c, n)
	}
}
