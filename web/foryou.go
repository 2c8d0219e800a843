package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rank"
	"github.com/occasional-digest/digest/rules"
)

// For you: the front page's stories ranked for the reader (see package
// rank), each with its parts, and what the reader does there learned.
const (
	// forYouImportant and forYouRecent are how many of the user's most
	// important and last seen stories are ranked per page view (a story
	// one outlet carries is new news too); forYouHistory how many of the
	// articles they read recently make their profile.
	forYouImportant = 90
	forYouRecent    = 90
	forYouHistory   = 60
	// forYouMaxRun is the most stories in a row from one outlet or
	// naming one entity.
	forYouMaxRun = 2
	// impressionWindow: a story shown again within it (a reload) is not
	// shown-and-passed-over once more.
	impressionWindow = 6 * time.Hour
	// onboardOptions bounds each kind of suggestion of the onboarding
	// step.
	onboardOptions = 6
)

// Weights of the behaviour For you learns from, in clicks and showings
// of a story's features (see rank.Reader).
const (
	learnOpen = 1 // a story's page or one of its articles opened, once per story
	learnStar = 1 // an article starred: read to the end, kept
	learnMore = 2 // "more like this"
	learnLess = 3 // "less like this", in showings passed over
)

// rankedStory is a story with its score for the reader.
type rankedStory struct {
	story digest.Story
	cand  *rank.Candidate
	score rank.Score
}

// forYouResult is the front page's ranking for one reader.
type forYouResult struct {
	stories []rankedStory
	more    bool // more visible stories than asked for
	hidden  int  // stories the reader's mutes took off
	// newReader: no history, no choices, nothing learned yet.
	newReader bool
	cands     []rank.Candidate
	choices   []digest.Choice
	// front is the front page's part, made once (see frontOf).
	front struct {
		mu   sync.Mutex
		done bool
		part frontPart
	}
}

// forYou ranks the user's stories for them and returns the best n:
// importance and recency, what they read lately, their choices (follows,
// mutes, priorities, phrases, more or less like this), what they opened
// and passed over, and diversity. A reader with nothing of these gets
// the stories by importance.
func (s *Server) forYou(ctx context.Context, userID int64, n int) (*forYouResult, error) {
	// Three independent reads at once, each on its own connection: the
	// stories (then their feeds and rule verdicts, at once), the reading
	// history, and the reader's choices, signals and extras.
	var (
		wg                        sync.WaitGroup
		list                      []digest.Story
		cands                     []rank.Candidate
		rp                        ruleParts
		read                      *digest.ArticlePage
		choices                   []digest.Choice
		signals                   []digest.Signal
		more                      []rank.Extra
		errList, errCands, errRP  error
		errRead, errTaste, errSig error
		errExtra                  error
	)
	wg.Go(func() {
		if list, errList = s.store.ForYouStories(ctx, userID, forYouImportant, forYouRecent); errList != nil {
			return
		}
		var inner sync.WaitGroup
		inner.Go(func() { cands, errCands = s.candidates(ctx, userID, list) })
		rp, errRP = s.ruleParts(ctx, userID, list)
		inner.Wait()
	})
	wg.Go(func() {
		read, errRead = s.store.Articles(ctx, digest.ArticleQuery{UserID: userID, Read: true, Limit: forYouHistory})
	})
	wg.Go(func() {
		if choices, errTaste = s.taste.choices(ctx, s.store, userID); errTaste != nil {
			return
		}
		if signals, errSig = s.taste.signals(ctx, s.store, userID); errSig != nil {
			return
		}
		if s.cfg.RankExtras != nil {
			more, errExtra = s.cfg.RankExtras(ctx, userID)
		}
	})
	wg.Wait()
	for _, err := range []error{errList, errCands, errRP, errRead, errTaste, errSig, errExtra} {
		if err != nil {
			return nil, err
		}
	}
	feeds, _, err := s.cache.get(ctx, userID)
	if err != nil {
		return nil, err
	}
	history := make([]rank.Item, 0, len(read.Articles))
	for i := len(read.Articles) - 1; i >= 0; i-- { // oldest first
		a := read.Articles[i]
		it := rank.Item{Title: a.Title, Abstract: a.Summary}
		if f := feeds[a.FeedID]; f != nil {
			it.Category = f.Category
		}
		history = append(history, it)
	}
	extras := append([]rank.Extra{rp}, more...)
	m := rank.New(rank.Options{})
	m.Observe(history...)
	for i := range cands {
		m.Observe(cands[i].Item)
	}
	reader := m.NewReader(history, choices, signals, s.now(), rank.ForYouWeights{}, extras...)
	ranked, hidden := reader.RankStories(cands, n+1, forYouMaxRun)
	byID := make(map[string]int, len(list))
	for i := range list {
		byID[cands[i].ID] = i
	}
	res := &forYouResult{hidden: hidden, cands: cands, choices: choices,
		newReader: len(history) == 0 && len(choices) == 0 && !learnedAny(signals)}
	for _, r := range ranked {
		res.stories = append(res.stories, rankedStory{story: list[byID[r.ID]], cand: r.Candidate, score: r.Score})
	}
	if len(res.stories) > n {
		res.stories, res.more = res.stories[:n], true
	}
	return res, nil
}

// ruleParts is the part the reader's like and dislike rules give each
// story: the verdicts stored for its articles at ingest, folded by
// rules.StoryVerdict (each rule counts once per story), by candidate ID.
// Hide verdicts need nothing here: the store lists no hidden article in
// the reader's stories.
type ruleParts map[string]digest.Verdict

