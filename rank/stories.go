package rank

import (
	"slices"

	digest "github.com/occasional-digest/digest"
)

// RankedStory is a story with its score for one reader.
type RankedStory struct {
	Story digest.Story
	Score Score
}

// Stories ranks stories for a reader who read the given articles (newest
// first, as the store lists them) with a fresh Model of opts: importance
// by outlets, similarity to what they read, each with its parts. The
// highest score comes first; ties keep the stories' order. Both the "for
// you" page and the daily digest rank with it.
func Stories(opts Options, read []digest.Article, stories []digest.Story) []RankedStory {
	history := make([]Item, 0, len(read))
	for i := len(read) - 1; i >= 0; i-- { // oldest first
		a := read[i]
		history = append(history, Item{Title: a.Title, Abstract: a.Summary})
	}
	cands := make([]Item, len(stories))
	for i, st := range stories {
		cands[i] = Item{Title: st.Headline, Abstract: st.Summary, Popularity: float64(st.Outlets)}
	}
	scores := New(opts).Rank(history, cands)
	out := make([]RankedStory, len(stories))
	for i := range stories {
		out[i] = RankedStory{Story: stories[i], Score: scores[i]}
	}
	slices.SortStableFunc(out, func(a, b RankedStory) int {
		switch {
		case a.Score.Total > b.Score.Total:
			return -1
		case a.Score.Total < b.Score.Total:
			return 1
		}
		return 0
	})
	return out
}
