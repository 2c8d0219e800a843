package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

// Article is what rules look at in one article, as one user sees it.
type Article struct {
	ID        int64
	Title     string
	Author    string
	URL       string
	Text      string // plain text of the content (or the summary)
	Published time.Time
	// Feeds are the user's feeds that carry the article, Categories the
	// user's categories of those feeds (0 for none is left out).
	Feeds      []int64
	Categories []int64
	// Entities are the names of the people, places and organisations of
	// the article's story.
	Entities []string
}

// prepared is an Article folded once for all conditions.
type prepared struct {
	a                        *Article
	title, author, url, text field
	entities                 []string
	lentities                []string
}

// field is one text of an article in the forms conditions match.
type field struct {
	raw    string // capped
	folded string // fold(raw): what phrases are found in
	canon  string // canonFold(raw), for regexps with (?i); made on first use
	done   bool   // canon made
	// Long texts have trigram filters of each form, made on first use:
	// most literals are absent, and one lookup per trigram says so
	// faster than a search through 32 KB.
	gRaw, gFolded, gCanon *grams
}

// gramsMin is the length from which a text gets trigram filters.
const gramsMin = 512

func (f *field) canonForm() string {
	if !f.done {
		f.canon, f.done = canonFold(f.raw), true
	}
	return f.canon
}

// has reports whether text (which is one of f's forms, filtered by *g)
// contains lit.
func (f *field) has(g **grams, text, lit string) bool {
	if len(text) >= gramsMin && len(lit) >= 3 {
		if *g == nil {
			*g = newGrams(text)
		}
		if !(*g).mayContain(lit) {
			return false
		}
	}
	return strings.Contains(text, lit)
}

// grams is a set of the trigrams of a text, as a 65,536-bit Bloom
// filter with one hash: a literal with a trigram not in it is not in
// the text.
type grams [1024]uint64

func gramHash(a, b, c byte) uint32 {
	return (uint32(a)*0x9E3779B1 ^ uint32(b)*0x85EBCA77 ^ uint32(c)*0xC2B2AE3D) >> 16
}

func newGrams(s string) *grams {
	g := new(grams)
	for i := 0; i+3 <= len(s); i++ {
		h := gramHash(s[i], s[i+1], s[i+2])
		g[h>>6] |= 1 << (h & 63)
	}
	return g
}

func (g *grams) mayContain(lit string) bool {
	for i := 0; i+3 <= len(lit); i++ {
		h := gramHash(lit[i], lit[i+1], lit[i+2])
		if g[h>>6]&(1<<(h&63)) == 0 {
			return false
		}
	}
	return true
}

func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut before the character the limit falls in.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func prepare(a *Article) *prepared {
	p := &prepared{a: a}
	for _, f := range []struct {
		f *field
		s string
		n int
	}{{&p.title, a.Title, MaxField}, {&p.author, a.Author, MaxField}, {&p.url, a.URL, MaxField}, {&p.text, a.Text, MaxText}} {
		f.f.raw = capText(f.s, f.n)
		f.f.folded = fold(f.f.raw)
	}
	p.url.folded = strings.ToLower(p.url.raw)
	for _, e := range a.Entities {
		e = capText(e, MaxField)
		p.entities = append(p.entities, e)
		p.lentities = append(p.lentities, fold(e))
	}
	return p
}

// compiled is one enabled rule, parsed.
type compiled struct {
	rule digest.Rule
	expr *Expr
	ages []int // older: days of its conditions, for rechecks
}

// Set is a user's enabled rules, compiled once and matched against any
// number of articles. It is safe for concurrent use.
type Set struct {
	rules []compiled
	keeps bool
}

// Validate checks one rule as a user would store it: a known action, a
// name, a positive weight for like and dislike (0 means 1), a match
// expression that parses, not two scopes. It returns the parsed
// expression. Errors are *digest.Error with EINVALID.
func Validate(r *digest.Rule) (*Expr, error) {
	if !r.Action.Valid() {
		return nil, digest.Errorf(digest.EINVALID, "unknown action %q (block, keep, like, dislike, super_dislike)", clip(string(r.Action)))
	}
	if strings.TrimSpace(r.Name) == "" {
		return nil, digest.Errorf(digest.EINVALID, "a rule needs a name")
	}
	if len(r.Name) > MaxName {
		return nil, digest.Errorf(digest.EINVALID, "the name is %d bytes long; at most %d", len(r.Name), MaxName)
	}
	if r.FeedID != 0 && r.CategoryID != 0 {
		return nil, digest.Errorf(digest.EINVALID, "a rule's scope is a feed or a category, not both")
	}
	if r.Weight < 0 || r.Weight > 100 || r.Weight != r.Weight {
		return nil, digest.Errorf(digest.EINVALID, "the weight must be between 0 and 100")
	}
	e, err := Parse(r.Match)
	if err != nil {
		return nil, digest.Errorf(digest.EINVALID, "match: %v", err)
	}
	return e, nil
}

