package web

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// TestAPIFeedCategoryReappliesRules: PATCH /api/v1/feeds/{id} moving a
// feed to another category queues the durable rule job, as the feed's
// edit form does (a rule may be scoped to a category); a PATCH that
// leaves the category as it was queues nothing.
func TestAPIFeedCategoryReappliesRules(t *testing.T) {
	fx, _ := rulesJobFixture(t) // the runner is not started: a queued job waits
	ctx := context.Background()
	cat, err := fx.store.CreateCategory(ctx, fx.uid, "Elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.store.CreateRule(ctx, fx.uid, &digest.Rule{Name: "no storms elsewhere", Match: "title:storm", Action: digest.RuleBlock,
		CategoryID: cat.ID, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.store.ApplyRules(ctx, fx.uid); err != nil { // the job of the new rule, done
		t.Fatal(err)
	}
	state := func() digest.RuleJobState {
		t.Helper()
		j, err := fx.store.RuleJob(ctx, fx.uid)
		if err != nil {
			t.Fatal(err)
		}
		return j.State
	}
	if s := state(); s != digest.RuleJobDone {
		t.Fatalf("before: job %s, want done", s)
	}
	path := "/api/v1/feeds/" + strconv.FormatInt(fx.feedIDs["wire"], 10)
	if w := fx.do(t, "PATCH", path, `{"title": "The Wire"}`, "Content-Type", "application/json"); w.Code != http.StatusOK {
		t.Fatalf("PATCH title: %d %s", w.Code, w.Body)
	}
	if s := state(); s != digest.RuleJobDone {
		t.Errorf("a new title queued the rule job: %s", s)
	}
	if w := fx.do(t, "PATCH", path, `{"category": "Elsewhere"}`, "Content-Type", "application/json"); w.Code != http.StatusOK {
		t.Fatalf("PATCH category: %d %s", w.Code, w.Body)
	}
	if s := state(); s != digest.RuleJobQueued {
		t.Errorf("after moving the feed to another category the rule job is %s, want queued", s)
	}
}
