// Package story turns a stream of articles into stories: it recognises
// syndicated copies of one text (keeping one article with several sources and
// crediting the original) and groups the articles that report one event into
// a story, as they arrive. Stories merge when an article bridges two, and
// split when the articles of one turn out to report two events of one kind
// (two earthquakes, two trials of one person), as Add reports.
//
// The Engine is pure computation over the domain types: no storage, no I/O.
// The server replays recent articles into a new Engine at start and saves
// what Add reports; the batch command "digest cluster" runs the same Engine
// over JSON lines.
package story

import (
	"math"
	"slices"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/dedup"
)

// Doc is one article as the engine sees it.
type Doc struct {
	ID        int64 // unique; adding an ID again returns its first Result
	Title     string
	Text      string // plain text
	URL       string
	Outlet    string    // the feed or site; distinct outlets make a story important
	Published time.Time // zero when unknown: the latest time seen is used
	// SourceURL is the URL the article names as its source or canonical
	// ("Source link", rel=canonical, "originally published at"), if any.
	SourceURL string
	// Author is the byline ("Lena Okafor", "Ada Lindqvist and Jonas
	// Ekwall"), if known: its names are not entities of the article.
	Author string
	// Feeds identify the feeds that carry the article (a stored article
	// reached through several, or one for a new item). A feed does not
	// syndicate itself: near-duplicates that share a feed are items of
	// their own (a series, a re-issue), never copies; the feeds of one
	// outlet (its RSS, Atom and JSON Feed) are different feeds. When
	// empty, Outlet stands for the feed.
	Feeds []string
}

// Result says what the engine did with one Doc.
type Result struct {
	ID      int64
	StoryID int64 // the story the article belongs to (never 0)
	// DuplicateOf is the stored article this one is a copy of (0: none).
	// The caller keeps one article and adds this one's source to it.
	DuplicateOf int64
	// Original is the article credited as the original of the copies:
	// the one the others name as source, else the earliest published, else
	// the first to arrive. 0 when the article is not a copy.
	Original int64
	// MergedStories are stories that this article bridged into StoryID;
	// they no longer exist and their articles now belong to StoryID.
	MergedStories []int64
	// SplitStories are stories split off StoryID's story (or off the story
	// it left) by this article: the engine found two events in one story
	// and moved some of its articles to a new one. Their articles' stories
	// changed; the caller saves both stories.
	SplitStories []int64
	// Similarity is the engine's probability that the article reports
	// its story's event when it joined one (0 when it started a story; 1
	// for a copy).
	Similarity float64
}

// Entities extracts the named entities of an article. It must be safe to
// call with any text and must not keep it.
type Entities func(title, text string) []digest.Entity

// Summarizer writes a story's summary from its headline and the leads of its
// articles: the headline's article first, then the others most
// representative first.
type Summarizer func(headline string, leads []string) string

// Options configure an Engine. The zero value of a field means its default;
// DefaultOptions returns them all.
type Options struct {
	// Window is how long a story stays open after its last article
	// (default 72h).
	Window time.Duration
	// DedupWindow is how long the articles of a closed story are still
	// recognised when a copy of them arrives (default 14 days, at least
	// Window): a wire story republished a week later is credited to its
	// original. Past the Window an article keeps only what that takes (its
	// text sketch, URL, date and credit), a small part of what an article
	// of an open story holds.
	DedupWindow time.Duration
	// Join is the least probability that an article reports the event of
	// its most likely story (by the engine's learned pair model over mean
	// TF-IDF cosines of words, names and leads, and conflicts of the years,
	// months, specific numbers and weekdays near their openings) for it to
	// join the story rather than start one.
	Join float64
	// Bridge is the least probability of an article for a second
	// candidate story to be considered for a merge with the story it
	// joined; Merge is the least probability the model gives the two
	// stories (average link) for the merge to happen.
	Bridge, Merge float64
	// Split is the probability below which the model must put the two
	// halves of a story's best bisection for the engine to split it in two
	// stories (negative: never split). Stories are checked as they grow.
	Split float64
	// TitleBoost, LeadBoost and ProperBoost weigh title words, the first
	// words of the text and capitalised names against other words.
	TitleBoost, LeadBoost, ProperBoost float64
	// IDFPower raises idf to this power (default 1); above 1 rare terms
	// (names, places, numbers) weigh more against topic words.
	IDFPower float64
	// ArticleTerms is how many of an article's heaviest terms its story
	// keeps (0: all); the article is still compared on all its terms.
	ArticleTerms int
	// MaxWords is how many words of a text are read (default 1500).
	MaxWords int
	// YearWords limits the year mentions that count to the opening words
	// of the title and text, where the dateline and the event's date are
	// (negative: all); later years are mostly background.
	YearWords int
	// CentroidTerms caps the terms kept per story (default 400).
	CentroidTerms int
	// Candidates caps how many stories are scored exactly per article
	// (default 24); IndexTerms is how many top terms of a story are indexed
	// (default 30); QueryTerms how many top terms of an article are looked
	// up (default 20).
	Candidates, IndexTerms, QueryTerms int
	// Now, when set, is the current time: publication dates more than an
	// hour after it are taken as now. Without it the engine's only clock is
	// the latest date it has seen, and a first article dated in the far
	// future would close every later story at once. The server sets it to
	// time.Now.
	Now func() time.Time
	// Dedup tunes near-duplicate detection.
	Dedup dedup.Options
	// Entities and Summarize, when set, replace the built-in capitalised-
	// phrase extractor and lead summary.
	Entities  Entities
	Summarize Summarizer
	// Summaries, when set, replaces Summarize: it writes the story page's
	// summary and the short one the home page shows (StoryView.Short) at
	// once. Without it Short is the summary's first sentence.
	Summaries func(headline string, leads []string) (full, short string)
}

