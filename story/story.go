package story

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/ner"
)

// story is one open story: the sum of its articles' vectors and what a
// reader sees of it.
type story struct {
	id       int64
	centroid []term  // sorted by h: the sum of member vectors, pruned
	cnorm    float64 // L2 norm of centroid
	names    []term  // the same for the names channel
	lead     []term  // the same for the title and lead channel
	vectors  int     // articles summed into centroid
	years    map[int]int
	numbers  map[int]int
	days     map[int]int
	months   map[int]int
	members  []int64 // article IDs in arrival order, copies included
	follows  int64   // the earlier story this one is a later episode of (0: none)
	outlets  []string
	outletN  []int32         // per outlet: its articles summed into the story (copies not)
	outletAt []time.Time     // per outlet: its latest article's time
	entities []digest.Entity // by decreasing count, capped
	first    time.Time
	last     time.Time
	indexed  []uint32 // terms whose posting list holds this story

	headline string // cached headline and summaries
	summary  string
	short    string // the short summary, when it is not the summary's start
	shortLen int32  // else its length in bytes in summary (-1: short holds it)
	// named are the entities the summary names that the articles' leads
	// did not give (the leads are tagged on their opening words only).
	named      []digest.Entity
	summarized int // members when they were chosen
}

// maxStoryEntities caps the entities remembered per story.
const maxStoryEntities = 40

// Bounds on the work of a story view, whatever the story's size: the
// headline is chosen among the first and last viewScored/2 articles, the
// summary drawn from the leads of the summaryLeads most representative of
// them, and velocity counted over the last maxVelocity arrivals.
const (
	viewScored   = 24
	viewEnds     = viewScored / 2
	summaryLeads = 8
	maxVelocity  = 256
)

// similarity is the average-link similarity of a unit vector to the
// story: its mean cosine with the story's articles. (The cosine with the
// centroid would grow with the story's size and coherence, pulling in
// same-topic articles of another event once a story is large.)
func (s *story) similarity(vec []term) float64 {
	if s.vectors == 0 {
		return 0
	}
	return cos(vec, s.centroid) / float64(s.vectors)
}

// cos returns the dot product of two vectors sorted by term.
func cos(a, b []term) float64 {
	var dot float64
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].h < b[j].h:
			i++
		case a[i].h > b[j].h:
			j++
		default:
			dot += float64(a[i].w) * float64(b[j].w)
			i++
			j++
		}
	}
	return dot
}

// sum returns a+b for vectors sorted by term, in a slice of exactly its
// length: a story's vectors live as long as the story, and room for
// len(a)+len(b) terms held a third more than the terms.
func sum(a, b []term) []term {
	return sumInto(nil, a, b)
}

// sumInto is sum written over dst's memory (grown when short), which
// must not overlap a's or b's.
func sumInto(dst, a, b []term) []term {
	n := len(a) + len(b)
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].h < b[j].h:
			i++
		case a[i].h > b[j].h:
			j++
		default:
			n--
			i++
			j++
		}
	}
	var out []term
	if dst == nil {
		out = make([]term, 0, n) // exactly: see sum
	} else {
		out = slices.Grow(dst[:0], n)
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || (i < len(a) && a[i].h < b[j].h):
			out = append(out, a[i])
			i++
		case i >= len(a) || b[j].h < a[i].h:
			out = append(out, b[j])
			j++
		default:
			out = append(out, term{a[i].h, a[i].w + b[j].w})
			i++
			j++
		}
	}
	return out
}

// prune keeps the n heaviest terms of v (ties by term), sorted by term,
// in a slice of its own of exactly n terms (the selection works on a
// scratch copy of all of v).
func prune(v []term, n int) []term {
	if len(v) <= n {
		return v
	}
	return slices.Clone(pruneScratch(v, n))
}

// pruneScratch is prune for a caller that copies the result: v itself when
// it has at most n terms, else the n heaviest in a scratch slice with room
// for all of v.
func pruneScratch(v []term, n int) []term {
	if len(v) <= n {
		return v
	}
	h := heaviest(slices.Clone(v), n)
	slices.SortFunc(h, byTerm)
	return h
}

