package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rank"
)

// foryouCard is a story card of For you: the card, its ranking, and the
// reader's one-tap choices about it.
type foryouCard struct {
	storyCard
	Return string // where the card's forms come back to
	// Options follow or mute what the story is from and about: its
	// outlets and the entities it names most.
	Options []choiceOption
}

// choiceOption is one thing a reader can follow or mute, with what they
// chose so far (Value +1 followed, -1 muted, 0 nothing).
type choiceOption struct {
	Kind  digest.ChoiceKind
	Key   string
	Label string
	Value float64
}

// Following and Muted say what the reader chose.
func (o choiceOption) Following() bool { return o.Value > 0 }
func (o choiceOption) Muted() bool     { return o.Value < 0 }

// onboarding is the step For you shows a new reader: a few of the
// people, places, organisations, outlets and categories of their stories
// to follow.
type onboarding struct {
	Entities   []choiceOption
	Outlets    []choiceOption
	Categories []choiceOption
}

// cardOptions bounds the entities a card offers to follow or mute.
const cardOptions = 2

// forYouInto ranks the front page's stories into p.
func (s *Server) forYouInto(ctx context.Context, r *http.Request, p *riverPage) error {
	res, err := s.forYouShared(ctx, uid(r), homeStories)
	if err != nil {
		return err
	}
	front, err := s.frontOf(ctx, uid(r), res)
	if err != nil {
		return err
	}
	back := r.URL.RequestURI()
	p.ForYou = make([]foryouCard, len(front.cards))
	for i, c := range front.cards {
		c.Return = back
		p.ForYou[i] = c
	}
	p.forYou = res
	p.MoreStories = res.More
	p.Hidden = res.Hidden
	p.Onboard = front.onboard
	if p.Undo, err = s.undoOf(ctx, r); err != nil {
		return err
	}
	if !seen(r) {
		return nil
	}
	return s.recordShown(ctx, uid(r), res.Stories)
}

// frontPart is what the front page shows of a ranking: its cards (with
// no Return) and a new reader's onboarding. It is made once per ranking
// (see forYouShared) and shared: callers copy the cards.
type frontPart struct {
	cards   []foryouCard
	onboard *onboarding
}

// frontOf returns res's front page part, making it on first use.
func (s *Server) frontOf(ctx context.Context, userID int64, res *forYouResult) (frontPart, error) {
	res.front.mu.Lock()
	defer res.front.mu.Unlock()
	if res.front.done {
		return res.front.part, nil
	}
	list := make([]digest.Story, len(res.Stories))
	for i := range res.Stories {
		list[i] = res.Stories[i].Story
	}
	cards, err := s.storyCards(ctx, userID, list)
	if err != nil {
		return frontPart{}, err
	}
	chosen := map[string]float64{}
	for _, c := range res.Choices {
		chosen[string(c.Kind)+":"+c.Key] = c.Value
	}
	var part frontPart
	for i, rs := range res.Stories {
		c := foryouCard{storyCard: cards[i]}
		c.Reason = rs.Score.Strongest()
		c.Why = whyOf(rs.Score)
		c.Score = rs.Score.Total
		c.Options = optionsOf(rs.Cand, chosen, cardOptions)
		part.cards = append(part.cards, c)
	}
	if res.NewReader {
		part.onboard = onboard(res.Candidates, chosen)
	}
	res.front.part, res.front.done = part, true
	return part, nil
}

// optionsOf offers a story's outlets and its first entities to follow or
// mute.
func optionsOf(c *rank.Candidate, chosen map[string]float64, entities int) []choiceOption {
	var out []choiceOption
	seen := map[string]bool{}
	for _, src := range c.Sources {
		if src.Site == "" || seen[src.Site] {
			continue
		}
		seen[src.Site] = true
		out = append(out, option(digest.ChoiceSite, src.Site, src.Name, chosen))
		if len(seen) == 2 {
			break
		}
	}
	for i, e := range c.Entities {
		if i == entities {
			break
		}
		out = append(out, option(digest.ChoiceEntity, e.Key, e.Name, chosen))
	}
	return out
}