// DefaultOptions returns the engine's tuned configuration with the
// built-in entity extractor and lead summary; Standard adds the learned
// tagger and the summarizer. One configuration serves every input: it was
// chosen on the Multi-News and ECB+ development files together.
func DefaultOptions() Options {
	return Options{
		Window:        72 * time.Hour,
		DedupWindow:   14 * 24 * time.Hour,
		Join:          0.15,
		Bridge:        0.2,
		Merge:         0.4,
		Split:         0.3,
		TitleBoost:    3,
		LeadBoost:     2,
		ProperBoost:   2,
		YearWords:     100,
		CentroidTerms: 400,
		Candidates:    24,
		IndexTerms:    30,
		QueryTerms:    20,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Window <= 0 {
		o.Window = d.Window
	}
	if o.DedupWindow <= 0 {
		o.DedupWindow = d.DedupWindow
	}
	o.DedupWindow = max(o.DedupWindow, o.Window)
	if o.Join <= 0 {
		o.Join = d.Join
	}
	if o.Bridge <= 0 {
		o.Bridge = d.Bridge
	}
	if o.Merge <= 0 {
		o.Merge = d.Merge
	}
	if o.Split == 0 {
		o.Split = d.Split
	}
	if o.TitleBoost <= 0 {
		o.TitleBoost = d.TitleBoost
	}
	if o.LeadBoost <= 0 {
		o.LeadBoost = d.LeadBoost
	}
	if o.ProperBoost <= 0 {
		o.ProperBoost = d.ProperBoost
	}
	if o.YearWords == 0 {
		o.YearWords = d.YearWords
	}
	if o.IDFPower <= 0 {
		o.IDFPower = 1
	}
	if o.MaxWords <= 0 {
		o.MaxWords = maxWords
	}
	if o.CentroidTerms <= 0 {
		o.CentroidTerms = d.CentroidTerms
	}
	if o.Candidates <= 0 {
		o.Candidates = d.Candidates
	}
	if o.IndexTerms <= 0 {
		o.IndexTerms = d.IndexTerms
	}
	if o.QueryTerms <= 0 {
		o.QueryTerms = d.QueryTerms
	}
	return o
}

// article is what the engine remembers of one article.
type article struct {
	id        int64
	story     int64
	title     string
	lead      string
	url       string
	source    string // normalised SourceURL
	outlet    string
	feeds     []string // Doc.Feeds, or Outlet when empty; a kept article gains its copies' feeds
	published time.Time
	q         *keptQuery   // its vectors, while its story is open (for splits)
	ents      []keptEntity // its entities, likewise
	dupOf     int64        // the kept article, 0 if this is one
	original  int64        // for a kept article with copies: the credited original
	// credit and similarity are the Original and Similarity of the Result
	// Add gave (its ID and DuplicateOf are id and dupOf; its story follows
	// merges): Add returns them again for an ID seen before. (A whole
	// Result was 88 bytes of each of hundreds of thousands of articles.)
	credit     int64
	similarity float64
}

// result returns the Result Add gave for a, its story resolved to the one
// holding it now.
func (e *Engine) result(a *article) Result {
	return Result{ID: a.id, StoryID: e.resolve(a.story), DuplicateOf: a.dupOf, Original: a.credit, Similarity: a.similarity}
}

// Engine clusters a stream of articles. It is not safe for concurrent use;
// the caller serialises Add and Story.
type Engine struct {
	opts     Options
	model    model
	trace    func(x [nFeatures]float64, s *story) // sees every comparison (training)
	dedup    *dedup.Index
	articles map[int64]*article
	past     map[int64]*article // articles of closed stories, for copies
	forgets  []forgetAt         // when to drop them, oldest first
	urls     map[string]int64
	stories  map[int64]*story
	mergedTo map[int64]int64 // a merged story's ID -> the story it went into
	// interned and feedLists hold one copy of each outlet and feed name
	// and one shared list per single feed (see intern and feedsOf).
	interned  map[string]string
	feedLists map[string][]string
	postings  map[uint32][]int64
	df        map[uint32]uint32
	docs      int // articles counted in df
	nextID    int64
	clock     time.Time // latest publication time seen
	evicted   time.Time // clock at the last eviction
}

// NewEngine returns an empty Engine.
func NewEngine(opts Options) *Engine {
	o := opts.withDefaults()
	return &Engine{
		opts:      o,
		model:     learned,
		dedup:     dedup.New(o.Dedup),
		articles:  make(map[int64]*article),
		past:      make(map[int64]*article),
		urls:      make(map[string]int64),
		stories:   make(map[int64]*story),
		mergedTo:  make(map[int64]int64),
		interned:  make(map[string]string),
		feedLists: make(map[string][]string),
		postings:  make(map[uint32][]int64),
		df:        make(map[uint32]uint32),
		nextID:    1,
	}
}

// Options returns the engine's configuration with defaults filled in.
func (e *Engine) Options() Options { return e.opts }

// maxSketchBytes bounds the text hashed for duplicate detection.
const maxSketchBytes = 256 << 10

// Add puts one article into the engine and says where it went. Add never
// fails: an empty text starts a story of its own, an ID seen before returns
// its first Result, a copy of a stored article joins that article's story.
func (e *Engine) Add(d Doc) Result {
	if a, ok := e.article(d.ID); ok {
		return e.result(a)
	}
	d.Title = strings.ToValidUTF8(d.Title, "")
	d.Text = strings.ToValidUTF8(d.Text, "")
	t := d.Published
	if e.opts.Now != nil {
		if now := e.opts.Now(); t.After(now.Add(time.Hour)) {
			t = now // a date in the future: the article is from now at most
		}
	}
	if t.IsZero() || t.After(e.clock.Add(e.opts.Window)) && !e.clock.IsZero() {
		// Unknown or implausibly far ahead of everything else: take the
		// engine's clock, so a bad date cannot close every open story.
		if t.IsZero() || !e.clock.IsZero() {
			t = e.clock
		}
	}
	if t.After(e.clock) {
		e.clock = t
	}
	e.evict()

	// The strings an article keeps are copies, never parts of the Doc's:
	// a lead cut from the text would hold the whole text (kilobytes) for
	// as long as the story is open.
	a := &article{
		id:        d.ID,
		title:     strings.Clone(clip(strings.TrimSpace(d.Title), 300)),
		lead:      strings.Clone(lead(d.Text, leadBytes)),
		url:       strings.Clone(normURL(d.URL)),
		source:    strings.Clone(normURL(d.SourceURL)),
		outlet:    e.intern(d.Outlet),
		feeds:     e.feedsOf(d),
		published: t,
	}
	sketchText := d.Text
	if len(sketchText) > maxSketchBytes {
		sketchText = strings.ToValidUTF8(sketchText[:maxSketchBytes], "")
	}
	sk := e.dedup.Sketch(sketchText)
	kept, series := e.findCopy(a, sk)
	if kept != nil {
		return e.addCopy(a, kept)
	}

	q := e.prepare(features(d.Title, d.Text, e.opts))
	ents := dropAuthors(e.entities(d.Title, d.Text), d.Author)
	for i := range ents {
		// An extractor may return names cut from the text it read.
		ents[i].Name = strings.Clone(ents[i].Name)
	}

	res := Result{ID: d.ID}
	best, bestSim, sims := e.bestStory(&q, a, t)
	if series {
		// One item more of an outlet's template series (a forecast, a
		// briefing): an article of its own, in no story.
		best, sims = nil, nil
	}
	var s *story
	if best != nil && bestSim >= e.opts.Join {
		s = best
		res.Similarity = bestSim
	} else {
		s = e.newStory()
		if best != nil && !series {
			// Its words say it is the best story's event, its date says
			// it is days later: a new episode, linked to the earlier one.
			if x := e.features(&q, best); e.model.prob(&x) >= e.opts.Join && gapTerm(t, best.first, best.last) > 0.3 {
				s.follows = best.id
			}
		}
	}
	s.add(a, &q, ents, e.opts.CentroidTerms)
	e.dropMiddleLeads(s, len(s.members)-1-viewEnds)
	a.story = s.id
	a.q, a.ents = compact(&q), keepEntities(ents)
	e.articles[a.id] = a
	if s.vectors <= 4 || s.vectors%4 == 0 {
		// A story's top terms settle as it grows: re-index it on its
		// first articles, then on every fourth.
		e.index(s)
	}
	s, res.MergedStories = e.mergeBridged(s, sims)
	if e.opts.Split > 0 && splitDue(s.vectors) {
		var n *story
		if s, n = e.maybeSplit(s, a.id); n != nil {
			res.SplitStories = append(res.SplitStories, n.id)
		}
	}
	res.StoryID = s.id
	a.credit, a.similarity = res.Original, res.Similarity
	if a.url != "" {
		if _, ok := e.urls[a.url]; !ok {
			e.urls[a.url] = a.id
		}
	}
	e.dedup.Add(a.id, sk)
	return res
}

// findCopy returns the stored article that a is a copy of, or nil. Text
// near-duplicates are copies only across outlets: a feed does not
// syndicate itself, and within one outlet an article is the same item only
// by its URL. series reports that a's text nearly repeats an article of
// its own outlet at another URL under the same template headline, hours
// apart (see isSeries): one item of a template series (daily forecasts,
// briefings), not a copy and not a follow-up. A near-repeat that is no
// series (an outlet's re-issue of a report) is clustered as any article.
func (e *Engine) findCopy(a *article, sk dedup.Sketch) (kept *article, series bool) {
	if a.url != "" {
		if id, ok := e.urls[a.url]; ok {
			return e.keptOf(id), false
		}
	}
	named := int64(0)
	if a.source != "" && a.source != a.url {
		named = e.urls[a.source]
	}
	if named != 0 {
		// The article names a stored one as its source: a looser
		// containment suffices (the copy may be cut or wrapped).
		for _, m := range e.dedup.FindAt(sk, 0.3) {
			if m.ID == named {
				if k := e.keptOf(m.ID); k != nil && !e.sameOutlet(a, m.ID, k) {
					return k, false
				}
			}
		}
	}
	for _, m := range e.dedup.Find(sk) {
		k := e.keptOf(m.ID)
		if k == nil {
			continue
		}
		if e.sameOutlet(a, m.ID, k) {
			if o, ok := e.article(m.ID); ok && isSeries(a, o) {
				series = true
			}
			continue
		}
		return k, false
	}
	return nil, series
}

// seriesGap is how far apart two items of one outlet with one template
// headline must be to be items of a series rather than versions of one
// report.
const seriesGap = 6 * time.Hour

// isSeries reports whether a and b, of one outlet, are items of one series:
// the same template headline (templateTitle), published at least seriesGap
// apart.
func isSeries(a, b *article) bool {
	if a.title == "" || a.published.IsZero() || b.published.IsZero() || absDur(a.published.Sub(b.published)) < seriesGap {
		return false
	}
	tt := templateTitle(a.title)
	return tt != "" && tt == templateTitle(b.title)
}

// sameOutlet reports whether a shares a feed with the stored article id
// or with the article kept for its copies.
func (e *Engine) sameOutlet(a *article, id int64, kept *article) bool {
	if len(a.feeds) == 0 {
		return false
	}
	if shareFeed(kept.feeds, a.feeds) {
		return true
	}
	m, ok := e.article(id)
	return ok && shareFeed(m.feeds, a.feeds)
}

// feedsOf returns a Doc's feeds: its Feeds, or its Outlet, interned.
func (e *Engine) feedsOf(d Doc) []string {
	if len(d.Feeds) == 0 {
		if d.Outlet == "" {
			return nil
		}
		return e.internFeeds([]string{d.Outlet})
	}
	return e.internFeeds(slices.Compact(slices.Sorted(slices.Values(d.Feeds))))
}

// internFeeds returns a sorted list of feeds with its names interned. Most
// articles have one feed: its one-element list is shared by all the
// articles of the feed (addCopy, which adds to a kept article's list,
// copies it first).
func (e *Engine) internFeeds(fs []string) []string {
	switch len(fs) {
	case 0:
		return nil
	case 1:
		if l, ok := e.feedLists[fs[0]]; ok {
			return l
		}
		l := []string{e.intern(fs[0])}
		if len(e.feedLists) < maxInterned {
			e.feedLists[l[0]] = l
		}
		return l
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = e.intern(f)
	}
	return out
}

// maxInterned bounds the outlet and feed names an engine interns (a few
// thousand feeds is a large server); past it names are copied per article.
const maxInterned = 1 << 16

// intern returns the engine's one copy of an outlet or feed name: every
// article of a feed names it, and a Doc's name is often built per article.
func (e *Engine) intern(s string) string {
	if s == "" {
		return ""
	}
	if c, ok := e.interned[s]; ok {
		return c
	}
	c := strings.Clone(s)
	if len(e.interned) < maxInterned {
		e.interned[c] = c
	}
	return c
}

func shareFeed(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// keptOf returns the article kept for id's group of copies.
func (e *Engine) keptOf(id int64) *article {
	a, ok := e.article(id)
	if !ok {
		return nil
	}
	if a.dupOf != 0 {
		if k, ok := e.article(a.dupOf); ok {
			return k
		}
	}
	return a
}

// article returns a remembered article: one of an open story, or one of a
// closed story still remembered for duplicate detection.
func (e *Engine) article(id int64) (*article, bool) {
	if a, ok := e.articles[id]; ok {
		return a, true
	}
	a, ok := e.past[id]
	return a, ok
}

func (e *Engine) addCopy(a, kept *article) Result {
	a.dupOf = kept.id
	a.story = kept.story
	for _, f := range a.feeds {
		if !slices.Contains(kept.feeds, f) {
			// A fresh list: kept's may be shared with other articles.
			kept.feeds = append(slices.Clip(kept.feeds), f)
		}
	}
	orig := kept.original
	if orig == 0 {
		orig = kept.id
	}
	if o, ok := e.article(orig); ok && isOriginalOf(a, o) {
		orig = a.id
	}
	kept.original = orig
	s := e.stories[e.resolve(kept.story)]
	if kept.lead == "" && s != nil {
		// Its lead went when it left the ends of its open story
		// (dropMiddleLeads): the copy's stands for it should the copy
		// head the story.
		kept.lead = a.lead
	}
	if a.title != "" {
		// A story's summary draws on the leads of the articles kept for
		// copies, never on a copy's; only a copy without a title is
		// scored for the headline on its lead.
		a.lead = ""
	}
	if s != nil {
		s.addCopy(a)
		a.story = s.id
		e.dropMiddleLeads(s, len(s.members)-1-viewEnds)
	}
	res := Result{ID: a.id, StoryID: a.story, DuplicateOf: kept.id, Original: orig, Similarity: 1}
	a.credit, a.similarity = orig, 1
	if s != nil {
		e.articles[a.id] = a
	} else {
		// A late copy of an article whose story has closed: it is
		// credited, and remembered as long as the article it copies.
		e.forget(a)
	}
	if a.url != "" {
		if _, ok := e.urls[a.url]; !ok {
			e.urls[a.url] = a.id
		}
	}
	return res
}

// isOriginalOf reports whether a rather than o should be credited as the
// original of their text: o names a as its source, or a was published
// strictly earlier and does not name o.
func isOriginalOf(a, o *article) bool {
	if a.url != "" && o.source == a.url {
		return true
	}
	if o.url != "" && a.source == o.url {
		return false
	}
	return !a.published.IsZero() && !o.published.IsZero() && a.published.Before(o.published)
}

// weigh learns the document frequencies of an article's terms and returns
// its L2-normalised TF-IDF vector, which is also what it adds to a story.
// (Keeping raw frequencies in stories and applying the idf of the moment at
// comparison was tried: the stale norms of early articles made it worse.)
func (e *Engine) weigh(tf []term) (vec, contrib []term) {
	e.docs++
	for _, t := range tf {
		e.df[t.h]++
	}
	vec = unitVector(tf, e.idf)
	contrib = vec
	if e.opts.ArticleTerms > 0 && len(contrib) > e.opts.ArticleTerms {
		// A story keeps only the heaviest terms of each article: the
		// light tail matters little to similarity and most of memory.
		contrib = prune(contrib, e.opts.ArticleTerms)
	}
	return vec, contrib
}

// prepare weighs an article's channels (learning the document frequencies
// of its words and names) into a query.
func (e *Engine) prepare(f textFeatures) query {
	vec, contrib := e.weigh(f.terms)
	for _, t := range f.names {
		e.df[t.h]++
	}
	return query{vec: vec, contrib: contrib, names: e.unit(f.names), lead: e.unit(f.lead), years: f.years, months: f.months, numbers: f.numbers, days: f.days}
}

// unit returns the L2-normalised TF-IDF vector of tf with the current idf.
func (e *Engine) unit(tf []term) []term { return unitVector(tf, e.idf) }

// idf is the inverse document frequency of a term, raised to IDFPower.
func (e *Engine) idf(h uint32) float64 {
	x := ln((1+float64(e.docs))/(1+float64(e.df[h]))) + 1
	if e.opts.IDFPower != 1 {
		x = math.Pow(x, e.opts.IDFPower)
	}
	return x
}

// bestStory finds the open story most similar to vec among the candidates
// of the inverted index. It returns all scored candidates too, for merging.
func (e *Engine) bestStory(q *query, a *article, t time.Time) (*story, float64, []scored) {
	outlet := a.outlet
	cands := e.candidates(q.vec)
	// Rank the candidates on the word channel, the cheapest, and score
	// the leading ones with the whole model.
	type ranked struct {
		s *story
		z float64
	}
	rs := make([]ranked, 0, len(cands))
	for _, s := range cands {
		if !s.last.IsZero() && t.Sub(s.last) > e.opts.Window {
			continue
		}
		rs = append(rs, ranked{s, e.model.wordScore(q, s)})
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		switch {
		case a.z > b.z:
			return -1
		case a.z < b.z:
			return 1
		}
		return 0
	})
	if e.trace == nil { // training sees every comparison
		rs = rs[:min(len(rs), fullScored)]
	}
	var best *story
	bestSim := 0.0
	out := make([]scored, 0, len(rs))
	for _, r := range rs {
		s := r.s
		if e.seriesClash(s, a) {
			continue
		}
		x := e.features(q, s)
		sim := e.model.probWith(&x, articleContext(outlet, t, s))
		if e.trace != nil {
			e.trace(x, s)
		}
		out = append(out, scored{s, sim})
		if sim > bestSim || (sim == bestSim && best != nil && s.id < best.id) {
			best, bestSim = s, sim
		}
	}
	return best, bestSim, out
}

// fullScored is how many candidates, best on the word channel, the whole
// model scores.
const fullScored = 8

type scored struct {
	s   *story
	sim float64
}

// candidates returns the open stories sharing the article's heaviest terms,
// at most Candidates of them, by decreasing shared weight (ties by ID).
func (e *Engine) candidates(vec []term) []*story {
	q := heaviest(slices.Clone(vec), e.opts.QueryTerms)
	score := make(map[int64]float64)
	for _, t := range q {
		for _, id := range e.postings[t.h] {
			score[id] += float64(t.w)
		}
	}
	ids := make([]int64, 0, len(score))
	for id := range score {
		if _, ok := e.stories[id]; ok {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if score[a] != score[b] {
			if score[a] > score[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	ids = ids[:min(len(ids), e.opts.Candidates)]
	out := make([]*story, len(ids))
	for i, id := range ids {
		out[i] = e.stories[id]
	}
	return out
}

// maxPosting caps a posting list; the oldest entries go first.
const maxPosting = 128

// index adds s to the posting lists of its top terms that it is not in yet.
func (e *Engine) index(s *story) {
	for _, h := range s.topTerms(e.opts.IndexTerms, e.idf) {
		if slices.Contains(s.indexed, h) {
			continue
		}
		s.indexed = append(s.indexed, h)
		p := e.postings[h]
		if len(p) >= maxPosting {
			p = e.compact(p)
		}
		e.postings[h] = append(p, s.id)
	}
}

// compact drops closed stories from a posting list and, if it is still
// full, its older half.
func (e *Engine) compact(p []int64) []int64 {
	out := p[:0]
	for _, id := range p {
		if _, ok := e.stories[id]; ok {
			out = append(out, id)
		}
	}
	if len(out) >= maxPosting {
		out = append(out[:0], out[len(out)/2:]...)
	}
	return out
}

// mergeBridged merges into s the other candidate stories that the new
// article also matched and whose centroids are close to s's: the article
// bridged two halves of one event.
func (e *Engine) mergeBridged(s *story, sims []scored) (*story, []int64) {
	var merged []int64
	for _, c := range sims {
		o := c.s
		if o == s || c.sim < e.opts.Bridge {
			continue
		}
		if _, ok := e.stories[o.id]; !ok {
			continue
		}
		if x := storyFeatures(s, o); e.model.probWith(&x, storyContext(s, o)) < e.opts.Merge {
			continue
		}
		keep, gone := s, o
		if o.id < s.id {
			keep, gone = o, s
		}
		from := len(keep.members) - viewEnds
		keep.absorb(gone, e.opts.CentroidTerms)
		e.dropMiddleLeads(keep, from)
		for _, m := range gone.members {
			if a, ok := e.articles[m]; ok {
				a.story = keep.id
			}
		}
		delete(e.stories, gone.id)
		e.mergedTo[gone.id] = keep.id
		merged = append(merged, gone.id)
		e.index(keep)
		s = keep
	}
	return s, merged
}

func (e *Engine) newStory() *story {
	s := &story{id: e.nextID, years: make(map[int]int), months: make(map[int]int), numbers: make(map[int]int), days: make(map[int]int)}
	e.nextID++
	e.stories[s.id] = s
	return s
}

// dropAuthors removes the byline's names from an article's entities: a
// reporter is not what the story is about.
func dropAuthors(ents []digest.Entity, author string) []digest.Entity {
	if author == "" || len(ents) == 0 {
		return ents
	}
	names := strings.FieldsFunc(strings.ReplaceAll(author, " and ", ","), func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == '&' })
	out := ents[:0:0]
	for _, en := range ents {
		by := false
		for _, n := range names {
			by = by || en.Kind == digest.Person && strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(n), "By ")), en.Name)
		}
		if !by {
			out = append(out, en)
		}
	}
	return out
}

// entities runs the configured extractor, or the built-in one.
func (e *Engine) entities(title, text string) []digest.Entity {
	if e.opts.Entities != nil {
		return e.opts.Entities(title, text)
	}
	return capitalisedPhrases(title, text)
}

func ln(x float64) float64 { return math.Log(x) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8ValidEnd(s) {
		s = s[:len(s)-1]
	}
	return s
}

// lead returns the opening of a text, cut at a sentence end when one falls
// within n bytes.
func lead(text string, n int) string {
	text = strings.TrimSpace(text)
	if len(text) <= n {
		return text
	}
	s := clip(text, n)
	if i := strings.LastIndexAny(s, ".!?"); i > n/3 {
		return s[:i+1]
	}
	return s
}

// normURL reduces a URL to what identifies the page: no scheme, fragment,
// "www." or trailing slash, lower-case host.
func normURL(u string) string {
	u = strings.TrimSpace(u)
	if u == "" {
		return ""
	}
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	host, path, _ := strings.Cut(u, "/")
	host = strings.TrimPrefix(strings.ToLower(host), "www.")
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return host
	}
	return host + "/" + path
}

// dropMiddleLeads forgets the leads of s's articles from the from-th member
// on that are now in the middle of its members, neither among the first nor
// among the last viewEnds: a story view chooses its headline and summary
// among those (see view), and appending members (an article, a copy, a
// merged story) never brings a middle one back to the ends. A split can:
// such an article is then a candidate for the headline on its title, not
// for the summary. Articles with copies keep theirs (a copy at the end
// reads its kept article's lead). Four hundred bytes a lead were a tenth of
// an article's memory.
func (e *Engine) dropMiddleLeads(s *story, from int) {
	for i := max(from, viewEnds); i < len(s.members)-viewEnds; i++ {
		if a, ok := e.articles[s.members[i]]; ok && a.original == 0 {
			a.lead = ""
		}
	}
}

// leadBytes is how much of each article's opening the engine keeps for
// story summaries (the summarizer draws mostly from leads).
const leadBytes = 400