// heaviest returns the n heaviest terms of v (reordering v), heaviest
// first, ties by term: a partial selection, cheaper than sorting all of v.
func heaviest(v []term, n int) []term {
	if n >= len(v) {
		slices.SortFunc(v, byWeight)
		return v
	}
	// Keep a min-heap (by byWeight order, the "lightest" on top) of n.
	h := v[:n]
	less := func(a, b term) bool { return byWeight(a, b) > 0 } // a lighter than b
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(h, i, less)
	}
	for _, t := range v[n:] {
		if byWeight(t, h[0]) < 0 { // t heavier than the lightest kept
			h[0] = t
			siftDown(h, 0, less)
		}
	}
	slices.SortFunc(h, byWeight)
	return h
}

func siftDown(h []term, i int, less func(a, b term) bool) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && less(h[r], h[l]) {
			c = r
		}
		if !less(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

func byWeight(a, b term) int {
	if a.w != b.w {
		if a.w > b.w {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.h, b.h)
}

// setCentroid stores c, pruned to cap terms once it exceeds cap by half (so
// the sort that pruning takes is paid once per many additions).
func (s *story) setCentroid(c []term, cap int) {
	if len(c) > cap+cap/2 {
		c = prune(c, cap)
	}
	s.centroid = c
	s.cnorm = norm(c)
}

// capped prunes v to cap terms once it exceeds cap by half.
func capped(v []term, cap int) []term {
	if len(v) > cap+cap/2 {
		return prune(v, cap)
	}
	return v
}

// topTerms returns the n heaviest terms of the centroid with the idf of the
// moment.
func (s *story) topTerms(n int, idf func(uint32) float64) []uint32 {
	v := slices.Clone(s.centroid)
	for i := range v {
		v[i].w = float32(float64(v[i].w) * idf(v[i].h))
	}
	v = heaviest(v, n)
	out := make([]uint32, len(v))
	for i, t := range v {
		out[i] = t.h
	}
	return out
}

func (s *story) touch(a *article) {
	s.members = append(s.members, a.id)
	if a.outlet != "" && !slices.Contains(s.outlets, a.outlet) {
		s.outlets = append(s.outlets, a.outlet)
		s.outletN = append(s.outletN, 0)
		s.outletAt = append(s.outletAt, time.Time{})
	}
	if s.first.IsZero() || a.published.Before(s.first) {
		s.first = a.published
	}
	if a.published.After(s.last) {
		s.last = a.published
	}
}

func (s *story) add(a *article, q *query, ents []digest.Entity, cap int) {
	s.touch(a)
	s.countOutlet(a)
	s.setCentroid(sum(s.centroid, q.contrib), cap)
	s.names = capped(sum(s.names, q.names), cap)
	s.lead = capped(sum(s.lead, q.lead), cap)
	s.vectors++
	for _, y := range q.years {
		s.years[y]++
	}
	for _, m := range q.months {
		s.months[m]++
	}
	for _, m := range q.numbers {
		s.numbers[m]++
	}
	for _, m := range q.days {
		s.days[m]++
	}
	s.addEntities(ents)
}

// countOutlet counts a (not a copy) for its outlet; touch has listed it.
func (s *story) countOutlet(a *article) {
	if i := slices.Index(s.outlets, a.outlet); a.outlet != "" && i >= 0 {
		s.outletN[i]++
		if a.published.After(s.outletAt[i]) {
			s.outletAt[i] = a.published
		}
	}
}

// addCopy records a syndicated copy: a source more, the same text.
func (s *story) addCopy(a *article) { s.touch(a) }

// addEntities folds an article's (or an absorbed story's) entities into the
// story's: variants of one entity across its articles become one entry
// under its canonical name (ner.Fold: "Mr Xi", "Xi" → "Xi Jinping",
// "University of Calder" and "Calder University", "Apple's" and "Apple
// Inc."), so that the names stored and shown are the ones entity pages are
// keyed by. The work is linear in the entities held (at most
// maxStoryEntities) plus those added.
func (s *story) addEntities(ents []digest.Entity) {
	s.entities = ner.Fold(s.entities, ents)
	slices.SortStableFunc(s.entities, func(a, b digest.Entity) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Name, b.Name)
	})
	s.entities = oneKindPerName(s.entities)
	if len(s.entities) > maxStoryEntities {
		s.entities = s.entities[:maxStoryEntities]
	}
}

// oneKindPerName joins an entry into an earlier one of the same name and
// another kind mentioned at least twice as often ("Lindenfeld" a place in
// three articles, a person in a fourth): the tagger's slip, not a second
// thing of that name. Names mentioned about as often under two kinds stay
// two ("Paris" the person and the city). ents is sorted by count.
func oneKindPerName(ents []digest.Entity) []digest.Entity {
	out := ents[:0]
	for _, en := range ents {
		dup := false
		for i := range out {
			if strings.EqualFold(out[i].Name, en.Name) && out[i].Count >= 2*en.Count {
				out[i].Count += en.Count
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, en)
		}
	}
	return out
}