// Normalize sets what Validate leaves implicit: the weight of like and
// dislike (0 becomes 1; other actions have none) and a trimmed name.
func Normalize(r *digest.Rule) {
	r.Name = strings.TrimSpace(r.Name)
	switch r.Action {
	case digest.RuleLike, digest.RuleDislike:
		if r.Weight == 0 {
			r.Weight = 1
		}
	default:
		r.Weight = 0
	}
}

// Compile compiles the enabled rules of rs. More than MaxRules rules, or
// one that does not validate, is an error naming the rule.
func Compile(rs []digest.Rule) (*Set, error) {
	if len(rs) > MaxRules {
		return nil, digest.Errorf(digest.EINVALID, "%d rules; at most %d", len(rs), MaxRules)
	}
	s := &Set{}
	for _, r := range rs {
		if !r.Enabled {
			continue
		}
		e, err := Validate(&r)
		if err != nil {
			return nil, fmt.Errorf("rule %d %q: %w", r.ID, clip(r.Name), err)
		}
		Normalize(&r)
		c := compiled{rule: r, expr: e}
		for _, cond := range e.Conds {
			if cond.Field == Older {
				c.ages = append(c.ages, cond.Days)
			}
		}
		s.rules = append(s.rules, c)
		s.keeps = s.keeps || r.Action == digest.RuleKeep
	}
	slices.SortStableFunc(s.rules, func(a, b compiled) int { return int(sign(a.rule.ID - b.rule.ID)) })
	return s, nil
}

