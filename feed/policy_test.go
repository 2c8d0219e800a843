package feed

import (
	"testing"
	"time"
)

func TestNextCheck(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	// every returns n dates spaced by gap, the newest at now-age.
	every := func(n int, gap, age time.Duration) []time.Time {
		ts := make([]time.Time, n)
		for i := range ts {
			ts[i] = now.Add(-age - time.Duration(i)*gap)
		}
		return ts
	}
	noJitter := Policy{Jitter: 0}
	tests := []struct {
		name         string
		p            Policy
		s            Signals
		wantInterval time.Duration
		wantDelay    time.Duration
	}{
		{"hourly feed is checked hourly", noJitter,
			Signals{Published: every(10, time.Hour, 10*time.Minute)}, time.Hour, time.Hour},
		{"median ignores one long gap", noJitter,
			Signals{Published: append(every(9, 30*time.Minute, 0), now.Add(-30*24*time.Hour))}, 30 * time.Minute, 30 * time.Minute},
		{"only the 10 newest entries count", noJitter,
			Signals{Published: append(every(10, 20*time.Minute, 0), every(40, 24*time.Hour, 5*24*time.Hour)...)}, 20 * time.Minute, 20 * time.Minute},
		{"very busy feed is clamped to Min", noJitter,
			Signals{Published: every(20, time.Minute, 0)}, 5 * time.Minute, 5 * time.Minute},
		{"quiet feed is clamped to Max", noJitter,
			Signals{Published: every(5, 10*24*time.Hour, 0)}, 24 * time.Hour, 24 * time.Hour},
		{"a feed that went silent is checked less often than its old rhythm", noJitter,
			Signals{Published: every(10, 10*time.Minute, 6*time.Hour)}, 3 * time.Hour, 3 * time.Hour},
		{"unsorted dates, zero and future dates are handled", noJitter,
			Signals{Published: []time.Time{now.Add(-2 * time.Hour), {}, now.Add(48 * time.Hour), now.Add(-time.Hour), now.Add(-3 * time.Hour)}}, time.Hour, time.Hour},
		{"no dates: previous interval", noJitter, Signals{Interval: 2 * time.Hour}, 2 * time.Hour, 2 * time.Hour},
		{"no dates and nothing known: Default", noJitter, Signals{}, time.Hour, time.Hour},
		{"one date is not a rhythm", noJitter, Signals{Published: every(1, 0, 0)}, time.Hour, time.Hour},
		{"TTL raises the interval", noJitter,
			Signals{Published: every(10, 10*time.Minute, 0), TTL: 2 * time.Hour}, 2 * time.Hour, 2 * time.Hour},
		{"TTL beyond Max is capped at Max", noJitter,
			Signals{Published: every(10, 10*time.Minute, 0), TTL: 7 * 24 * time.Hour}, 24 * time.Hour, 24 * time.Hour},
		{"Cache-Control max-age raises the interval", noJitter,
			Signals{Published: every(10, 10*time.Minute, 0), MaxAge: 45 * time.Minute}, 45 * time.Minute, 45 * time.Minute},
		{"short TTL does not lower the interval", noJitter,
			Signals{Published: every(10, 2*time.Hour, 0), TTL: 5 * time.Minute}, 2 * time.Hour, 2 * time.Hour},
		{"one error doubles the delay, not the interval", noJitter,
			Signals{Interval: time.Hour, ErrorCount: 1}, time.Hour, 2 * time.Hour},
		{"three errors: 8x", noJitter,
			Signals{Interval: 10 * time.Minute, ErrorCount: 3}, 10 * time.Minute, 80 * time.Minute},
		{"backoff is capped at MaxBackoff", noJitter,
			Signals{Interval: time.Hour, ErrorCount: 40}, time.Hour, 48 * time.Hour},
		{"Retry-After longer than the delay wins", noJitter,
			Signals{Interval: 10 * time.Minute, RetryAfter: 3 * time.Hour}, 10 * time.Minute, 3 * time.Hour},
		{"Retry-After shorter than the delay changes nothing", noJitter,
			Signals{Interval: 2 * time.Hour, RetryAfter: time.Minute}, 2 * time.Hour, 2 * time.Hour},
		{"absurd Retry-After is capped at a week", noJitter,
			Signals{Interval: time.Hour, RetryAfter: 1000 * 24 * time.Hour}, time.Hour, 7 * 24 * time.Hour},
		{"custom bounds", Policy{Min: time.Minute, Max: 2 * time.Hour, MaxBackoff: 4 * time.Hour},
			Signals{Published: every(10, 2*time.Minute, 0), ErrorCount: 10}, 2 * time.Minute, 4 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, interval := NextCheck(tt.p, now, tt.s)
			if interval != tt.wantInterval {
				t.Errorf("interval = %v, want %v", interval, tt.wantInterval)
			}
			if d := next.Sub(now); d != tt.wantDelay {
				t.Errorf("next = now+%v, want now+%v", d, tt.wantDelay)
			}
		})
	}
}

func TestNextCheckJitter(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	p := DefaultPolicy()
	s := Signals{Interval: time.Hour}
	delays := map[time.Duration]bool{}
	for id := int64(1); id <= 50; id++ {
		s.FeedID = id
		next, interval := NextCheck(p, now, s)
		if interval != time.Hour {
			t.Fatalf("jitter changed the interval to %v", interval)
		}
		d := next.Sub(now)
		if d < time.Hour || d >= time.Hour+6*time.Minute {
			t.Errorf("feed %d: delay %v outside [1h, 1h06m)", id, d)
		}
		if again, _ := NextCheck(p, now, s); !again.Equal(next) {
			t.Errorf("feed %d: jitter is not deterministic", id)
		}
		delays[d] = true
	}
	if len(delays) < 40 {
		t.Errorf("only %d distinct delays for 50 feeds: jitter does not spread them", len(delays))
	}
}
