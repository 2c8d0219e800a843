package story

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Context features: what an article's outlet and publication time say
// about whether it reports a story's event. The development files carry
// neither outlets nor dates, so these cannot be fitted with the learned
// weights; they are set by hand, add to the model's logit, and are zero
// whenever outlet or time is unknown (so the development figures do not
// move with them).
//
//   - Same outlet, same day: an outlet rarely writes two articles with
//     different headlines on one event in one day, and a feed does not
//     syndicate itself. The feature is the share of the story's articles
//     from the article's outlet published within sameDay of it (for two
//     stories, the share of their pairs of articles from one outlet; for
//     two articles, 1 when their headlines differ). At -3.5, an article
//     joins a story of its own outlet's articles of that day (Join 0.15)
//     only when the model without context gives it about 0.86 or more: a
//     re-issued or updated report still joins, a local item that shares
//     the town's name and the site's footer does not (at -2.5, 13 of 80
//     such items joined another: TestUnrelatedItemsOfOneFeedStayApart).
//   - Time gap: a Gaussian on the gap between the article and the story's
//     span of publication times, as Miranda et al. (2018) use, so that
//     episodes of a long-running story days apart become separate stories
//     (a new story then Follows the earlier one). At -3, a day off the
//     story's span costs about 1.2 of logit, two days 2.6.
const (
	wSameOutlet = -3.5
	wGap        = -3.0
	gapSigma    = 24 * time.Hour
	sameDay     = 24 * time.Hour
)

// pairContext is the context of a pair: the features above.
type pairContext struct {
	sameOutlet, gap float64
}

// logit is the context's addition to the model's logit.
func (c pairContext) logit() float64 { return wSameOutlet*c.sameOutlet + wGap*c.gap }

// probWith returns P(same event) for the features x and the context c.
func (m *model) probWith(x *[nFeatures]float64, c pairContext) float64 {
	z := m.b + c.logit()
	for i, v := range x {
		z += m.w[i] * v
	}
	return 1 / (1 + math.Exp(-z))
}

// gapTerm is 1 - exp(-d²/2σ²) for the gap d between t and the span
// [first, last]: 0 inside the span, about 0.4 a day off, 0.9 two days off.
func gapTerm(t, first, last time.Time) float64 {
	if t.IsZero() || first.IsZero() || last.IsZero() {
		return 0
	}
	var d time.Duration
	switch {
	case t.Before(first):
		d = first.Sub(t)
	case t.After(last):
		d = t.Sub(last)
	default:
		return 0
	}
	r := float64(d) / float64(gapSigma)
	return 1 - math.Exp(-r*r/2)
}

// articleContext is the context of an article of outlet, published at t,
// against s.
func articleContext(outlet string, t time.Time, s *story) pairContext {
	var c pairContext
	c.gap = gapTerm(t, s.first, s.last)
	if outlet == "" || s.vectors == 0 {
		return c
	}
	if i := slices.Index(s.outlets, outlet); i >= 0 && i < len(s.outletN) {
		if at := s.outletAt[i]; !at.IsZero() && !t.IsZero() && absDur(t.Sub(at)) <= sameDay {
			c.sameOutlet = math.Min(1, float64(s.outletN[i])/float64(s.vectors))
		}
	}
	return c
}

// storyContext is the context of two stories.
func storyContext(a, b *story) pairContext {
	var c pairContext
	if !a.first.IsZero() && !b.first.IsZero() {
		c.gap = math.Min(gapTerm(a.first, b.first, b.last), gapTerm(a.last, b.first, b.last))
		if spans(a, b) || spans(b, a) {
			c.gap = 0
		}
	}
	if len(a.outletN) == 0 || len(b.outletN) == 0 || a.vectors == 0 || b.vectors == 0 {
		return c
	}
	var same float64
	for i, o := range a.outlets {
		if j := slices.Index(b.outlets, o); j >= 0 && i < len(a.outletN) && j < len(b.outletN) &&
			!a.outletAt[i].IsZero() && absDur(a.outletAt[i].Sub(b.outletAt[j])) <= sameDay {
			same += float64(a.outletN[i]) * float64(b.outletN[j])
		}
	}
	c.sameOutlet = math.Min(1, same/float64(a.vectors*b.vectors))
	return c
}

// spans reports whether a's span of times overlaps b's.
func spans(a, b *story) bool { return !a.last.Before(b.first) && !a.first.After(b.last) }

// articlesContext is the context of two articles.
func articlesContext(a, b *article) pairContext {
	var c pairContext
	c.gap = gapTerm(a.published, b.published, b.published)
	if a.outlet != "" && a.outlet == b.outlet && !a.published.IsZero() && absDur(a.published.Sub(b.published)) <= sameDay && a.title != b.title {
		c.sameOutlet = 1
	}
	return c
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// templateTitle is a headline with what changes from one item of a series
// to the next left out: digits, weekdays, months and times of day
// ("Riverton weather: Monday", "Morning briefing, 5 December" become
// "riverton weather", "briefing"). Two articles of one outlet with the
// same template title are items of one series, never one event.
func templateTitle(title string) string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		if seriesWords[w] || strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			continue
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		return ""
	}
	return strings.Join(words, " ")
}

var seriesWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
		january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
		today tonight tomorrow yesterday morning afternoon evening night weekend daily weekly st nd rd th am pm`) {
		m[w] = true
	}
	return m
}()

// maxSeriesCheck bounds the members a series check reads (the latest).
const maxSeriesCheck = 64

// seriesClash reports whether s holds an earlier item of a's series: an
// article of a's outlet with a's template headline, hours apart (isSeries).
// a is the next item of that series, not news of the story's event.
func (e *Engine) seriesClash(s *story, a *article) bool {
	if a.outlet == "" || !slices.Contains(s.outlets, a.outlet) || templateTitle(a.title) == "" {
		return false
	}
	ms := s.members
	if len(ms) > maxSeriesCheck {
		ms = ms[len(ms)-maxSeriesCheck:]
	}
	for _, id := range ms {
		if m, ok := e.articles[id]; ok && m.outlet == a.outlet && isSeries(a, m) {
			return true
		}
	}
	return false
}
