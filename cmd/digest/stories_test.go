package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/demo"
	"github.com/occasional-digest/digest/story/ner"
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
		if _, err := a.pipeline.Subscribe(ctx, testUserOf(t, base), u, ""); err != nil {
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
			ID         int64           `json:"id"`
			Headline   string          `json:"headline"`
			Outlets    int             `json:"outlets"`
			ArticleIDs []int64         `json:"article_ids"`
			Entities   []digest.Entity `json:"entities"`
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

	// Each story names each entity once, under its canonical name, however
	// its articles write it: the wheat story's articles say "Calder
	// University" (a title) and "University of Calder", and one names the
	// scientist "Amara" only (its lead is cut after her first name).
	wheat := find("Calder University team unveils wheat")
	cup := find("Harbour Rovers reach cup final")
	for _, s := range list.Stories {
		keys := map[string]string{}
		for _, e := range s.Entities {
			k := ner.Key(e.Kind, e.Name)
			if other, ok := keys[k]; ok {
				t.Errorf("story %q names one entity twice: %q and %q", s.Headline, other, e.Name)
			}
			keys[k] = e.Name
		}
		if s.ID == cup {
			// "Rovers" and "Dunmere" are the clubs Harbour Rovers and
			// Dunmere Athletic, named so in the same report.
			for _, short := range []string{"Rovers", "Dunmere"} {
				if _, ok := keys[ner.Key(digest.Organization, short)]; ok {
					t.Errorf("cup story names %q beside the club it shortens: %v", short, s.Entities)
				}
			}
		}
		if s.ID != wheat {
			continue
		}
		var unis, people []string
		for _, e := range s.Entities {
			if strings.Contains(e.Name, "Calder") && strings.Contains(e.Name, "University") {
				unis = append(unis, e.Name)
			}
			if e.Kind == digest.Person && strings.Contains("Amara Velasquez", e.Name) {
				people = append(people, e.Name)
			}
		}
		if len(unis) != 1 {
			t.Errorf("wheat story names the university %q; want one entity (University of Calder and Calder University are one)", unis)
		}
		if len(people) != 1 || people[0] != "Amara Velasquez" {
			t.Errorf("wheat story names the scientist %q; want Amara Velasquez alone (Amara folded into her)", people)
		}
		if len(unis) == 1 {
			// The entity page of the canonical name collects the story.
			var page struct {
				Stories []struct {
					ID int64 `json:"id"`
				} `json:"stories"`
			}
			getJSON(t, base+"/api/v1/entities/ORG/"+url.PathEscape(unis[0]), &page)
			if len(page.Stories) != 1 || page.Stories[0].ID != wheat {
				t.Errorf("entity page of %q lists %+v; want the wheat story %d", unis[0], page.Stories, wheat)
			}
		}
	}
}
