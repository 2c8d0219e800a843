package ingest

import (
	"context"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// fakePace makes p's clock one the test moves and records its pauses
// instead of sleeping.
func fakePace(p *pacer) (advance func(time.Duration), pauses *[]time.Duration) {
	now := time.Unix(1_000_000, 0)
	var ps []time.Duration
	p.now = func() time.Time { return now }
	p.sleep = func(ctx context.Context, d time.Duration, idle <-chan struct{}) { ps = append(ps, d) }
	return func(d time.Duration) { now = now.Add(d) }, &ps
}

func TestPacerPausesOnlyWhileReadersAreServed(t *testing.T) {
	ctx := context.Background()
	var readers digest.Readers
	p := newPacer(&readers)
	advance, pauses := fakePace(p)

	// Nobody reads: the work never pauses, however long it runs.
	for range 10 {
		p.wait(ctx)
		advance(time.Second)
	}
	if len(*pauses) != 0 {
		t.Fatalf("paused %v with no reader", *pauses)
	}

	leave := readers.Enter()
	p.wait(ctx) // the work before counted nothing: nobody waited then
	if len(*pauses) != 0 {
		t.Fatalf("paused %v for work done while nobody read", *pauses)
	}
	advance(paceQuantum / 2)
	p.wait(ctx)
	if len(*pauses) != 0 {
		t.Fatalf("paused %v after less than a quantum of work", *pauses)
	}
	advance(paceQuantum)
	p.wait(ctx) // a quantum and a half of work since the last pause
	want := []time.Duration{paceRatio * paceQuantum * 3 / 2}
	if len(*pauses) != 1 || (*pauses)[0] != want[0] {
		t.Fatalf("pauses %v, want %v: three times the work done", *pauses, want)
	}
	advance(10 * paceMaxPause)
	p.wait(ctx)
	if got := (*pauses)[len(*pauses)-1]; got != paceMaxPause {
		t.Fatalf("pause after a long batch %v, want at most %v", got, paceMaxPause)
	}
	leave()
	advance(time.Second)
	p.wait(ctx)
	if len(*pauses) != 2 {
		t.Fatalf("paused %v once the readers were served", *pauses)
	}
	if s := (PaceStats{Pauses: p.pauses.Load(), Paused: time.Duration(p.paused.Load())}); s.Pauses != 2 || s.Paused != want[0]+paceMaxPause {
		t.Fatalf("stats %+v", s)
	}
}

// TestPacerPauseEndsWhenReadersAreServed: a pause waits for the readers
// in flight, not for its whole length.
func TestPacerPauseEndsWhenReadersAreServed(t *testing.T) {
	var readers digest.Readers
	p := newPacer(&readers)
	now := time.Unix(1_000_000, 0)
	p.now = func() time.Time { return now }
	leave := readers.Enter()
	p.wait(context.Background())
	now = now.Add(time.Hour) // a pause of paceMaxPause, were the readers not served
	sleeping := make(chan struct{})
	sleep := p.sleep
	p.sleep = func(ctx context.Context, d time.Duration, idle <-chan struct{}) {
		close(sleeping)
		sleep(ctx, time.Hour, idle) // the real wait, made endless but for idle
	}
	done := make(chan bool)
	go func() { done <- p.wait(context.Background()) }()
	<-sleeping
	leave()
	if !<-done {
		t.Fatal("wait reported the end of its context")
	}
}

func TestPacerStopsWithItsContext(t *testing.T) {
	var readers digest.Readers
	defer readers.Enter()()
	p := newPacer(&readers)
	now := time.Unix(1_000_000, 0)
	p.now = func() time.Time { return now }
	ctx, cancel := context.WithCancel(context.Background())
	p.wait(ctx)
	now = now.Add(time.Hour)
	sleep := p.sleep
	p.sleep = func(ctx context.Context, d time.Duration, idle <-chan struct{}) {
		cancel()
		sleep(ctx, time.Hour, idle)
	}
	if p.wait(ctx) {
		t.Fatal("wait went on after its context ended")
	}
	var none *pacer
	if !none.wait(context.Background()) {
		t.Fatal("a nil pacer held work back")
	}
}
