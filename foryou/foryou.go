// Package foryou is the one For you model: it ranks stories for one
// reader with everything the server knows of them — importance and
// recency, what they read lately, their explicit choices (follows, mutes,
// priorities, phrases, more or less like this), what they opened and
// passed over, their like and dislike rules — and spaces the result out
// for diversity. The For you page (web), the daily digest (daily) and the
// batch command "digest rank" all rank through it, so a story's parts are
// the same wherever the reader meets it.
//
// The package reads the store but knows no HTTP; the scoring itself is
// package rank's, pure over its types.
package foryou

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rank"
	"github.com/occasional-digest/digest/rules"
)

// Shape of a For you page.
const (
	// Important and Recent are how many of the user's most important and
	// last seen stories the page ranks (a story one outlet carries is new
	// news too); Followed how many more of the last seen stories carried
	// by a followed feed or naming a followed entity, outside those;
	// History how many of the articles they read recently make their
	// profile.
	Important = 90
	Recent    = 90
	Followed  = 30
	History   = 60
	// MaxRun is the most stories in a row from one outlet or naming one
	// entity.
	MaxRun = 2
)

// Weights of the behaviour For you learns from, in clicks and showings
// of a story's features (see rank.Reader).
const (
	LearnOpen = 1 // a story's page or one of its articles opened, once per story
	LearnStar = 1 // an article starred: read to the end, kept
	LearnMore = 2 // "more like this"
	LearnLess = 3 // "less like this", in showings passed over
	// LearnDismiss is a story dismissed, in showings passed over: one
	// more, as if For you had shown it once and it was not opened.
	LearnDismiss = 1
)

// Options configure a Ranker. Each source left nil is read from the
// store on every call; the web passes its caches.
type Options struct {
	// Now is the current time; time.Now when nil.
	Now func() time.Time
	// Feeds returns the user's feeds by ID.
	Feeds func(ctx context.Context, userID int64) (map[int64]*digest.Feed, error)
	// Choices and Signals return the user's choices and learned signals;
	// callers of the Ranker must not modify what they return.
	Choices func(ctx context.Context, userID int64) ([]digest.Choice, error)
	Signals func(ctx context.Context, userID int64) ([]digest.Signal, error)
	// Extras returns more parts of the score for the user (beside the
	// rules', which the Ranker adds itself).
	Extras func(ctx context.Context, userID int64) ([]rank.Extra, error)
	// Outlet names a feed for the reader; its title (else its site's
	// host) when nil.
	Outlet func(f *digest.Feed) string
}

// Ranker ranks stories for readers. It is safe for concurrent use.
type Ranker struct {
	store digest.Store
	o     Options
	rates *rateCache
}

// New returns a Ranker over store.
func New(store digest.Store, o Options) *Ranker {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Feeds == nil {
		o.Feeds = func(ctx context.Context, userID int64) (map[int64]*digest.Feed, error) {
			list, err := store.Feeds(ctx, userID)
			if err != nil {
				return nil, err
			}
			out := make(map[int64]*digest.Feed, len(list))
			for i := range list {
				out[list[i].ID] = &list[i]
			}
			return out, nil
		}
	}
	// Closures, not method values: a nil store (options checked before
	// one is open) fails only when used.
	if o.Choices == nil {
		o.Choices = func(ctx context.Context, userID int64) ([]digest.Choice, error) { return store.Choices(ctx, userID) }
	}
	if o.Signals == nil {
		o.Signals = func(ctx context.Context, userID int64) ([]digest.Signal, error) { return store.Signals(ctx, userID) }
	}
	if o.Outlet == nil {
		o.Outlet = func(f *digest.Feed) string {
			if f.Title != "" {
				return f.Title
			}
			return SiteHost(f)
		}
	}
	return &Ranker{store: store, o: o, rates: &rateCache{}}
}

