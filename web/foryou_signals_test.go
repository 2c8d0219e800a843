package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rank"
)

// failingOpens is the fixture's store with OpenStory failing, as a
// database that refuses writes would.
type failingOpens struct {
	digest.Store
}

var errWriteRefused = errors.New("disk I/O error")

func (failingOpens) OpenStory(context.Context, int64, int64, time.Time) (bool, error) {
	return false, errWriteRefused
}

// TestPageViewsNeverFailOnALearningWrite: with the learning write
// failing, the story page and its article's page are served; each
// failure is logged with its error and counted, and nothing is learned.
func TestPageViewsNeverFailOnALearningWrite(t *testing.T) {
	fx, quake, _, _ := forYouFixture(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	fx.server = New(Config{Now: func() time.Time { return baseTime }, PageSize: 10}, failingOpens{fx.store}, fx.feeds, fx.auth, logger)
	fx.h = fx.server.Handler()
	st, err := fx.store.Story(context.Background(), fx.uid, quake)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/stories/" + strconv.FormatInt(quake, 10), "/articles/" + strconv.FormatInt(st.ArticleIDs[0], 10)} {
		if w := fx.do(t, "GET", target, ""); w.Code != http.StatusOK {
			t.Errorf("GET %s with the learning write failing = %d, want the page", target, w.Code)
		}
	}
	if got := fx.server.SignalStats(); got["failed"] != 2 || got["written"] != 0 {
		t.Errorf("SignalStats = %v, want 2 failed", got)
	}
	if n := strings.Count(logs.String(), "learning write failed"); n != 2 || !strings.Contains(logs.String(), "disk I/O error") {
		t.Errorf("logged %d failures, want 2 with the error:\n%s", n, logs.String())
	}
	if sigs, _ := fx.store.Signals(context.Background(), fx.uid); len(sigs) != 0 {
		t.Errorf("learned %v from failed writes", sigs)
	}
}

// TestSignalWriterFlushesOnClose: a view's write queued in the
// background runs when the server closes, before Close returns; after
// Close a view is still served and its write dropped, counted.
func TestSignalWriterFlushesOnClose(t *testing.T) {
	fx, quake, _, _ := forYouFixture(t)
	// A gate holds the worker on its first write, so that the second
	// view's write is still queued when Close is called.
	gate := make(chan struct{})
	fx.server.signals.add("gate", fx.uid, func(context.Context) error { <-gate; return nil })
	req := httptest.NewRequest("GET", "/stories/"+strconv.FormatInt(quake, 10), nil)
	req.Header.Set("Cookie", fx.cookie)
	w := httptest.NewRecorder()
	fx.h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("story page: %d", w.Code)
	}
	if sigs, _ := fx.store.Signals(context.Background(), fx.uid); len(sigs) != 0 {
		t.Fatalf("learned before the queue ran: %v", sigs)
	}
	closed := make(chan error)
	go func() { closed <- fx.server.Close() }()
	close(gate)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	sigs, _ := fx.store.Signals(context.Background(), fx.uid)
	clicks := 0.0
	for _, s := range sigs {
		if s.Key == rank.AllKey {
			clicks = s.Clicks
		}
	}
	if clicks != learnOpen {
		t.Errorf("after Close, the opening counted %v clicks, want %v", clicks, float64(learnOpen))
	}
	if w := fx.do(t, "GET", "/stories/"+strconv.FormatInt(quake, 10), ""); w.Code != http.StatusOK {
		t.Errorf("a view after Close: %d", w.Code)
	}
	if got := fx.server.SignalStats(); got["written"] != 2 || got["dropped"] != 1 {
		t.Errorf("SignalStats = %v, want 2 written (the gate, the view) and 1 dropped", got)
	}
}

// TestSignalWriterBounded: writes beyond the queue are dropped, counted,
// and the caller never waits.
func TestSignalWriterBounded(t *testing.T) {
	w := newSignalWriter(slog.New(slog.DiscardHandler))
	gate, started := make(chan struct{}), make(chan struct{})
	w.add("gate", 1, func(context.Context) error { close(started); <-gate; return nil })
	<-started // the worker holds the gate: the queue is empty
	for range signalQueue + 10 {
		w.add("view", 1, func(context.Context) error { return nil })
	}
	if got := w.dropped.Load(); got != 10 {
		t.Errorf("dropped %d, want 10 beyond a queue of %d", got, signalQueue)
	}
	close(gate)
	w.close()
	if got := w.written.Load(); got != signalQueue+1 {
		t.Errorf("written %d, want %d", got, signalQueue+1)
	}
}
