package web

import (
	"context"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// TestFrontPageRanksForTheReader: a new reader gets the stories most
// outlets carry first; one who has read about the quake gets the quake
// story first, with the reason in words and every part of its score.
func TestFrontPageRanksForTheReader(t *testing.T) {
	fx := newFixture(t)
	wire := fx.addFeed(t, "wire", "Wire")
	fx.addEntries(t, wire,
		entry("q1", "Earthquake damage counted in Port Alder harbour", time.Hour, "<p>x</p>"),
		entry("q2", "Port Alder earthquake: engineers inspect the harbour wall", 2*time.Hour, "<p>x</p>"),
		entry("fair", "Lindenfeld opens its winter fair", 3*time.Hour, "<p>x</p>"),
		entry("quake-story", "Aftershock earthquake rattles Port Alder harbour", 4*time.Hour, "<p>x</p>"),
	)
	saveStory(t, fx, &digest.Story{Headline: "Winter fair opens in Lindenfeld", Summary: "Stalls and music.", Outlets: 6,
		Importance: 6, FirstSeen: baseTime, LastSeen: baseTime, ArticleIDs: []int64{fx.articleIDs["fair"]}})
	saveStory(t, fx, &digest.Story{Headline: "Aftershock earthquake rattles Port Alder harbour", Summary: "Engineers inspect the harbour.",
		Outlets: 1, Importance: 1, FirstSeen: baseTime, LastSeen: baseTime, ArticleIDs: []int64{fx.articleIDs["quake-story"]}})
	first := func() string {
		body := fx.do(t, "GET", "/", "").Body.String()
		fair, quake := strings.Index(body, "Winter fair opens"), strings.Index(body, "Aftershock earthquake rattles")
		if fair < 0 || quake < 0 {
			t.Fatalf("front page lacks a story")
		}
		if fair < quake {
			return "fair"
		}
		return "quake"
	}
	if got := first(); got != "fair" {
		t.Errorf("a new reader's first story is the %s one, want the one of 6 outlets", got)
	}
	if body := fx.do(t, "GET", "/", "").Body.String(); !strings.Contains(body, "6 outlets") {
		t.Error("the fair story does not say why: 6 outlets")
	}
	if _, err := fx.store.MarkRead(context.Background(), fx.uid, []int64{fx.articleIDs["q1"], fx.articleIDs["q2"]}, true); err != nil {
		t.Fatal(err)
	}
	if got := first(); got != "quake" {
		t.Errorf("after reading about the quake, the first story is the %s one", got)
	}
	body := fx.do(t, "GET", "/", "").Body.String()
	if !strings.Contains(body, "like what you read") || !strings.Contains(body, "Like what you read") || !strings.Contains(body, `class="why-total"`) {
		t.Error("the quake story does not show its reason and parts")
	}
}