// Story is a story with its candidate (as the ranker saw it) and score.
type Story struct {
	Story digest.Story
	Cand  *rank.Candidate
	Score rank.Score
}

// Result is a ranking for one reader.
type Result struct {
	Stories []Story
	More    bool // more visible stories than asked for
	Hidden  int  // stories the reader's mutes took off
	// NewReader: no history, no choices, nothing learned yet.
	NewReader  bool
	Candidates []rank.Candidate
	Choices    []digest.Choice
}

// Page ranks the user's For you page and returns its best n stories.
func (r *Ranker) Page(ctx context.Context, userID int64, n int) (*Result, error) {
	return r.rank(ctx, userID, nil, n, r.o.Now())
}

// Rank ranks the given stories (the user's, with their article IDs as
// the store lists them) for the user as of now, and returns the best n.
func (r *Ranker) Rank(ctx context.Context, userID int64, stories []digest.Story, n int, now time.Time) (*Result, error) {
	list, err := r.details(ctx, userID, stories)
	if err != nil {
		return nil, err
	}
	return r.rank(ctx, userID, list, n, now)
}

// details adds to stories the user's feeds carrying them and the
// verdicts of their articles, as ForYouStories gives them.
func (r *Ranker) details(ctx context.Context, userID int64, stories []digest.Story) ([]digest.ForYouStory, error) {
	list := make([]digest.ForYouStory, len(stories))
	ids := make([]int64, len(stories))
	var articles []int64
	for i := range stories {
		list[i].Story = stories[i]
		ids[i] = stories[i].ID
		articles = append(articles, stories[i].ArticleIDs...)
	}
	if len(stories) == 0 {
		return list, nil
	}
	carried, err := r.store.StoryFeeds(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	vs, err := r.store.Verdicts(ctx, userID, articles)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Feeds = carried[list[i].ID]
		for _, id := range list[i].ArticleIDs {
			if v, ok := vs[id]; ok && !v.Neutral() {
				if list[i].Verdicts == nil {
					list[i].Verdicts = map[int64]digest.Verdict{}
				}
				list[i].Verdicts[id] = v
			}
		}
	}
	return list, nil
}