func sign(n int64) int64 {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// NeedsText reports whether a rule of the set looks at articles' text:
// callers need not read it otherwise.
func (s *Set) NeedsText() bool {
	for _, c := range s.rules {
		if c.expr.NeedsText() {
			return true
		}
	}
	return false
}

// NeedsEntities reports whether a rule of the set looks at entities.
func (s *Set) NeedsEntities() bool {
	for _, c := range s.rules {
		if c.expr.NeedsEntities() {
			return true
		}
	}
	return false
}

// Len returns the number of enabled rules.
func (s *Set) Len() int { return len(s.rules) }

// inScope reports whether r applies to a.
func inScope(r *digest.Rule, a *Article) bool {
	switch {
	case r.FeedID != 0:
		return slices.Contains(a.Feeds, r.FeedID)
	case r.CategoryID != 0:
		return slices.Contains(a.Categories, r.CategoryID)
	}
	return true
}

// Judge returns the verdict of the set on a at now. recheck, unless zero,
// is when the verdict may change by itself (an older: condition that
// becomes true then); the caller judges the article again at that time.
//
// Block and super-dislike hide what they match; where keep rules' scopes
// hold the article, it is hidden unless one of them matches; like and
// dislike add and subtract their weights. Reasons list the rules that
// decided, in rule ID order.
func (s *Set) Judge(a *Article, now time.Time) (v digest.Verdict, recheck time.Time) {
	v.ArticleID = a.ID
	if len(s.rules) == 0 {
		return v, recheck
	}
	p := prepare(a)
	var keepScoped, kept bool
	var firstKeep *digest.Rule
	for i := range s.rules {
		c := &s.rules[i]
		if !inScope(&c.rule, a) {
			continue
		}
		for _, d := range c.ages {
			if t := a.Published.Add(time.Duration(d) * 24 * time.Hour); t.After(now) && (recheck.IsZero() || t.Before(recheck)) {
				recheck = t
			}
		}
		if c.rule.Action == digest.RuleKeep {
			keepScoped = true
			if firstKeep == nil {
				firstKeep = &c.rule
			}
			if !kept && c.expr.match(p, now) {
				kept = true
			}
			continue
		}
		if !c.expr.match(p, now) {
			continue
		}
		reason := digest.RuleReason{RuleID: c.rule.ID, Name: c.rule.Name, Action: c.rule.Action}
		switch c.rule.Action {
		case digest.RuleBlock, digest.RuleSuperDislike:
			v.Hidden = true
		case digest.RuleLike:
			reason.Weight = c.rule.Weight
		case digest.RuleDislike:
			reason.Weight = -c.rule.Weight
		}
		v.Weight += reason.Weight
		v.Reasons = append(v.Reasons, reason)
	}
	if keepScoped && !kept {
		v.Hidden = true
		v.Reasons = append(v.Reasons, digest.RuleReason{RuleID: firstKeep.ID, Name: firstKeep.Name, Action: digest.RuleKeep})
	}
	return v, recheck
}

// Matches reports whether r's expression matches a at now and whether a
// is in r's scope, whatever r's action: what a preview shows. r must
// have been validated.
func Matches(r *digest.Rule, e *Expr, a *Article, now time.Time) (scoped, matched bool) {
	if !inScope(r, a) {
		return false, false
	}
	return true, e.match(prepare(a), now)
}

// match reports whether every condition holds for p.
func (e *Expr) match(p *prepared, now time.Time) bool {
	for i := range e.Conds {
		if e.Conds[i].holds(p, now) == e.Conds[i].Not {
			return false
		}
	}
	return true
}

func (c *Cond) holds(p *prepared, now time.Time) bool {
	switch c.Field {
	case Title:
		return c.on(&p.title)
	case Content:
		return c.on(&p.text)
	case Text:
		return c.on(&p.title) || c.on(&p.text)
	case Author:
		return c.on(&p.author)
	case URL:
		if c.Re != nil {
			return c.re(&p.url)
		}
		return strings.Contains(p.url.folded, c.Phrase) // a substring: parts of addresses are not words
	case Entity:
		for i := range p.entities {
			if c.Re != nil {
				if c.Re.MatchString(p.entities[i]) {
					return true
				}
			} else if p.lentities[i] == c.Phrase {
				return true
			}
		}
		return false
	case Feed:
		return slices.Contains(p.a.Feeds, c.FeedID)
	case Older:
		return !p.a.Published.IsZero() && now.Sub(p.a.Published) > time.Duration(c.Days)*24*time.Hour
	}
	return false
}

// on matches a phrase (in f's folded form) or a regexp.
func (c *Cond) on(f *field) bool {
	if c.Re != nil {
		return c.re(f)
	}
	return f.has(&f.gFolded, f.folded, c.Phrase) && hasPhrase(f.folded, c.Phrase)
}

// re runs the regexp on f when f holds its required literal.
func (c *Cond) re(f *field) bool {
	switch {
	case c.lit.s == "":
	case c.lit.fold:
		if !f.has(&f.gCanon, f.canonForm(), c.lit.s) {
			return false
		}
	case !f.has(&f.gRaw, f.raw, c.lit.s):
		return false
	}
	return c.Re.MatchString(f.raw)
}

// hasPhrase reports whether phrase occurs in text as whole words: "ai"
// is not found in "said".
func hasPhrase(text, phrase string) bool {
	for from := 0; from <= len(text); {
		i := strings.Index(text[from:], phrase)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(phrase)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		first, _ := utf8.DecodeRuneInString(phrase)
		last, _ := utf8.DecodeLastRuneInString(phrase)
		if (start == 0 || !wordRune(before) || !wordRune(first)) && (end == len(text) || !wordRune(after) || !wordRune(last)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[start:])
		from = start + size
	}
	return false
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Part is the verdict as one named part of a ranking score:
// "Rule: NAME" (the names of every like and dislike rule that matched,
// joined by ", ") and the summed weight. ok is false when no like or
// dislike rule matched.
func Part(v digest.Verdict) (name string, weight float64, ok bool) {
	var names []string
	for _, r := range v.Reasons {
		if r.Action == digest.RuleLike || r.Action == digest.RuleDislike {
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return "", 0, false
	}
	return "Rule: " + strings.Join(names, ", "), v.Weight, true
}

// StoryVerdict folds the verdicts of a story's articles (as the store's
// Verdicts returns them) into the story's: each rule counts once however
// many of the articles it matched, so a like of +2 makes a story of five
// matching articles +2, not +10. The story is hidden when every one of
// articleIDs is (the store lists no story whose articles are all hidden).
// Its ArticleID is 0.
func StoryVerdict(vs map[int64]digest.Verdict, articleIDs []int64) digest.Verdict {
	var out digest.Verdict
	seen := map[int64]bool{}
	hidden := len(articleIDs) > 0
	for _, id := range articleIDs {
		v, ok := vs[id]
		hidden = hidden && ok && v.Hidden
		for _, r := range v.Reasons {
			if seen[r.RuleID] || (r.Action != digest.RuleLike && r.Action != digest.RuleDislike) {
				continue
			}
			seen[r.RuleID] = true
			out.Weight += r.Weight
			out.Reasons = append(out.Reasons, r)
		}
	}
	slices.SortFunc(out.Reasons, func(a, b digest.RuleReason) int { return int(sign(a.RuleID - b.RuleID)) })
	out.Hidden = hidden
	return out
}
