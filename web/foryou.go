package web

import (
	"context"
	"slices"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rank"
)

// forYouCandidates is how many of the user's most important stories the
// front page ranks for them; forYouHistory how many of the articles they
// read recently make their profile.
const (
	forYouCandidates = 60
	forYouHistory    = 60
)

// rankedStory is a story with its score for the reader.
type rankedStory struct {
	story digest.Story
	score rank.Score
}

// forYou returns up to n of the user's stories ranked for them (see
// package rank): importance by outlets, similarity to what they read
// lately, each with its parts. A reader who has read nothing gets the
// stories by importance.
func (s *Server) forYou(ctx context.Context, userID int64, n int) ([]rankedStory, bool, error) {
	list, err := s.store.Stories(ctx, userID, forYouCandidates, 0)
	if err != nil {
		return nil, false, err
	}
	read, err := s.store.Articles(ctx, digest.ArticleQuery{UserID: userID, Read: true, Limit: forYouHistory})
	if err != nil {
		return nil, false, err
	}
	history := make([]rank.Item, 0, len(read.Articles))
	for i := len(read.Articles) - 1; i >= 0; i-- { // oldest first
		a := read.Articles[i]
		history = append(history, rank.Item{Title: a.Title, Abstract: a.Summary})
	}
	cands := make([]rank.Item, len(list))
	for i, st := range list {
		cands[i] = rank.Item{Title: st.Headline, Abstract: st.Summary, Popularity: float64(st.Outlets)}
	}
	scores := rank.New(rank.Options{}).Rank(history, cands)
	out := make([]rankedStory, len(list))
	for i := range list {
		out[i] = rankedStory{story: list[i], score: scores[i]}
	}
	// Highest score first; ties keep the store's order (importance, then
	// last seen).
	slices.SortStableFunc(out, func(a, b rankedStory) int {
		switch {
		case a.score.Total > b.score.Total:
			return -1
		case a.score.Total < b.score.Total:
			return 1
		}
		return 0
	})
	more := len(out) > n
	if more {
		out = out[:n]
	}
	return out, more, nil
}

// whyPart is one line of a story card's "why this" list.
type whyPart struct {
	Name   string
	Value  float64
	Reason string
}

// partLabels name the score's parts for the reader.
var partLabels = map[string]string{
	"importance": "Outlets covering it",
	"similar":    "Like what you read",
	"category":   "In a category you read",
}

func whyOf(sc rank.Score) []whyPart {
	out := make([]whyPart, 0, len(sc.Parts))
	for _, p := range sc.Parts {
		label := partLabels[p.Name]
		if label == "" {
			label = p.Name
		}
		out = append(out, whyPart{Name: label, Value: p.Value, Reason: p.Reason})
	}
	return out
}