// absorb merges o into s.
func (s *story) absorb(o *story, cap int) {
	s.setCentroid(sum(s.centroid, o.centroid), cap)
	s.names = capped(sum(s.names, o.names), cap)
	s.lead = capped(sum(s.lead, o.lead), cap)
	s.vectors += o.vectors
	for y, n := range o.years {
		s.years[y] += n
	}
	for m, n := range o.months {
		s.months[m] += n
	}
	for m, n := range o.numbers {
		s.numbers[m] += n
	}
	for m, n := range o.days {
		s.days[m] += n
	}
	s.members = append(s.members, o.members...)
	for j, out := range o.outlets {
		i := slices.Index(s.outlets, out)
		if i < 0 {
			s.outlets = append(s.outlets, out)
			s.outletN = append(s.outletN, 0)
			s.outletAt = append(s.outletAt, time.Time{})
			i = len(s.outlets) - 1
		}
		s.outletN[i] += o.outletN[j]
		if o.outletAt[j].After(s.outletAt[i]) {
			s.outletAt[i] = o.outletAt[j]
		}
	}
	s.addEntities(o.entities)
	if !o.first.IsZero() && (s.first.IsZero() || o.first.Before(s.first)) {
		s.first = o.first
	}
	if o.last.After(s.last) {
		s.last = o.last
	}
}

// Member is one article of a story as a reader sees it.
type Member struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title,omitempty"`
	URL       string    `json:"url,omitempty"`
	Outlet    string    `json:"outlet,omitempty"`
	Published time.Time `json:"published,omitzero"`
	// DuplicateOf is the kept article when this one is a syndicated copy.
	DuplicateOf int64 `json:"duplicate_of,omitempty"`
	// Original marks the article credited with the text of a group of
	// copies (or an article with no copies).
	Original bool `json:"original"`
}

// StoryView is a story as the reader shows it: the domain Story (headline,
// summary, the short summary for lists of at most about 60 words opening
// as Summary does, times, importance, outlets, entities, article IDs, and
// the earlier story it Follows, days apart, when that story is still open
// or was merged into one that is; all IDs the engine's) and its articles
// with their outlets.
type StoryView struct {
	digest.Story
	Articles []Member `json:"articles"`
}

// Story returns the story with the given ID (or the story it was merged
// into), and false when there is no such open story.
func (e *Engine) Story(id int64) (StoryView, bool) {
	s, ok := e.stories[e.resolve(id)]
	if !ok {
		return StoryView{}, false
	}
	return e.view(s), true
}

// Stories returns the open stories by decreasing importance (ties by ID).
func (e *Engine) Stories() []StoryView {
	out := make([]StoryView, 0, len(e.stories))
	for _, s := range e.stories {
		out = append(out, e.view(s))
	}
	slices.SortFunc(out, func(a, b StoryView) int {
		if a.Importance != b.Importance {
			if a.Importance > b.Importance {
				return -1
			}
			return 1
		}
		return int(a.ID - b.ID)
	})
	return out
}

// StoryOf returns the ID of the story an article belongs to now (after
// merges), and false for an unknown or forgotten article.
func (e *Engine) StoryOf(articleID int64) (int64, bool) {
	a, ok := e.article(articleID)
	if !ok {
		return 0, false
	}
	return e.resolve(a.story), true
}

// resolve follows merges from a story ID to the story that holds it now.
func (e *Engine) resolve(id int64) int64 {
	for range 64 {
		next, ok := e.mergedTo[id]
		if !ok {
			return id
		}
		id = next
	}
	return id
}

