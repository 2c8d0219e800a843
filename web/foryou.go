package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/foryou"
	"github.com/occasional-digest/digest/rank"
)

// For you: the front page's stories ranked for the reader by the one
// For you model (package foryou), each with its parts, and what the
// reader does there learned.
const (
	// impressionWindow: a story shown again within it (a reload) is not
	// shown-and-passed-over once more.
	impressionWindow = 6 * time.Hour
	// onboardOptions bounds each kind of suggestion of the onboarding
	// step.
	onboardOptions = 6
)

// Weights of the behaviour For you learns from (see package foryou).
const (
	learnOpen = foryou.LearnOpen
	learnStar = foryou.LearnStar
	learnMore = foryou.LearnMore
	learnLess = foryou.LearnLess
	// learnDismiss: a story dismissed was passed over once more, on
	// purpose (a third of "less of this", and no "less like this"
	// choice).
	learnDismiss = foryou.LearnDismiss
)

// newRanker is the server's For you model, reading through its caches.
func (s *Server) newRanker() *foryou.Ranker {
	return foryou.New(s.store, foryou.Options{
		Now: s.now,
		Feeds: func(ctx context.Context, userID int64) (map[int64]*digest.Feed, error) {
			feeds, _, err := s.cache.get(ctx, userID)
			return feeds, err
		},
		Choices: func(ctx context.Context, userID int64) ([]digest.Choice, error) {
			return s.taste.choices(ctx, s.store, userID)
		},
		Signals: func(ctx context.Context, userID int64) ([]digest.Signal, error) {
			return s.taste.signals(ctx, s.store, userID)
		},
		Extras: s.cfg.RankExtras,
		Outlet: func(f *digest.Feed) string { return outlet(f, nil) },
	})
}

// forYou ranks the user's stories for them and returns the best n (see
// foryou.Ranker.Page).
func (s *Server) forYou(ctx context.Context, userID int64, n int) (*foryou.Result, error) {
	return s.ranker.Page(ctx, userID, n)
}

// recordShown records the stories For you showed and learns from the
// fresh ones that they were shown: passed over unless opened later.
func (s *Server) recordShown(ctx context.Context, userID int64, shown []foryou.Story) error {
	ids := make([]int64, len(shown))
	for i, r := range shown {
		ids[i] = r.Story.ID
	}
	now := s.now()
	// Every story known to be recorded within the window: the store
	// would find none fresh, and write nothing.
	if s.shown.known(userID, ids, now) {
		return nil
	}
	fresh, err := s.store.RecordShown(ctx, userID, ids, now, impressionWindow)
	if err != nil {
		return err
	}
	// Only the fresh ones are stored as shown at now; the others keep the
	// time of their first showing, which the memo does not know.
	held := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return slices.Contains(fresh, id) })
	s.shown.recorded(userID, fresh, held, now, impressionWindow)
	if len(fresh) == 0 {
		return nil
	}
	var sigs []digest.Signal
	for _, r := range shown {
		if slices.Contains(fresh, r.Story.ID) {
			sigs = append(sigs, foryou.FeatureSignals(r.Cand, 0, 1)...)
		}
	}
	err = s.store.Learn(ctx, userID, s.now(), rank.HalfLife, sigs)
	s.taste.dropSignals(userID)
	return err
}

// learnStory learns clicks and showings of one story the user sees (by
// its features); a story they no longer see teaches nothing.
func (s *Server) learnStory(ctx context.Context, userID, storyID int64, clicks, shown float64) error {
	err := s.ranker.LearnStory(ctx, userID, storyID, clicks, shown, s.now())
	s.taste.dropSignals(userID)
	return err
}

// learnLater learns clicks and showings of one story the user sees, as
// learnStory does, after the response: through the signal writer (see
// openedStory), so that a failing or slow write does not fail or hold
// the reader's action.
func (s *Server) learnLater(r *http.Request, what string, storyID int64, clicks, shown float64) {
	userID, now := uid(r), s.now()
	s.signals.add(what, userID, func(ctx context.Context) error {
		err := s.ranker.LearnStory(ctx, userID, storyID, clicks, shown, now)
		s.taste.dropSignals(userID)
		return err
	})
}

// seen reports whether a request is a reader looking at the page, not a
// browser prefetching or prerendering it, or a HEAD: only then is a page
// shown or a story opened learned from.
func seen(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	for _, h := range []string{"Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"} {
		if strings.Contains(strings.ToLower(r.Header.Get(h)), "prefetch") || strings.Contains(strings.ToLower(r.Header.Get(h)), "preview") {
			return false
		}
	}
	return true
}

// openedStory learns that the user opened a story (its page, or one of
// its articles), the first time only, unless the request is no reader's
// look (see seen). The write runs after the page, in the background (see
// signalWriter): a failing one does not fail the page.
func (s *Server) openedStory(r *http.Request, storyID int64) {
	if !seen(r) {
		return
	}
	userID, now := uid(r), s.now()
	s.signals.add("story opened", userID, func(ctx context.Context) error {
		first, err := s.store.OpenStory(ctx, userID, storyID, now)
		if digest.IsNotFound(err) || (err == nil && !first) {
			return nil
		}
		if err != nil {
			return err
		}
		err = s.ranker.LearnStory(ctx, userID, storyID, learnOpen, 0, now)
		s.taste.dropSignals(userID)
		return err
	})
}

// whyPart is one line of a story card's "why this" list.
type whyPart struct {
	Name   string
	Value  float64
	Reason string
}

// partLabels name the score's parts for the reader.
var partLabels = map[string]string{
	"importance":     "Outlets covering it",
	"similar":        "Like what you read",
	"category":       "In a category you read",
	"recency":        "Age",
	"follow":         "What you follow",
	"priority":       "Feed priority",
	"phrase":         "Phrases you follow",
	"more-like-this": "Like stories you asked more of",
	"less-like-this": "Like stories you asked less of",
	"learned":        "What you open and pass over",
	"rare-feed":      "From a feed that publishes rarely",
	"diversity":      "Spaced from similar stories",
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
