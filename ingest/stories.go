package ingest

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story"
)

// Stories runs the story engine behind the pipeline: every new or changed
// article goes through it in publication order; syndicated copies are
// merged into the kept article in the store (its original credited), and
// the stories an article touches are saved.
type Stories struct {
	store digest.Store
	log   *slog.Logger

	mu     sync.Mutex
	engine *story.Engine
	ids    map[int64]int64 // engine story ID -> stored story ID
}

// NewStories returns a story sink over store using a new engine.
func NewStories(store digest.Store, opts story.Options, log *slog.Logger) *Stories {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Stories{store: store, log: log.With("component", "stories"), engine: story.NewEngine(opts), ids: map[int64]int64{}}
}

// Load replays the stored articles of the engine's window into the engine,
// oldest first, so that new articles join the stories they belong to after
// a restart; before them it recalls the older articles of the duplicate
// window (at most maxRemembered), so that a late copy of one is still
// credited to it. It saves nothing.
func (s *Stories) Load(ctx context.Context, now time.Time) error {
	opts := s.engine.Options()
	since, pastSince := now.Add(-opts.Window), now.Add(-opts.DedupWindow)
	var recent, past []int64
	cursor := ""
	for {
		page, next, err := s.store.RecentArticles(ctx, pastSince, 500, cursor)
		if err != nil {
			return fmt.Errorf("load stories: %w", err)
		}
		done := next == ""
		for _, a := range page {
			if a.Published.Before(pastSince) || len(past) >= maxRemembered {
				done = true
				break
			}
			if a.Published.Before(since) {
				past = append(past, a.ID)
			} else {
				recent = append(recent, a.ID)
			}
		}
		if done {
			break
		}
		cursor = next
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	load := func(ids []int64, fn func(a *digest.Article)) error {
		for i := len(ids) - 1; i >= 0; i-- { // oldest first
			a, err := s.store.StoredArticle(ctx, ids[i])
			if err != nil {
				if digest.IsNotFound(err) {
					continue
				}
				return fmt.Errorf("load stories: %w", err)
			}
			fn(a)
		}
		return nil
	}
	if err := load(past, func(a *digest.Article) { s.engine.Remember(docOf(a)) }); err != nil {
		return err
	}
	err := load(recent, func(a *digest.Article) {
		r := s.engine.Add(docOf(a))
		if a.StoryID != 0 {
			s.ids[r.StoryID] = a.StoryID
		}
	})
	if err != nil {
		return err
	}
	s.log.Info("stories loaded", "articles", len(recent), "remembered", len(past))
	return nil
}

// maxRemembered bounds the older articles Load recalls for duplicate
// detection (the newest of them), and so the time a start takes.
const maxRemembered = 50_000

// Add implements StorySink.
func (s *Stories) Add(ctx context.Context, ids []int64) error {
	arts := make([]*digest.Article, 0, len(ids))
	for _, id := range ids {
		a, err := s.store.StoredArticle(ctx, id)
		if err != nil {
			if digest.IsNotFound(err) {
				continue // merged or deleted since
			}
			return fmt.Errorf("stories: %w", err)
		}
		arts = append(arts, a)
	}
	// Publication order, then ID: the engine is deterministic for a given
	// order, and the earliest copy is the one kept.
	slices.SortFunc(arts, func(a, b *digest.Article) int {
		if c := a.Published.Compare(b.Published); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	touched := map[int64]bool{}
	for _, a := range arts {
		r := s.engine.Add(docOf(a))
		if r.DuplicateOf != 0 && r.DuplicateOf != a.ID {
			if err := s.store.MergeArticles(ctx, r.DuplicateOf, a.ID, r.Original); err != nil {
				return fmt.Errorf("stories: merge %d into %d: %w", a.ID, r.DuplicateOf, err)
			}
		}
		for _, m := range r.MergedStories {
			if sid, ok := s.ids[m]; ok {
				if err := s.store.DeleteStory(ctx, sid); err != nil && !digest.IsNotFound(err) {
					return fmt.Errorf("stories: delete merged story: %w", err)
				}
				delete(s.ids, m)
			}
			delete(touched, m)
		}
		touched[r.StoryID] = true
		for _, n := range r.SplitStories {
			// A split moved articles into a new story; saving both
			// stories moves their article lists in the store.
			touched[n] = true
		}
	}
	for id := range touched {
		if err := s.save(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// save stores the engine's story id (without the copies merged away).
func (s *Stories) save(ctx context.Context, id int64) error {
	v, ok := s.engine.Story(id)
	if !ok {
		return nil
	}
	st := v.Story
	st.ID = s.ids[id]
	st.ArticleIDs = st.ArticleIDs[:0]
	for _, m := range v.Articles {
		if m.DuplicateOf == 0 || m.DuplicateOf == m.ID {
			st.ArticleIDs = append(st.ArticleIDs, m.ID)
		}
	}
	if err := s.store.SaveStory(ctx, &st); err != nil {
		return fmt.Errorf("stories: save story: %w", err)
	}
	s.ids[id] = st.ID
	return nil
}

// sourceLink finds a "Source link" (or "Source:", "Originally published
// at") anchor in sanitized article HTML: the article names its original.
var sourceLink = regexp.MustCompile(`(?i)<a\s[^>]*href="([^"]+)"[^>]*>\s*(?:source(?:\s+link)?|original(?:ly published)?[^<]{0,40}|read the original[^<]{0,20})\s*</a>`)

func docOf(a *digest.Article) story.Doc {
	d := story.Doc{
		ID:        a.ID,
		Title:     a.Title,
		Text:      a.Text,
		URL:       a.URL,
		Outlet:    "feed-" + strconv.FormatInt(a.FeedID, 10),
		Published: a.Published,
	}
	if d.Text == "" {
		d.Text = a.Summary
	}
	for _, src := range a.Sources {
		if src.FeedID == a.FeedID && src.FeedTitle != "" {
			d.Outlet = src.FeedTitle
		}
	}
	if m := sourceLink.FindStringSubmatch(a.Content); m != nil {
		d.SourceURL = html.UnescapeString(m[1])
	}
	return d
}
