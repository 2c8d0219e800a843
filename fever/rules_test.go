package fever_test

import (
	"context"
	"slices"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// TestRulesHide: articles A's rules hide leave A's Fever items and
// unread IDs, and stay in B's. (total_items is cached until A's newest
// article or feeds change, so it stays one too high after a rule hides
// older articles: not checked here.)
func TestRulesHide(t *testing.T) {
	e := newEnv(t, 3)
	e.refresh()
	ctx := context.Background()
	beta := e.articles(e.A.ID, digest.ArticleQuery{FeedID: e.FeedsA[1]})
	if len(beta) == 0 {
		t.Fatal("no beta articles")
	}
	r := &digest.Rule{Name: "No beta", Match: "text:/./", Action: digest.RuleBlock, FeedID: e.FeedsA[1], Enabled: true}
	if err := e.Store.CreateRule(ctx, e.A.ID, r); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.ApplyRules(ctx, e.A.ID); err != nil {
		t.Fatal(err)
	}
	after := e.as(e.A, "items")
	if len(after.Items) == 0 {
		t.Fatal("no items left")
	}
	for _, it := range after.Items {
		if slices.Contains(beta, it.ID) {
			t.Errorf("hidden item %d listed", it.ID)
		}
	}
	unread := ids(e.as(e.A, "unread_item_ids").UnreadItemIDs)
	for _, id := range beta {
		if slices.Contains(unread, id) {
			t.Errorf("hidden item %d among unread_item_ids", id)
		}
	}
	b := ids(e.as(e.B, "unread_item_ids").UnreadItemIDs)
	for _, id := range beta {
		if !slices.Contains(b, id) {
			t.Errorf("B lost item %d to A's rule", id)
		}
	}
}
