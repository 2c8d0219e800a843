package ingest_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/internal/pgtest"
	"github.com/occasional-digest/digest/story"
)

// countingLock counts the tries that found the lock taken.
type countingLock struct {
	ingest.Lock
	refused atomic.Int64
}

func (l *countingLock) TryLock(ctx context.Context) (<-chan struct{}, func(), bool, error) {
	lost, release, ok, err := l.Lock.TryLock(ctx)
	if err == nil && !ok {
		l.refused.Add(1)
	}
	return lost, release, ok, err
}

// dyingLock fails every try once its process is "dead".
type dyingLock struct {
	ingest.Lock
	dead atomic.Bool
}

func (l *dyingLock) TryLock(ctx context.Context) (<-chan struct{}, func(), bool, error) {
	if l.dead.Load() {
		return nil, nil, false, errors.New("dead")
	}
	return l.Lock.TryLock(ctx)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after a minute", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStandbyTakesOverStoryEngine: of two processes, one runs the story
// engine; the other stands by (its Add refused, its Ready open) until the
// holder's connections are terminated, then takes over.
func TestStandbyTakesOverStoryEngine(t *testing.T) {
	schema := pgtest.FreshSchema(t)
	ctx := context.Background()
	dsnA := pgtest.WithParam(t, schema, "application_name", "digest-test-holder-"+t.Name())
	dsnB := pgtest.WithParam(t, schema, "application_name", "digest-test-standby-"+t.Name())
	a, b := pgStore(t, dsnA), pgStore(t, dsnB)
	mustReader(t, a)
	lockB := &countingLock{Lock: b.Lock("stories")}
	opts := ingest.LeaderOptions{Retry: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	lockA := &dyingLock{Lock: a.Lock("stories")}
	la := ingest.NewLeader(lockA, func() *ingest.Stories { return ingest.NewStories(a, story.DefaultOptions(), nil) }, opts)
	lb := ingest.NewLeader(lockB, func() *ingest.Stories { return ingest.NewStories(b, story.DefaultOptions(), nil) }, opts)
	la.Start(ctx)
	t.Cleanup(func() { la.Close() })
	waitFor(t, "leading", la.Leading)
	<-la.Ready()
	lb.Start(ctx)
	t.Cleanup(func() { lb.Close() })
	waitFor(t, "refused the lock twice", func() bool { return lockB.refused.Load() >= 2 })
	if lb.Leading() {
		t.Fatal("the standby leads while the holder holds the lock")
	}
	if err := lb.Add(ctx, []int64{1}); !errors.Is(err, ingest.ErrNotLeader) {
		t.Errorf("standby's Add: %v, want ErrNotLeader", err)
	}
	select {
	case <-lb.Ready():
		t.Error("standby's Ready is closed")
	default:
	}
	if err := la.Add(ctx, nil); err != nil {
		t.Errorf("leader's Add: %v", err)
	}

	// The holder's process "dies": it tries nothing more, and its every
	// connection is terminated.
	lockA.dead.Store(true)
	conn, err := pgx.Connect(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`,
		"digest-test-holder-"+t.Name()).Scan(&n); err != nil || n == 0 {
		t.Fatalf("terminate the holder's connections: %d, %v", n, err)
	}
	waitFor(t, "taken over", lb.Leading)
	<-lb.Ready()
	if err := lb.Add(ctx, nil); err != nil {
		t.Errorf("new leader's Add: %v", err)
	}
	waitFor(t, "standing by", func() bool { return !la.Leading() })
	if err := la.Add(ctx, []int64{1}); !errors.Is(err, ingest.ErrNotLeader) {
		t.Errorf("former leader's Add: %v, want ErrNotLeader", err)
	}
	// Closing the new leader releases the lock: the former one, back to
	// life, leads again.
	lockA.dead.Store(false)
	lb.Close()
	waitFor(t, "leading again", la.Leading)
}