// rank ranks list, or the For you page's candidates when list is nil.
func (r *Ranker) rank(ctx context.Context, userID int64, list []digest.ForYouStory, n int, now time.Time) (*Result, error) {
	// The reads at once, each on its own connection: the choices first
	// (the page's candidates include what they follow), then the
	// stories with their feeds and rule verdicts; the reading history;
	// the signals and extras.
	var (
		wg                         sync.WaitGroup
		cands                      []rank.Candidate
		rp                         RuleParts
		read                       *digest.ArticlePage
		choices                    []digest.Choice
		signals                    []digest.Signal
		more                       []rank.Extra
		feeds                      map[int64]*digest.Feed
		errList, errRead, errTaste error
		errSig, errExtra, errFeeds error
	)
	wg.Go(func() {
		if choices, errTaste = r.o.Choices(ctx, userID); errTaste != nil {
			return
		}
		if feeds, errFeeds = r.o.Feeds(ctx, userID); errFeeds != nil {
			return
		}
		if list == nil {
			q := digest.ForYouQuery{Important: Important, Recent: Recent, Followed: Followed}
			q.Feeds, q.Entities = followed(choices)
			if list, errList = r.store.ForYouStories(ctx, userID, q); errList != nil {
				return
			}
		}
		cands, rp, errList = r.candidates(ctx, list, feeds, now)
	})
	wg.Go(func() {
		read, errRead = r.store.Articles(ctx, digest.ArticleQuery{UserID: userID, Read: true, Limit: History})
	})
	wg.Go(func() {
		if signals, errSig = r.o.Signals(ctx, userID); errSig != nil {
			return
		}
		if r.o.Extras != nil {
			more, errExtra = r.o.Extras(ctx, userID)
		}
	})
	wg.Wait()
	for _, err := range []error{errTaste, errFeeds, errList, errRead, errSig, errExtra} {
		if err != nil {
			return nil, err
		}
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
	reader := m.NewReader(history, choices, signals, now, rank.ForYouWeights{}, extras...)
	ranked, hidden := reader.RankStories(cands, n+1, MaxRun)
	byID := make(map[string]int, len(list))
	for i := range list {
		byID[cands[i].ID] = i
	}
	res := &Result{Hidden: hidden, Candidates: cands, Choices: choices,
		NewReader: len(history) == 0 && len(choices) == 0 && !learnedAny(signals)}
	for _, rs := range ranked {
		res.Stories = append(res.Stories, Story{Story: list[byID[rs.ID]].Story, Cand: rs.Candidate, Score: rs.Score})
	}
	if len(res.Stories) > n {
		res.Stories, res.More = res.Stories[:n], true
	}
	return res, nil
}

// followed returns the feeds and entities the reader follows, for the
// page's candidates.
func followed(choices []digest.Choice) (feeds []int64, entities []digest.Entity) {
	for _, c := range choices {
		if c.Value <= 0 {
			continue
		}
		switch c.Kind {
		case digest.ChoiceFeed:
			if id, err := strconv.ParseInt(c.Key, 10, 64); err == nil {
				feeds = append(feeds, id)
			}
		case digest.ChoiceEntity:
			// The key is "kind:name" folded; the label keeps the name as
			// the reader saw it, as the store spells it.
			kind, _, ok := strings.Cut(c.Key, ":")
			if ok && c.Label != "" {
				entities = append(entities, digest.Entity{Kind: digest.EntityKind(strings.ToUpper(kind)), Name: c.Label})
			}
		}
	}
	return feeds, entities
}

func learnedAny(signals []digest.Signal) bool {
	for _, sg := range signals {
		if sg.Clicks > 0 {
			return true
		}
	}
	return false
}

// RuleParts is the part the reader's like and dislike rules give each
// story: the verdicts stored for its articles at ingest, folded by
// rules.StoryVerdict (each rule counts once per story), by candidate ID.
// Hide verdicts need nothing here: the store lists no hidden article in
// the reader's stories.
type RuleParts map[string]digest.Verdict

// Parts is the story's "Rule: NAME" part (rank.Extra), its reason the
// rules that matched.
func (rp RuleParts) Parts(c *rank.Candidate) ([]rank.Part, string) {
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

// Candidates describes stories as the ranker sees them: the reader's
// feeds that carry each (with their sites, categories and how often they
// publish), the entities it names, its age as of now.
func (r *Ranker) Candidates(ctx context.Context, userID int64, stories []digest.Story, now time.Time) ([]rank.Candidate, error) {
	feeds, err := r.o.Feeds(ctx, userID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(stories))
	for i := range stories {
		ids[i] = stories[i].ID
	}
	carried, err := r.store.StoryFeeds(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	list := make([]digest.ForYouStory, len(stories))
	for i := range stories {
		list[i] = digest.ForYouStory{Story: stories[i], Feeds: carried[stories[i].ID]}
	}
	cands, _, err := r.candidates(ctx, list, feeds, now)
	return cands, err
}

// candidates builds the candidates of list and the rule parts of their
// stories.
func (r *Ranker) candidates(ctx context.Context, list []digest.ForYouStory, feeds map[int64]*digest.Feed, now time.Time) ([]rank.Candidate, RuleParts, error) {
	rates, err := r.rates.get(ctx, r.store, list, now)
	if err != nil {
		return nil, nil, err
	}
	rp := RuleParts{}
	out := make([]rank.Candidate, len(list))
	// A feed carries several of the stories: its source (outlet name,
	// site host parsed from its URL, rate) is made once per ranking.
	sources := make(map[int64]rank.Source, len(feeds))
	for i := range list {
		st := &list[i]
		c := rank.Candidate{
			Item: rank.Item{ID: strconv.FormatInt(st.ID, 10), Title: st.Headline, Abstract: st.Summary, Popularity: float64(st.Outlets)},
			Age:  now.Sub(st.LastSeen),
		}
		if len(st.Feeds) > 0 {
			c.Sources = make([]rank.Source, 0, len(st.Feeds))
		}
		for _, fid := range st.Feeds {
			src, ok := sources[fid]
			if !ok {
				src = rank.Source{Feed: fid}
				if f := feeds[fid]; f != nil {
					src.Name, src.Site, src.Category = r.o.Outlet(f), SiteHost(f), f.Category
				}
				if n, ok := rates[fid]; ok {
					src.PerDay, src.RateKnown = n, true
				}
				sources[fid] = src
			}
			c.Sources = append(c.Sources, src)
		}
		if len(c.Sources) > 0 {
			c.Category = c.Sources[0].Category
		}
		if len(st.Entities) > 0 {
			c.Entities = make([]rank.Entity, 0, len(st.Entities))
		}
		for _, e := range st.Entities {
			if e.Kind == digest.Misc {
				continue
			}
			c.Entities = append(c.Entities, rank.Entity{Key: rank.EntityKey(e.Kind, e.Name), Name: e.Name})
		}
		if len(c.Entities) == 0 {
			c.Entities = nil // all Misc: none, as before
		}
		out[i] = c
		if len(st.Verdicts) > 0 {
			if v := rules.StoryVerdict(st.Verdicts, st.ArticleIDs); len(v.Reasons) > 0 {
				rp[c.ID] = v
			}
		}
	}
	return out, rp, nil
}

// SiteHost is the host of a feed's site (of the feed when it names no
// site), without "www.": the outlet a reader follows or mutes.
func SiteHost(f *digest.Feed) string {
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

// FeatureSignals are the signals of one story's features, and of all
// stories (rank.AllKey), with the given clicks and showings.
func FeatureSignals(c *rank.Candidate, clicks, shown float64) []digest.Signal {
	sigs := []digest.Signal{{Key: rank.AllKey, Clicks: clicks, Shown: shown}}
	for _, k := range c.Features() {
		if len(k) > digest.MaxChoiceKey {
			continue // an entity of a name longer than any real one: not learned
		}
		sigs = append(sigs, digest.Signal{Key: k, Clicks: clicks, Shown: shown})
	}
	return sigs
}

// LearnStory learns clicks and showings of one story the user sees (by
// its features) as of now; a story they no longer see teaches nothing.
func (r *Ranker) LearnStory(ctx context.Context, userID, storyID int64, clicks, shown float64, now time.Time) error {
	st, err := r.store.Story(ctx, userID, storyID)
	if digest.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	cands, err := r.Candidates(ctx, userID, []digest.Story{*st}, now)
	if err != nil {
		return err
	}
	return r.store.Learn(ctx, userID, now, rank.HalfLife, FeatureSignals(&cands[0], clicks, shown))
}

// Impression scores one impression of the batch interface ("digest rank
// -in"): candidates for a reader who opened history (oldest first), with
// no choices or signals — the For you model as it ranks a reader known
// only by what they read. Scores are in the candidates' order; the
// category priors are the candidates' and history's shares.
func Impression(m *rank.Model, history, candidates []rank.Item) []rank.Score {
	m.Observe(history...)
	m.Observe(candidates...)
	reader := m.NewReader(history, nil, nil, time.Time{}, rank.ForYouWeights{})
	fold := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	prior := map[string]float64{}
	for _, c := range candidates {
		prior[fold(c.Category)]++
	}
	for _, h := range history {
		prior[fold(h.Category)]++
	}
	total := float64(len(candidates) + len(history))
	out := make([]rank.Score, len(candidates))
	for i := range candidates {
		c := rank.Candidate{Item: candidates[i]}
		out[i] = reader.ScoreStory(&c, prior[fold(c.Category)]/total)
	}
	return out
}
