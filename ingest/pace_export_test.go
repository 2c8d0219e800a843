package ingest

import (
	"context"
	"time"
)

// SetPaceClock makes p's post-processing pace itself (see pacer) on the
// clock now and call sleep for its pauses instead of sleeping.
func SetPaceClock(p *Pipeline, now func() time.Time, sleep func(ctx context.Context, d time.Duration, idle <-chan struct{})) {
	p.post.pace.now, p.post.pace.sleep = now, sleep
}