func option(kind digest.ChoiceKind, key, label string, chosen map[string]float64) choiceOption {
	return choiceOption{Kind: kind, Key: key, Label: label, Value: chosen[string(kind)+":"+key]}
}

// onboard suggests what most of the candidate stories name or come from.
func onboard(cands []rank.Candidate, chosen map[string]float64) *onboarding {
	type tally struct {
		o choiceOption
		n int
	}
	count := func(add func(func(kind digest.ChoiceKind, key, label string))) []choiceOption {
		m := map[string]*tally{}
		var order []string
		add(func(kind digest.ChoiceKind, key, label string) {
			if key == "" || label == "" {
				return
			}
			t, ok := m[key]
			if !ok {
				t = &tally{o: option(kind, key, label, chosen)}
				m[key] = t
				order = append(order, key)
			}
			t.n++
		})
		slices.SortStableFunc(order, func(a, b string) int { return m[b].n - m[a].n })
		var out []choiceOption
		for _, k := range order {
			if len(out) == onboardOptions {
				break
			}
			out = append(out, m[k].o)
		}
		return out
	}
	ob := &onboarding{
		Entities: count(func(add func(digest.ChoiceKind, string, string)) {
			for i := range cands {
				for _, e := range cands[i].Entities {
					add(digest.ChoiceEntity, e.Key, e.Name)
				}
			}
		}),
		Outlets: count(func(add func(digest.ChoiceKind, string, string)) {
			for i := range cands {
				for _, src := range cands[i].Sources {
					add(digest.ChoiceSite, src.Site, src.Name)
				}
			}
		}),
		Categories: count(func(add func(digest.ChoiceKind, string, string)) {
			for i := range cands {
				for _, src := range cands[i].Sources {
					add(digest.ChoiceCategory, rank.Fold(src.Category), src.Category)
				}
			}
		}),
	}
	if len(ob.Entities)+len(ob.Outlets)+len(ob.Categories) == 0 {
		return nil
	}
	return ob
}

// choiceSet saves a choice from a form: kind, key, label, and value
// "follow", "mute" or a number from -2 to +2 (a feed's priority). It
// comes back to the form's return path.
func (s *Server) choiceSet(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	c := digest.Choice{Kind: digest.ChoiceKind(r.PostFormValue("kind")), Key: r.PostFormValue("key"), Label: r.PostFormValue("label")}
	switch v := r.PostFormValue("value"); v {
	case "follow":
		c.Value = 1
	case "mute":
		c.Value = -1
	default:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			s.pageError(w, r, digest.Errorf(digest.EINVALID, "a choice's value is follow, mute or a number from -2 to 2"))
			return
		}
		c.Value = f
	}
	switch c.Kind {
	case digest.ChoiceCategory, digest.ChoicePhrase:
		c.Key = rank.Fold(c.Key)
	case digest.ChoiceStory:
		s.pageError(w, r, digest.Errorf(digest.EINVALID, "more or less like a story is asked on the story"))
		return
	case digest.ChoicePriority, digest.ChoiceFeed:
		id, err := parseID(c.Key)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		f, err := s.store.Feed(r.Context(), uid(r), id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		c.Label = outlet(f, nil)
	}
	if c.Label == "" {
		c.Label = c.Key
	}
	var err error
	if c.Kind == digest.ChoicePriority && c.Value == 0 {
		err = s.store.DeleteChoice(r.Context(), uid(r), c.Kind, c.Key)
		if digest.IsNotFound(err) {
			err = nil
		}
	} else {
		err = s.store.SetChoice(r.Context(), uid(r), &c)
	}
	s.taste.dropChoices(uid(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("return"), "/foryou"), http.StatusSeeOther)
}

