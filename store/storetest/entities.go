package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// entityStories saves stories named by their headlines, the i-th last seen
// i hours after base, each naming the given entities, and returns their IDs
// by headline.
func entityStories(t *testing.T, s digest.Store, stories map[string][]digest.Entity) map[string]int64 {
	t.Helper()
	heads := make([]string, 0, len(stories))
	for h := range stories {
		heads = append(heads, h)
	}
	slices.Sort(heads)
	ids := map[string]int64{}
	// The user sees one article of each story.
	entitySet++
	f := createFeed(t, s, fmt.Sprintf("https://entities%d.example/feed", entitySet))
	var es []digest.Entry
	for _, h := range heads {
		es = append(es, entry(fmt.Sprintf("entities%d-%s", entitySet, h), 0))
	}
	created := save(t, s, fetched(f.ID, es...))[0].Created
	for i, h := range heads {
		st := &digest.Story{Headline: h, LastSeen: base.Add(time.Duration(i) * time.Hour), Entities: stories[h],
			ArticleIDs: []int64{created[i]}}
		if err := s.SaveStory(context.Background(), st); err != nil {
			t.Fatalf("SaveStory(%s): %v", h, err)
		}
		ids[h] = st.ID
	}
	return ids
}

// entitySet numbers the calls of entityStories, whose feeds differ.
var entitySet int

func per(name string, n int) digest.Entity {
	return digest.Entity{Name: name, Kind: digest.Person, Count: n}
}
func org(name string, n int) digest.Entity {
	return digest.Entity{Name: name, Kind: digest.Organization, Count: n}
}
func loc(name string, n int) digest.Entity {
	return digest.Entity{Name: name, Kind: digest.Place, Count: n}
}
func misc(name string, n int) digest.Entity {
	return digest.Entity{Name: name, Kind: digest.Misc, Count: n}
}

