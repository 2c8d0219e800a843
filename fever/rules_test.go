package fever_test

import (
	"context"
	"slices"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// TestRulesHide: articles A's rules hide leave A's Fever items, unread
// IDs and total_items (cached, but not past a change of what A's rules
// hide), and stay in B's.
func TestRulesHide(t *testing.T) {
	e := newEnv(t, 3)
	e.refresh()
	ctx := context.Background()
	beta := e.articles(e.A.ID, digest.ArticleQuery{FeedID: e.FeedsA[1]})
	if len(beta) == 0 {
		t.Fatal("no beta articles")
	}
	total := e.as(e.A, "items").TotalItems // cached from here
	if total <= len(beta) {
		t.Fatalf("total_items %d, with %d beta articles", total, len(beta))
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
	if after.TotalItems != total-len(beta) {
		t.Errorf("total_items %d after the rule hid %d of %d, want %d", after.TotalItems, len(beta), total, total-len(beta))
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
	// The rule goes: total_items comes back.
	if err := e.Store.DeleteRule(ctx, e.A.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.ApplyRules(ctx, e.A.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.as(e.A, "items").TotalItems; got != total {
		t.Errorf("total_items %d after the rule went, want %d", got, total)
	}
}