func (e *Engine) view(s *story) StoryView {
	v := StoryView{Story: digest.Story{
		ID:         s.id,
		FirstSeen:  s.first,
		LastSeen:   s.last,
		Outlets:    len(s.outlets),
		Entities:   slices.Clone(s.entities),
		ArticleIDs: slices.Clone(s.members),
	}}
	if s.follows != 0 {
		if id := e.resolve(s.follows); id != s.id {
			if _, ok := e.stories[id]; ok {
				v.Follows = id
			}
		}
	}
	fresh := s.summary != "" && len(s.members) < s.summarized+s.summarized/4+1
	type cand struct {
		a     *article
		score float64
	}
	var cands []cand
	for i, id := range s.members {
		a, ok := e.articles[id]
		if !ok {
			continue
		}
		orig := a.dupOf == 0 && (a.original == 0 || a.original == a.id)
		if a.dupOf != 0 {
			if k, ok := e.articles[a.dupOf]; ok && k.original == a.id {
				orig = true
			}
		}
		v.Articles = append(v.Articles, Member{ID: a.id, Title: a.title, URL: a.url, Outlet: a.outlet,
			Published: a.published, DuplicateOf: a.dupOf, Original: orig})
		if fresh || !(i < viewEnds || i >= len(s.members)-viewEnds) {
			continue
		}
		text := a.title
		if text == "" {
			text = a.lead
		}
		cands = append(cands, cand{a, s.similarity(e.peek(wordTerms(text, "", e.opts)))})
	}
	if fresh {
		// Little has changed since the headline and summary were chosen.
		v.Headline, v.Summary, v.Short = s.headline, s.summary, s.short
		if s.shortLen >= 0 && int(s.shortLen) <= len(s.summary) {
			v.Short = s.summary[:s.shortLen]
		}
		v.Entities = append(v.Entities, s.named...)
		v.Importance = e.importance(s)
		return v
	}
	slices.SortStableFunc(cands, func(x, y cand) int {
		if x.score != y.score {
			if x.score > y.score {
				return -1
			}
			return 1
		}
		return 0
	})
	// The headline is the most representative article's title, and the
	// summary opens with that article's lead (its kept copy's, for a
	// copy), so that both tell of the same article.
	head := -1
	for i, c := range cands {
		if c.a.title != "" {
			head, v.Headline = i, c.a.title
			break
		}
	}
	leads := make([]string, 0, summaryLeads)
	if head >= 0 {
		a := cands[head].a
		if a.dupOf != 0 {
			if k, ok := e.articles[a.dupOf]; ok {
				a = k
			}
		}
		if a.lead != "" {
			leads = append(leads, a.lead)
		}
	}
	for i, c := range cands {
		if i != head && c.a.dupOf == 0 && c.a.lead != "" && len(leads) < summaryLeads && !(head >= 0 && c.a.id == cands[head].a.dupOf) {
			leads = append(leads, c.a.lead)
		}
	}
	if v.Headline == "" && len(leads) > 0 {
		v.Headline = firstSentence(leads[0], 140)
	}
	switch {
	case e.opts.Summaries != nil:
		v.Summary, v.Short = e.opts.Summaries(v.Headline, leads)
	case e.opts.Summarize != nil:
		v.Summary = e.opts.Summarize(v.Headline, leads)
	case len(leads) > 0:
		v.Summary = leads[0]
	}
	if v.Short == "" {
		v.Short = firstSentence(v.Summary, 400)
	}
	s.named = nil
	if e.opts.Entities != nil && v.Summary != "" {
		// A person the summary quotes is an entity of the story ("Mayor
		// Ines Varga said…" in the third paragraph). The summary is passed
		// as a title: the extractor reads a title whole.
		if t := sentencesWithNewNames(v.Summary, s.entities); t != "" {
			s.named = newEntities(s.entities, e.opts.Entities(t, ""))
			v.Entities = append(v.Entities, s.named...)
		}
	}
	s.headline, s.summary, s.summarized = v.Headline, v.Summary, len(s.members)
	// Most short summaries are the summary's first sentences: keep their
	// length rather than a second copy.
	if strings.HasPrefix(v.Summary, v.Short) {
		s.short, s.shortLen = "", int32(len(v.Short))
	} else {
		s.short, s.shortLen = v.Short, -1
	}
	v.Importance = e.importance(s)
	return v
}

// sentencesWithNewNames returns the sentences of a summary that hold two
// capitalised words in a row, after their first word, that no entity of
// ents contains ("… according to Mayor Ines Varga"): the only ones worth
// tagging for the people the leads' openings did not name.
func sentencesWithNewNames(text string, ents []digest.Entity) string {
	known := make(map[string]bool, 2*len(ents))
	for _, en := range ents {
		for _, w := range strings.Fields(en.Name) {
			known[strings.ToLower(w)] = true
		}
	}
	var out []string
	start := 0
	for i := 0; i <= len(text); i++ {
		if i < len(text) && !(text[i] == ' ' && i > 0 && strings.ContainsRune(".!?\"”", rune(text[i-1]))) {
			continue
		}
		sent := text[start:i]
		start = i + 1
		prev := false // the word before is a capitalised unknown word
		for j, w := range strings.Fields(sent) {
			w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
			r, _ := utf8.DecodeRuneInString(w)
			cur := j > 0 && unicode.IsUpper(r) && !known[strings.ToLower(w)]
			if cur && prev {
				out = append(out, sent)
				break
			}
			prev = cur
		}
	}
	return strings.Join(out, " ")
}

