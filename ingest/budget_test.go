package ingest

import (
	"strings"
	"sync"
	"testing"

	digest "github.com/occasional-digest/digest"
)

func TestBudgetLetsAResultLargerThanTheLimitPassAlone(t *testing.T) {
	b := newBudget(100)
	b.acquire(1000) // would deadlock if an oversized result had to fit
	if got := b.inUse(); got != 1000 {
		t.Fatalf("in use %d, want 1000", got)
	}
	b.release(1000)
	if got := b.inUse(); got != 0 {
		t.Fatalf("in use after release %d, want 0", got)
	}
}

func TestBudgetNeverHoldsMoreThanItsLimitUnderContention(t *testing.T) {
	const limit = 1000
	b := newBudget(limit)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var maxSeen int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				n := int64(1 + (g*131+i*17)%400)
				b.acquire(n)
				used := b.inUse()
				mu.Lock()
				maxSeen = max(maxSeen, used)
				mu.Unlock()
				b.release(n)
			}
		}()
	}
	wg.Wait()
	if maxSeen > limit {
		t.Fatalf("budget held %d bytes, limit %d", maxSeen, limit)
	}
	if got := b.inUse(); got != 0 {
		t.Fatalf("in use after all releases %d, want 0", got)
	}
}

func TestResultSizeCountsEveryEntrysText(t *testing.T) {
	empty := digest.FetchResult{FeedID: 1}
	small := digest.FetchResult{FeedID: 1, Entries: []digest.Entry{{Title: "t", Content: "c"}}}
	big := digest.FetchResult{FeedID: 1, Entries: []digest.Entry{{Title: "t", Content: strings.Repeat("x", 1<<20)}}}
	two := digest.FetchResult{FeedID: 1, Entries: []digest.Entry{{Title: "t", Content: "c"}, {Title: "t", Content: "c"}}}
	se, ss, sb, st := resultSize(&empty), resultSize(&small), resultSize(&big), resultSize(&two)
	if se <= 0 || ss <= se || st <= ss {
		t.Fatalf("sizes not increasing with entries: empty %d, one %d, two %d", se, ss, st)
	}
	if sb < 1<<20 {
		t.Fatalf("1 MiB of content counted as %d bytes", sb)
	}
}
