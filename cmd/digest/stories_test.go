package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/occasional-digest/digest/demo"
)

func TestDemoNewswireBecomesStories(t *testing.T) {
	wire, err := demo.New(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ws := httptest.NewServer(wire)
	defer ws.Close()
	base, a := startApp(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, u := range wire.FeedURLs(ws.URL) {
		if _, err := a.pipeline.Subscribe(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.pipeline.RefreshAndWait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.pipeline.WaitIdle(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Stories []struct {
			ID         int64   `json:"id"`
			Headline   string  `json:"headline"`
			Outlets    int     `json:"outlets"`
			ArticleIDs []int64 `json:"article_ids"`
		} `json:"stories"`
	}
	getJSON(t, base+"/api/v1/stories?limit=50", &list)
	storyOf := map[string]int64{} // article title fragment -> story
	for _, s := range list.Stories {
		for _, id := range s.ArticleIDs {
			var art apiArticle
			getJSON(t, fmt.Sprintf("%s/api/v1/articles/%d", base, id), &art)
			storyOf[art.Title] = s.ID
			if strings.Contains(art.Title, "Magnitude 6.1 earthquake shakes Port Alder") {
				// The wire original, with the two republished copies merged in.
				originals := 0
				for _, src := range art.Sources {
					if src.Original {
						originals++
						if !strings.Contains(src.URL, "/meridian/") {
							t.Errorf("original credited to %s, want the Meridian Wire", src.URL)
						}
					}
				}
				if len(art.Sources) != 3 || originals != 1 {
					t.Errorf("wire story has %d sources, %d original; want 3 and 1", len(art.Sources), originals)
				}
			}
		}
	}
	find := func(frag string) int64 {
		for title, s := range storyOf {
			if strings.Contains(title, frag) {
				return s
			}
		}
		t.Fatalf("no story holds %q", frag)
		return 0
	}
	quake := find("Magnitude 6.1 earthquake shakes Port Alder")
	if find("The whole street was moving") != quake || find("Engineers race to inspect Port Alder") != quake {
		t.Errorf("the Port Alder earthquake coverage is split across stories")
	}
	if find("Small tremor rattles Ashby Falls") == quake {
		t.Errorf("a different earthquake (Ashby Falls) joined the Port Alder story: same topic is not same event")
	}
	if find("Lindenfeld council approves") != find("Trams return to Lindenfeld") {
		t.Errorf("the Lindenfeld tram coverage is split")
	}
}