// choiceDelete removes a choice (unfollow, unmute): kind and key.
func (s *Server) choiceDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	err := s.store.DeleteChoice(r.Context(), uid(r), digest.ChoiceKind(r.PostFormValue("kind")), r.PostFormValue("key"))
	s.taste.dropChoices(uid(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("return"), "/foryou"), http.StatusSeeOther)
}

// storyLike is "more like this" (more true) or "less like this" on a
// story: a choice the ranker compares other stories with (less also
// takes the story off For you), and evidence for what its outlets and
// entities are worth to the reader.
func (s *Server) storyLike(more bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.formFor(w, r)
		if !ok {
			return
		}
		ctx := r.Context()
		st, err := s.store.Story(ctx, uid(r), id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		c := digest.Choice{Kind: digest.ChoiceStory, Key: strconv.FormatInt(id, 10), Label: st.Headline, Value: 1}
		clicks, shown := float64(learnMore), 0.0
		if !more {
			c.Value, clicks, shown = -1, 0, learnLess
		}
		err = s.store.SetChoice(ctx, uid(r), &c)
		s.taste.dropChoices(uid(r))
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if err := s.learnStory(ctx, uid(r), id, clicks, shown); err != nil {
			s.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, localPath(r.PostFormValue("return"), "/"), http.StatusSeeOther)
	}
}

// choicesPage lists the reader's choices with a way to undo each, a form
// to follow or mute a phrase and one to set a feed's priority.
type choicesPage struct {
	layout
	Groups  []choiceGroup
	Feeds   []digest.Feed
	Onboard *onboarding
}

type choiceGroup struct {
	Label   string
	Choices []choiceRow
}

// choiceRow is a choice with what it is in words.
type choiceRow struct {
	digest.Choice
	Verb string
}

// kindLabels name the kinds of choices on the page, in its order.
var kindLabels = []struct {
	kind  digest.ChoiceKind
	label string
}{
	{digest.ChoiceEntity, "People, places and organisations"},
	{digest.ChoiceSite, "Outlets"},
	{digest.ChoiceFeed, "Feeds"},
	{digest.ChoiceCategory, "Categories"},
	{digest.ChoicePhrase, "Phrases"},
	{digest.ChoicePriority, "Feed priorities"},
	{digest.ChoiceStory, "More or less like these stories"},
}

func (s *Server) choices(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, err := s.store.Choices(ctx, uid(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	_, feeds, err := s.cache.get(ctx, uid(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := choicesPage{layout: s.layout(r, "For you", "foryou"), Feeds: feeds}
	for _, kl := range kindLabels {
		g := choiceGroup{Label: kl.label}
		for _, c := range list {
			if c.Kind == kl.kind {
				g.Choices = append(g.Choices, choiceRow{Choice: c, Verb: choiceVerb(c)})
			}
		}
		if len(g.Choices) > 0 {
			p.Groups = append(p.Groups, g)
		}
	}
	res, err := s.forYou(ctx, uid(r), homeStories)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cands := res.Candidates
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	chosen := map[string]float64{}
	for _, c := range list {
		chosen[string(c.Kind)+":"+c.Key] = c.Value
	}
	p.Onboard = onboard(cands, chosen)
	s.render(w, r, http.StatusOK, "foryou", p)
}

// choiceVerb says a choice in words: "Following", "Muted", "Priority +2",
// "More like this".
func choiceVerb(c digest.Choice) string {
	switch {
	case c.Kind == digest.ChoicePriority:
		return "Priority " + strings.TrimSuffix(strconv.FormatFloat(c.Value, 'f', 1, 64), ".0")
	case c.Kind == digest.ChoiceStory && c.Value > 0:
		return "More like this"
	case c.Kind == digest.ChoiceStory:
		return "Less like this"
	case c.Value > 0:
		return "Following"
	}
	return "Muted"
}

// choiceForm is what the "choiceforms" and "followchip" templates draw:
// the buttons of one option, coming back to Return.
type choiceForm struct {
	Option choiceOption
	Return string
}
