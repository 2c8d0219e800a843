package summary

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/eval"
	"github.com/occasional-digest/digest/internal/testcorpus"
	"github.com/occasional-digest/digest/story/sentence"
)

// corpusDir returns ../shared/corpus, or skips the test when it is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	return testcorpus.Dir(t)
}

// readJSONL decodes every line of path into a new T.
func readJSONL[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("corpus file missing: %v", err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// storyEvent is one gold event of the Multi-News split: its articles in
// file order and the editor's summary.
type storyEvent struct {
	id    string
	texts []string
	ref   string
}

func loadStories(t testing.TB) []storyEvent {
	dir := filepath.Join(corpusDir(t), "stories")
	arts := readJSONL[struct{ ID, Event, Text string }](t, filepath.Join(dir, "articles.jsonl"))
	sums := readJSONL[struct{ Event, Summary string }](t, filepath.Join(dir, "summaries.jsonl"))
	ref := make(map[string]string, len(sums))
	for _, s := range sums {
		ref[s.Event] = s.Summary
	}
	index := make(map[string]int)
	var events []storyEvent
	for _, a := range arts {
		i, ok := index[a.Event]
		if !ok {
			i = len(events)
			index[a.Event] = i
			events = append(events, storyEvent{id: a.Event, ref: ref[a.Event]})
		}
		events[i].texts = append(events[i].texts, a.Text)
	}
	return events
}

type cnnArticle struct{ ID, Article, Highlights string }

func loadCNN(t testing.TB) []cnnArticle {
	return readJSONL[cnnArticle](t, filepath.Join(corpusDir(t), "summaries", "cnn-dev.jsonl"))
}

// leadRoundRobin is the README's baseline: the leading sentences of each
// article taken in turn (first of each, then second of each, ...) up to
// maxWords words, at most perArticle sentences of each (0: no limit); the
// sentence that crosses the cap is cut at it.
func leadRoundRobin(texts []string, maxWords, perArticle int) string {
	split := make([][]string, len(texts))
	for i, t := range texts {
		split[i] = sentence.Split(t)
	}
	var words []string
	for k := 0; perArticle == 0 || k < perArticle; k++ {
		more := false
		for _, s := range split {
			if k >= len(s) {
				continue
			}
			more = true
			for _, w := range strings.Fields(s[k]) {
				if maxWords > 0 && len(words) == maxWords {
					return strings.Join(words, " ")
				}
				words = append(words, w)
			}
		}
		if !more {
			break
		}
	}
	return strings.Join(words, " ")
}

// lead returns the first k sentences of text.
func lead(text string, k int) string {
	s := sentence.Split(text)
	return strings.Join(s[:min(k, len(s))], " ")
}

type scored struct {
	name string
	mean eval.RougeScores
	len  float64
}

func (s scored) String() string {
	return fmt.Sprintf("%-44s R-1 %5.2f  R-2 %5.2f  R-L %5.2f  (P/R R-1 %5.2f/%5.2f)  %5.1f words",
		s.name, 100*s.mean.R1.F, 100*s.mean.R2.F, 100*s.mean.RL.F, 100*s.mean.R1.P, 100*s.mean.R1.R, s.len)
}

func score(name string, refs []string, summarize func(i int) string, stem bool) scored {
	var m eval.RougeMean
	for i, ref := range refs {
		p := summarize(i)
		m.Add(eval.Rouge(ref, p, eval.RougeOptions{Stem: stem}), eval.Words(p))
	}
	mean, words := m.Mean()
	return scored{name, mean, words}
}

// floor is how far below its baseline a summarizer may score: nothing on
// the full set, half a point on the small subset of the default run, where
// a few documents swing the mean.
func floor(full bool) float64 {
	if full {
		return 0
	}
	return 0.005
}

// TestStoryCorpus scores Story against the Multi-News editors' summaries
// at 300 words, next to the README's round-robin lead baseline. The
// default run scores the first events and requires Story to stay above
// the baseline's ROUGE-1 and ROUGE-2 on them (less a small floor);
// DIGEST_EVAL=1 scores all
// events and prints the figures, with and without stemming.
func TestStoryCorpus(t *testing.T) {
	events := loadStories(t)
	full := os.Getenv("DIGEST_EVAL") == "1"
	if !full {
		events = events[:min(len(events), 80)]
	}
	refs := make([]string, len(events))
	for i, e := range events {
		refs[i] = e.ref
	}
	stems := []bool{false}
	if full {
		stems = append(stems, true)
	}
	for _, stem := range stems {
		base := score("lead round-robin, 300 words", refs, func(i int) string { return leadRoundRobin(events[i].texts, 300, 0) }, stem)
		ours := score("Story, 300 words", refs, func(i int) string { return Story(events[i].texts, 300) }, stem)
		all := []scored{base, ours}
		if full {
			all = append(all,
				score("lead-1 of each article", refs, func(i int) string { return leadRoundRobin(events[i].texts, 0, 1) }, stem),
				score("lead-3 of each article", refs, func(i int) string { return leadRoundRobin(events[i].texts, 0, 3) }, stem),
				score("Story, default length", refs, func(i int) string { return Story(events[i].texts, 0) }, stem),
				score("StoryLed, 300 words", refs, func(i int) string { return StoryLed(events[i].texts, 300) }, stem),
				score("StoryLed, default length", refs, func(i int) string { return StoryLed(events[i].texts, 0) }, stem),
				score("StoryLed, short (60 words)", refs, func(i int) string { return StoryLed(events[i].texts, ShortStoryWords) }, stem),
				score("lead round-robin, 60 words", refs, func(i int) string { return leadRoundRobin(events[i].texts, ShortStoryWords, 0) }, stem),
				score("lead round-robin, Story's length per event", refs, func(i int) string {
					return leadRoundRobin(events[i].texts, eval.Words(Story(events[i].texts, 0)), 0)
				}, stem),
			)
		}
		for _, s := range all {
			t.Logf("stories (%d events, stem=%v): %s", len(events), stem, s)
		}
		if !stem && (ours.mean.R1.F < base.mean.R1.F-floor(full) || ours.mean.R2.F < base.mean.R2.F-floor(full)) {
			t.Errorf("Story scores below the lead baseline:\n%s\n%s", ours, base)
		}
		if ours.len > 300 {
			t.Errorf("Story summaries average %.1f words, over the 300 cap", ours.len)
		}
	}
}

// TestArticleCorpus scores Article against CNN highlights next to lead-3,
// at lead-3's own length and at Article's default length, which must be
// shorter. The default run uses the first articles and allows a small
// floor; DIGEST_EVAL=1 uses all of them and requires Article to score at
// least as well as lead-3 in ROUGE-1 and ROUGE-2.
func TestArticleCorpus(t *testing.T) {
	arts := loadCNN(t)
	full := os.Getenv("DIGEST_EVAL") == "1"
	if !full {
		arts = arts[:min(len(arts), 150)]
	}
	refs := make([]string, len(arts))
	for i, a := range arts {
		refs[i] = a.Highlights
	}
	stems := []bool{false}
	if full {
		stems = append(stems, true)
	}
	for _, stem := range stems {
		lead3 := score("lead-3", refs, func(i int) string { return lead(arts[i].Article, 3) }, stem)
		ours := score("Article, default", refs, func(i int) string { return Article(arts[i].Article, 0) }, stem)
		all := []scored{lead3, ours}
		if full {
			all = append(all,
				score("lead-2", refs, func(i int) string { return lead(arts[i].Article, 2) }, stem),
				score("Article, 1000 words (3 sentences)", refs, func(i int) string { return Article(arts[i].Article, 1000) }, stem),
				score("lead words, Article's length per article", refs, func(i int) string {
					return leadRoundRobin([]string{arts[i].Article}, eval.Words(Article(arts[i].Article, 0)), 0)
				}, stem),
			)
		}
		for _, s := range all {
			t.Logf("cnn (%d articles, stem=%v): %s", len(arts), stem, s)
		}
		if !stem && (ours.mean.R1.F < lead3.mean.R1.F-floor(full) || ours.mean.R2.F < lead3.mean.R2.F-floor(full)) {
			t.Errorf("Article scores below lead-3:\n%s\n%s", ours, lead3)
		}
		if ours.len > lead3.len {
			t.Errorf("Article summaries (%.1f words) are longer than lead-3's (%.1f)", ours.len, lead3.len)
		}
	}
}
