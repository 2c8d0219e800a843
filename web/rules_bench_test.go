package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
)

// BenchmarkRuleSaveRequest: what saving a rule on /rules costs the
// request with 20,000 stored articles and 1,000 rules, with the
// re-application judged within the request (no runner, as before rule
// jobs) and left to the background job. One op is one POST of an edit;
// cpu-ms/op is the process's CPU time (getrusage), steadier than wall
// time on a shared machine.
func BenchmarkRuleSaveRequest(b *testing.B) {
	for _, mode := range []string{"in-request", "background"} {
		b.Run(mode, func(b *testing.B) {
			fx := newFixture(b)
			ctx := context.Background()
			feed := fx.addFeed(b, "bench", "Bench")
			for start := 0; start < 20_000; start += 500 {
				var es []digest.Entry
				for i := start; i < start+500; i++ {
					topic := []string{"harbour", "council", "storm", "budget"}[i%4]
					es = append(es, entry(fmt.Sprint("b", i), fmt.Sprintf("The %s, item %d", topic, i), time.Duration(i)*time.Minute,
						strings.Repeat("The "+topic+" met on Tuesday. ", 20)))
				}
				if _, err := fx.store.SaveFetches(ctx, []digest.FetchResult{{FeedID: feed, Entries: es}}); err != nil {
					b.Fatal(err)
				}
			}
			for i := range 999 {
				r := &digest.Rule{Name: fmt.Sprint("rule ", i), Match: fmt.Sprintf(`title:/(?i)\bword%d(s|ing)?\b/ -author:"Writer %d"`, i, i),
					Action: digest.RuleDislike, Enabled: true}
				if err := fx.store.CreateRule(ctx, fx.uid, r); err != nil {
					b.Fatal(err)
				}
			}
			storm := &digest.Rule{Name: "storms", Match: "title:storm", Action: digest.RuleBlock, Enabled: true}
			if err := fx.store.CreateRule(ctx, fx.uid, storm); err != nil {
				b.Fatal(err)
			}
			if _, err := fx.store.ApplyRules(ctx, fx.uid); err != nil {
				b.Fatal(err)
			}
			if mode == "background" {
				jobs := ingest.NewRuleJobs(fx.store, ingest.RuleJobsOptions{Poll: time.Hour}) // not started: the request's part only
				fx.server = New(Config{Now: func() time.Time { return baseTime }, PageSize: 10, RuleJobs: jobs}, fx.store, fx.feeds, fx.auth, nil)
				fx.h = fx.server.Handler()
			}
			target := fmt.Sprintf("/rules/%d", storm.ID)
			actions := []string{"block", "super_dislike"}
			cpu := cpuTime()
			i := 0
			for b.Loop() {
				w := fx.form(b, target, postRule("storms", "title:storm", actions[i%2], ""))
				if w.Code != http.StatusSeeOther {
					b.Fatalf("save = %d", w.Code)
				}
				i++
			}
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
