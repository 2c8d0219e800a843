package story

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkEngineHotStory measures the engine when every article reports
// one big event (a story of thousands of articles): the per-article cost
// of joining, split checks and the story view must stay bounded by the
// caps on them, not grow with the story.
func BenchmarkEngineHotStory(b *testing.B) {
	std, err := Standard()
	if err != nil {
		b.Fatal(err)
	}
	g := newGen(3, 5, 200)
	e := NewEngine(std)
	id := int64(0)
	add := func() {
		id++
		title, text := g.article(7)
		r := e.Add(Doc{ID: id, Title: title, Text: text, Outlet: "o" + strconv.Itoa(int(id%50)), Published: t0.Add(time.Duration(id) * time.Second)})
		e.Story(r.StoryID)
	}
	for range 2000 {
		add()
	}
	b.ResetTimer()
	for b.Loop() {
		add()
	}
	biggest := 0
	for _, s := range e.stories {
		biggest = max(biggest, len(s.members))
	}
	b.ReportMetric(float64(biggest), "max-story")
	b.ReportMetric(float64(len(e.stories)), "stories")
}
