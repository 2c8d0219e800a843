package ner

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// TestFoldMultiNewsEvents tags the opening of each article of the
// development events (Multi-News, 2 to 8 outlets per event) and folds them
// one article at a time, as a story does. The result must be stable under
// Normalize (no fold missed, none undone), keep every mention, and name no
// entity twice; the test logs how many entries folding saves.
func TestFoldMultiNewsEvents(t *testing.T) {
	f, err := os.Open(corpusFile(t, "stories/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	type article struct{ Event, Title, Text string }
	byEvent := map[string][]article{}
	var events []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var a article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		if _, ok := byEvent[a.Event]; !ok {
			events = append(events, a.Event)
		}
		byEvent[a.Event] = append(byEvent[a.Event], a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	exact, folded := 0, 0
	for _, ev := range events {
		var held []digest.Entity
		seen := map[digest.Entity]bool{}
		mentions := 0
		for _, a := range byEvent[ev] {
			words := strings.Fields(a.Text)
			words = words[:min(len(words), 40)]
			es := tg.Entities(a.Title + "\n\n" + strings.Join(words, " "))
			for _, e := range es {
				mentions += e.Count
				seen[digest.Entity{Name: e.Name, Kind: e.Kind}] = true
			}
			held = Fold(held, es)
		}
		exact += len(seen)
		folded += len(held)
		if again := Normalize(held); !slices.Equal(again, held) {
			t.Errorf("event %s: folded list not stable:\n%v\n→ %v", ev, held, again)
		}
		keys := map[string]bool{}
		total := 0
		for _, e := range held {
			total += e.Count
			k := Key(e.Kind, e.Name)
			if keys[k] {
				t.Errorf("event %s names %q twice: %v", ev, e.Name, held)
			}
			keys[k] = true
		}
		if total != mentions {
			t.Errorf("event %s: %d mentions folded into %d", ev, mentions, total)
		}
	}
	t.Logf("%d events: %d entities by exact name and kind, %d folded (%.1f%% fewer)",
		len(events), exact, folded, 100*float64(exact-folded)/float64(max(exact, 1)))
}