// newEntities returns the entities of extra that fold into none of have
// (ner.Fold: "Varga" joins "Ines Varga"), each counted once.
func newEntities(have, extra []digest.Entity) []digest.Entity {
	if len(extra) == 0 {
		return nil
	}
	folded := ner.Fold(slices.Clone(have), extra)
	known := make(map[string]bool, len(have))
	for _, h := range have {
		known[strings.ToLower(h.Name)] = true
	}
	var out []digest.Entity
	for _, f := range folded {
		if !known[strings.ToLower(f.Name)] && len(out) < maxStoryEntities-len(have) {
			f.Count = 1
			out = append(out, f)
		}
	}
	return out
}

// peek weighs terms with the current idf without learning from them.
func (e *Engine) peek(tf []term) []term {
	n := float64(e.docs)
	return unitVector(tf, func(h uint32) float64 { return ln((1+n)/(1+float64(e.df[h]))) + 1 })
}

// unitVector returns tf weighted by idf and L2-normalised, computed in
// float64 and stored as float32.
func unitVector(tf []term, idf func(uint32) float64) []term {
	vec := make([]term, len(tf))
	var norm float64
	for _, t := range tf {
		w := float64(t.w) * idf(t.h)
		norm += w * w
	}
	scale := 1.0
	if norm > 0 {
		scale = 1 / math.Sqrt(norm)
	}
	for i, t := range tf {
		vec[i] = term{t.h, float32(float64(t.w) * idf(t.h) * scale)}
	}
	return vec
}

// importance grows with the number of distinct outlets (and of articles
// when outlets are unknown), with velocity (articles in the last six hours
// before the engine's clock) and falls with the story's age: a story loses
// half its weight every 24 hours without a new article.
func (e *Engine) importance(s *story) float64 {
	outlets := len(s.outlets)
	if outlets == 0 {
		outlets = 1
	}
	recent := 0
	for i := len(s.members) - 1; i >= 0 && i >= len(s.members)-maxVelocity; i-- {
		if a, ok := e.articles[s.members[i]]; ok && e.clock.Sub(a.published) <= 6*time.Hour {
			recent++
		}
	}
	base := 2*math.Log1p(float64(outlets)) + math.Log1p(float64(len(s.members)))
	velocity := 1 + 0.5*math.Log1p(float64(recent))
	age := e.clock.Sub(s.last).Hours()
	if age < 0 {
		age = 0
	}
	return base * velocity * math.Exp2(-age/24)
}

func firstSentence(s string, n int) string {
	if i := strings.IndexAny(s, ".!?\n"); i > 0 && i < n {
		return strings.TrimSpace(s[:i+1])
	}
	return clip(s, n)
}

func utf8ValidEnd(s string) bool {
	r, size := utf8.DecodeLastRuneInString(s)
	return !(r == utf8.RuneError && size <= 1)
}

// capitalisedPhrases is the built-in entity extractor: runs of capitalised
// words, not counting a lone capitalised word that opens a sentence.
func capitalisedPhrases(title, text string) []digest.Entity {
	counts := map[string]int{}
	var order []string
	scan := func(s string) {
		if mostlyUpper(s) {
			return
		}
		var run []string
		runStart := false
		flush := func() {
			if len(run) > 1 || (len(run) == 1 && !runStart) {
				name := strings.Join(run, " ")
				if counts[name] == 0 {
					order = append(order, name)
				}
				counts[name]++
			}
			run = run[:0]
		}
		n := 0
		prevEnd := -1
		scanWordsPos(s, func(w string, start, end int, sentStart bool) bool {
			n++
			if n > maxWords {
				return false
			}
			first, _ := utf8.DecodeRuneInString(w)
			gapOK := prevEnd >= 0 && onlySpaces(s[prevEnd:start])
			prevEnd = end
			if unicode.IsUpper(first) && !stopword(strings.ToLower(w)) {
				if len(run) > 0 && !gapOK {
					flush()
				}
				if len(run) == 0 {
					runStart = sentStart
				}
				run = append(run, w)
				return true
			}
			flush()
			return true
		})
		flush()
	}
	scan(title)
	scan(text)
	out := make([]digest.Entity, 0, len(order))
	for _, name := range order {
		out = append(out, digest.Entity{Name: name, Kind: digest.Misc, Count: counts[name]})
	}
	return out
}