func testEntityLookup(t *testing.T, s digest.Store) {
	ctx := context.Background()
	ids := entityStories(t, s, map[string][]digest.Entity{
		"a": {org("NATO", 5), per("Donald J. Trump", 2), per("Xi Jinping", 3), loc("United States", 2)},
		"b": {org("Nato", 2), per("Donald Trump", 4), per("Xi", 1), per("Hillary Clinton", 1), loc("Lindenfeld", 1)},
		"c": {per("Bill Clinton", 2), per("Clinton", 1), org("Lindenfeld", 3), per("George W. Bush", 1)},
		"d": {per("George H. W. Bush", 1), org("N.A.T.O.", 1), org("Harbour Rovers", 2)},
		"e": {per("George Bush", 1), per("Bush", 1), misc("Olympics", 1)},
		"f": {per("Donald Trump Jr.", 1), per("Trump", 2), per("Pellham", 1), misc("Pellham", 1)},
	})
	tests := []struct {
		name      string
		kind      digest.EntityKind
		ask       string
		wantKind  digest.EntityKind
		wantName  string
		wantNames []string // every spelling, canonical first
		stories   []string // newest first
	}{
		{"capitals and case are one organisation, most mentioned first", digest.Organization, "nato",
			digest.Organization, "NATO", []string{"NATO", "Nato", "N.A.T.O."}, []string{"d", "b", "a"}},
		{"a spelling from another outlet finds the same page", digest.Organization, "Nato",
			digest.Organization, "NATO", nil, []string{"d", "b", "a"}},
		{"kind is matched in the key's class: a place asked as an organisation", digest.Place, "NATO",
			digest.Organization, "NATO", nil, []string{"d", "b", "a"}},
		{"a middle initial is the same person when only one variant is stored", digest.Person, "Donald J. Trump",
			digest.Person, "Donald Trump", []string{"Donald Trump", "Donald J. Trump"}, []string{"b", "a"}},
		{"a title is not part of the name", digest.Person, "President Donald J. Trump",
			digest.Person, "Donald Trump", nil, []string{"b", "a"}},
		{"a junior is another person", digest.Person, "Donald Trump Jr.",
			digest.Person, "Donald Trump Jr.", []string{"Donald Trump Jr."}, []string{"f"}},
		{"a surname of two stored people stays on its own", digest.Person, "Trump",
			digest.Person, "Trump", []string{"Trump"}, []string{"f"}},
		{"a one-word name of one stored person is that person", digest.Person, "Xi",
			digest.Person, "Xi Jinping", []string{"Xi Jinping", "Xi"}, []string{"b", "a"}},
		{"an honorific and a possessive are not part of the name", digest.Person, "Mr Xi's",
			digest.Person, "Xi Jinping", nil, []string{"b", "a"}},
		{"the full name gathers its one-word mentions", digest.Person, "xi jinping",
			digest.Person, "Xi Jinping", nil, []string{"b", "a"}},
		{"two full names sharing a surname are never merged", digest.Person, "Hillary Clinton",
			digest.Person, "Hillary Clinton", []string{"Hillary Clinton"}, []string{"b"}},
		{"an ambiguous surname is only itself", digest.Person, "Clinton",
			digest.Person, "Clinton", []string{"Clinton"}, []string{"c"}},
		{"two middle-initial variants keep every variant apart", digest.Person, "George W. Bush",
			digest.Person, "George W. Bush", []string{"George W. Bush"}, []string{"c"}},
		{"the bare name beside two variants is only itself", digest.Person, "George Bush",
			digest.Person, "George Bush", []string{"George Bush"}, []string{"e"}},
		{"a surname of an ambiguous name is only itself", digest.Person, "Bush",
			digest.Person, "Bush", []string{"Bush"}, []string{"e"}},
		{"a kind flip is followed to the kind of most mentions", digest.Place, "Lindenfeld",
			digest.Organization, "Lindenfeld", []string{"Lindenfeld", "Lindenfeld"}, []string{"c", "b"}},
		{"a name under one other kind only is found there", digest.Person, "Harbour Rovers",
			digest.Organization, "Harbour Rovers", nil, []string{"d"}},
		{"an organisation asked as a person is found", digest.Organization, "Donald Trump",
			digest.Person, "Donald Trump", nil, []string{"b", "a"}},
		{"misc found from another kind", digest.Place, "olympics",
			digest.Misc, "Olympics", nil, []string{"e"}},
		{"a place by an abbreviation of the gazetteer", digest.Place, "U.S.",
			digest.Place, "United States", nil, []string{"a"}},
		{"surrounding space is ignored", digest.Organization, "  NATO ",
			digest.Organization, "NATO", nil, []string{"d", "b", "a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spellings, stories, err := s.EntityStories(ctx, uid(t, s), tc.kind, tc.ask, 10)
			if err != nil {
				t.Fatalf("EntityStories(%s, %q): %v", tc.kind, tc.ask, err)
			}
			if len(spellings) == 0 || spellings[0].Kind != tc.wantKind || spellings[0].Name != tc.wantName || spellings[0].ID == 0 {
				t.Fatalf("canonical = %+v, want %s %q", spellings, tc.wantKind, tc.wantName)
			}
			if tc.wantNames != nil {
				var names []string
				for _, e := range spellings {
					names = append(names, e.Name)
				}
				if !slices.Equal(names, tc.wantNames) {
					t.Errorf("spellings = %q, want %q", names, tc.wantNames)
				}
			}
			var got []int64
			for _, st := range stories {
				got = append(got, st.ID)
			}
			var want []int64
			for _, h := range tc.stories {
				want = append(want, ids[h])
			}
			if !slices.Equal(got, want) {
				t.Errorf("stories = %v, want %v (%v)", got, want, tc.stories)
			}
		})
	}
	// The canonical spelling finds itself: a page never redirects in a loop.
	for _, tc := range tests {
		spellings, _, err := s.EntityStories(ctx, uid(t, s), tc.kind, tc.ask, 10)
		if err != nil || len(spellings) == 0 {
			continue
		}
		again, _, err := s.EntityStories(ctx, uid(t, s), spellings[0].Kind, spellings[0].Name, 10)
		if err != nil || again[0].Kind != spellings[0].Kind || again[0].Name != spellings[0].Name {
			t.Errorf("canonical %s %q resolves to %+v (%v)", spellings[0].Kind, spellings[0].Name, again, err)
		}
	}
	if _, list, err := s.EntityStories(ctx, uid(t, s), digest.Person, "Xi", 1); err != nil || len(list) != 1 || list[0].ID != ids["b"] {
		t.Errorf("limit 1 = %+v (%v), want the newest story", list, err)
	}
	// A story seen again moves to the front of its entities' pages.
	a, err := s.Story(ctx, uid(t, s), ids["a"])
	if err != nil {
		t.Fatal(err)
	}
	a.LastSeen = base.Add(100 * time.Hour)
	if err := s.SaveStory(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, list, err := s.EntityStories(ctx, uid(t, s), digest.Organization, "NATO", 2); err != nil || len(list) != 2 || list[0].ID != ids["a"] || list[1].ID != ids["d"] {
		t.Errorf("after story a was seen again: %+v (%v), want a, d", list, err)
	}
	// A spelling no story names any more is no match: a person once
	// tagged "Harbour Rovers" leaves the club's page to be found.
	g := &digest.Story{Headline: "g", LastSeen: base, Entities: []digest.Entity{per("Harbour Rovers", 1)}}
	if err := s.SaveStory(ctx, g); err != nil {
		t.Fatal(err)
	}
	g.Entities = []digest.Entity{misc("Regatta", 1)}
	if err := s.SaveStory(ctx, g); err != nil {
		t.Fatal(err)
	}
	if sp, list, err := s.EntityStories(ctx, uid(t, s), digest.Person, "Harbour Rovers", 10); err != nil || sp[0].Kind != digest.Organization || len(sp) != 1 || len(list) != 1 {
		t.Errorf("a person no story names any more: %+v, %d stories (%v), want the organisation", sp, len(list), err)
	}
	_, _, err = s.EntityStories(ctx, uid(t, s), digest.Organization, "Pellham", 10)
	wantCode(t, "a name of two entities of other kinds", err, digest.ENOTFOUND)
	_, _, err = s.EntityStories(ctx, uid(t, s), digest.Organization, "Nobody Known", 10)
	wantCode(t, "unknown name", err, digest.ENOTFOUND)
}

func testEntityLookupHostile(t *testing.T, s digest.Store) {
	ctx := context.Background()
	entityStories(t, s, map[string][]digest.Entity{"a": {org("NATO", 1)}})
	tests := []struct {
		name string
		kind digest.EntityKind
		ask  string
		code string
	}{
		{"unknown kind", "GPE", "NATO", digest.EINVALID},
		{"empty kind", "", "NATO", digest.EINVALID},
		{"lower-case kind is not a kind", "org", "NATO", digest.EINVALID},
		{"empty name", digest.Organization, "", digest.EINVALID},
		{"dots only", digest.Organization, "..", digest.EINVALID},
		{"invalid UTF-8 only", digest.Organization, "\xff\xfe", digest.EINVALID},
		{"NUL bytes only", digest.Organization, "\x00\x00", digest.EINVALID},
		{"SQL is text", digest.Organization, "NATO' OR '1'='1", digest.ENOTFOUND},
		{"LIKE wildcards are text", digest.Person, "%", digest.EINVALID},
		{"LIKE wildcards beside letters are text", digest.Person, "N%", digest.ENOTFOUND},
		{"1 MiB name", digest.Organization, strings.Repeat("Nato ", 1<<18), digest.ENOTFOUND},
		{"1 MiB one-word person", digest.Person, strings.Repeat("x", 1<<20), digest.ENOTFOUND},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.EntityStories(ctx, uid(t, s), tc.kind, tc.ask, 10)
			wantCode(t, tc.name, err, tc.code)
		})
	}
	// Invalid UTF-8 around a name is replaced, as when it was stored.
	if sp, _, err := s.EntityStories(ctx, uid(t, s), digest.Organization, "NATO\x00", 10); err != nil || sp[0].Name != "NATO" {
		t.Errorf("NUL after a name: %+v, %v", sp, err)
	}
}