// ruleParts reads the verdicts of the stories' articles.
func (s *Server) ruleParts(ctx context.Context, userID int64, list []digest.Story) (ruleParts, error) {
	var ids []int64
	for i := range list {
		ids = append(ids, list[i].ArticleIDs...)
	}
	out := ruleParts{}
	if len(ids) == 0 {
		return out, nil
	}
	vs, err := s.store.Verdicts(ctx, userID, ids)
	if err != nil || len(vs) == 0 {
		return out, err
	}
	for i := range list {
		if v := rules.StoryVerdict(vs, list[i].ArticleIDs); len(v.Reasons) > 0 {
			out[strconv.FormatInt(list[i].ID, 10)] = v
		}
	}
	return out, nil
}

// Parts is the story's "Rule: NAME" part (rank.Extra), its reason the
// rules that matched.
func (rp ruleParts) Parts(c *rank.Candidate) ([]rank.Part, string) {
	name, w, ok := rules.Part(rp[c.ID])
	if !ok {
		return nil, ""
	}
	reason := "Matches your rule " + strings.TrimPrefix(name, "Rule: ")
	if len(rp[c.ID].Reasons) > 1 {
		reason = "Matches your rules " + strings.TrimPrefix(name, "Rule: ")
	}
	return []rank.Part{{Name: name, Value: w, Reason: reason}}, ""
}

func learnedAny(signals []digest.Signal) bool {
	for _, sg := range signals {
		if sg.Clicks > 0 {
			return true
		}
	}
	return false
}

// candidates describes stories as the ranker sees them: the reader's
// feeds that carry each (with their sites and categories), the entities
// it names, its age.
func (s *Server) candidates(ctx context.Context, userID int64, list []digest.Story) ([]rank.Candidate, error) {
	ids := make([]int64, len(list))
	for i := range list {
		ids[i] = list[i].ID
	}
	carried, err := s.store.StoryFeeds(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	feeds, _, err := s.cache.get(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]rank.Candidate, len(list))
	for i, st := range list {
		c := rank.Candidate{
			Item: rank.Item{ID: strconv.FormatInt(st.ID, 10), Title: st.Headline, Abstract: st.Summary, Popularity: float64(st.Outlets)},
			Age:  now.Sub(st.LastSeen),
		}
		for _, fid := range carried[st.ID] {
			src := rank.Source{Feed: fid}
			if f := feeds[fid]; f != nil {
				src.Name, src.Site, src.Category = outlet(f, nil), siteHost(f), f.Category
			}
			c.Sources = append(c.Sources, src)
		}
		if len(c.Sources) > 0 {
			c.Category = c.Sources[0].Category
		}
		for _, e := range st.Entities {
			if e.Kind == digest.Misc {
				continue
			}
			c.Entities = append(c.Entities, rank.Entity{Key: rank.EntityKey(e.Kind, e.Name), Name: e.Name})
		}
		out[i] = c
	}
	return out, nil
}

// siteHost is the host of a feed's site (of the feed when it names no
// site), without "www.": the outlet a reader follows or mutes.
func siteHost(f *digest.Feed) string {
	raw := f.SiteURL
	if raw == "" {
		raw = f.URL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// recordShown records the stories For you showed and learns from the
// fresh ones that they were shown: passed over unless opened later.
func (s *Server) recordShown(ctx context.Context, userID int64, shown []rankedStory) error {
	ids := make([]int64, len(shown))
	for i, r := range shown {
		ids[i] = r.story.ID
	}
	now := s.now()
	// Every story recorded fresh by this process within the window: the
	// store would find none fresh, and write nothing.
	if s.shown.known(userID, ids, now.Add(-impressionWindow)) {
		return nil
	}
	fresh, err := s.store.RecordShown(ctx, userID, ids, now, impressionWindow)
	if err != nil {
		return err
	}
	// Only the fresh ones are stored as shown at now; the others keep the
	// time of their first showing, which the memo does not know.
	s.shown.recorded(userID, fresh, now, now.Add(-impressionWindow))
	if len(fresh) == 0 {
		return nil
	}
	var sigs []digest.Signal
	for _, r := range shown {
		if slices.Contains(fresh, r.story.ID) {
			sigs = append(sigs, featureSignals(r.cand, 0, 1)...)
		}
	}
	err = s.store.Learn(ctx, userID, s.now(), rank.HalfLife, sigs)
	s.taste.dropSignals(userID)
	return err
}

// featureSignals are the signals of one story's features, and of all
// stories (rank.AllKey), with the given clicks and showings.
func featureSignals(c *rank.Candidate, clicks, shown float64) []digest.Signal {
	sigs := []digest.Signal{{Key: rank.AllKey, Clicks: clicks, Shown: shown}}
	for _, k := range c.Features() {
		if len(k) > digest.MaxChoiceKey {
			continue // an entity of a name longer than any real one: not learned
		}
		sigs = append(sigs, digest.Signal{Key: k, Clicks: clicks, Shown: shown})
	}
	return sigs
}

// learnStory learns clicks and showings of one story the user sees (by
// its features); a story they no longer see teaches nothing.
func (s *Server) learnStory(ctx context.Context, userID, storyID int64, clicks, shown float64) error {
	st, err := s.store.Story(ctx, userID, storyID)
	if digest.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	cands, err := s.candidates(ctx, userID, []digest.Story{*st})
	if err != nil {
		return err
	}
	err = s.store.Learn(ctx, userID, s.now(), rank.HalfLife, featureSignals(&cands[0], clicks, shown))
	s.taste.dropSignals(userID)
	return err
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
// look (see seen).
func (s *Server) openedStory(r *http.Request, storyID int64) error {
	if !seen(r) {
		return nil
	}
	ctx, userID := r.Context(), uid(r)
	first, err := s.store.OpenStory(ctx, userID, storyID, s.now())
	if digest.IsNotFound(err) || (err == nil && !first) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.learnStory(ctx, userID, storyID, learnOpen, 0)
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