func onlySpaces(s string) bool {
	for _, r := range s {
		if r != ' ' {
			return false
		}
	}
	return true
}

// scanWordsPos is scanWords with the byte offsets of each word.
func scanWordsPos(s string, fn func(w string, start, end int, sentStart bool) bool) {
	off := 0
	scanWords(s, func(w string, sentStart bool) bool {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return fn(w, off, off, sentStart)
		}
		start := off + i
		off = start + len(w)
		return fn(w, start, off, sentStart)
	})
}

// evict closes the stories that have seen no article for a window and
// forgets their articles, at most once per eighth of a window.
func (e *Engine) evict() {
	if e.clock.Sub(e.evicted) < e.opts.Window/8 {
		return
	}
	e.evicted = e.clock
	cut := e.clock.Add(-e.opts.Window)
	closed := false
	for id, s := range e.stories {
		if !s.last.Before(cut) {
			continue
		}
		closed = true
		for _, m := range s.members {
			if a, ok := e.articles[m]; ok {
				a.story = id
				delete(e.articles, m)
				e.forget(a)
			}
		}
		delete(e.stories, id)
	}
	// Drop the articles of closed stories past the duplicate window.
	n := 0
	for n < len(e.forgets) && e.forgets[n].at.Before(e.clock) {
		id := e.forgets[n].id
		if a, ok := e.past[id]; ok {
			if e.urls[a.url] == a.id {
				delete(e.urls, a.url)
			}
			delete(e.past, id)
			e.dedup.Remove(id)
		}
		n++
	}
	e.forgets = append(e.forgets[:0], e.forgets[n:]...)
	if !closed {
		return
	}
	for from, to := range e.mergedTo {
		if _, ok := e.stories[e.resolve(to)]; !ok {
			delete(e.mergedTo, from)
		}
	}
	for h, p := range e.postings {
		out := p[:0]
		for _, id := range p {
			if _, ok := e.stories[id]; ok {
				out = append(out, id)
			}
		}
		if len(out) == 0 {
			delete(e.postings, h)
		} else {
			e.postings[h] = out
		}
	}
	// Forget document frequencies at the pace articles are forgotten, so
	// the vocabulary stays bounded by the window.
	if live := len(e.articles); e.docs > 4*live+10000 {
		e.docs /= 2
		for h, n := range e.df {
			if n/2 == 0 {
				delete(e.df, h)
			} else {
				e.df[h] = n / 2
			}
		}
	}
}

// forgetAt schedules an article of a closed story to be dropped.
type forgetAt struct {
	id int64
	at time.Time
}

// forget keeps of an article of a closed story only what recognising its
// copies takes (sketch, URL, date, credit), until the duplicate window
// passes.
func (e *Engine) forget(a *article) {
	a.q, a.ents, a.title, a.lead = nil, nil, "", ""
	e.past[a.id] = a
	e.forgets = append(e.forgets, forgetAt{a.id, e.clock.Add(e.opts.DedupWindow - e.opts.Window)})
}

// Remember adds an article whose story has closed, for duplicate detection
// only: a later copy of it is credited to it until the duplicate window
// passes after its publication. The server remembers the articles between
// the duplicate window and the story window at start, before it replays
// the window's articles with Add, oldest first. An ID already known is
// ignored.
func (e *Engine) Remember(d Doc) {
	if _, ok := e.article(d.ID); ok {
		return
	}
	t := d.Published
	if t.IsZero() || t.After(e.clock) && !e.clock.IsZero() {
		t = e.clock
	}
	a := &article{id: d.ID, story: e.nextID, url: normURL(d.URL), source: normURL(d.SourceURL), published: t}
	e.nextID++ // a closed story of its own: the stored story it was in is not the engine's
	text := strings.ToValidUTF8(d.Text, "")
	if len(text) > maxSketchBytes {
		text = strings.ToValidUTF8(text[:maxSketchBytes], "")
	}
	e.dedup.Add(a.id, e.dedup.Sketch(text))
	if a.url != "" {
		if _, ok := e.urls[a.url]; !ok {
			e.urls[a.url] = a.id
		}
	}
	e.past[a.id] = a
	at := e.clock.Add(e.opts.DedupWindow - e.opts.Window)
	if !d.Published.IsZero() {
		at = d.Published.Add(e.opts.DedupWindow)
	}
	e.forgets = append(e.forgets, forgetAt{a.id, at})
}
