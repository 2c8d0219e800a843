package ner

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/gazetteer"
	"github.com/occasional-digest/digest/story/ner/conll"
)

// Mention is one occurrence of an entity in a text.
type Mention struct {
	Name       string            // the entity's normalised display name, aliases resolved
	Kind       digest.EntityKind // Person, Organization or Place
	Text       string            // as written, spaces collapsed
	Start, End int               // byte offsets in the text
}

// titles are honorifics and offices that precede names and are not part of
// them ("President Putin", "Mr Xi").
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true, "professor": true,
	"sir": true, "dame": true, "lord": true, "lady": true, "president": true, "vice": true, "premier": true,
	"chancellor": true, "minister": true, "prime": true, "secretary": true, "senator": true, "sen": true,
	"rep": true, "representative": true, "congressman": true, "congresswoman": true, "governor": true,
	"gov": true, "mayor": true, "judge": true, "justice": true, "king": true, "queen": true, "prince": true,
	"princess": true, "pope": true, "general": true, "gen": true, "col": true, "colonel": true, "lt": true,
	"capt": true, "captain": true, "sgt": true, "admiral": true, "adm": true, "rev": true, "reverend": true,
	"councillor": true, "councilor": true, "councilman": true, "councilwoman": true, "alderman": true,
	"bishop": true, "archbishop": true, "cardinal": true, "rabbi": true, "imam": true, "ambassador": true,
	"inspector": true, "detective": true, "constable": true, "sergeant": true, "lieutenant": true,
	"father": true, "sheikh": true, "ayatollah": true, "chairman": true, "chief": true, "coach": true,
	"st": true, "saint": true, "messrs": true, "mme": true, "herr": true, "frau": true, "monsieur": true,
}

// Mentions returns every person, organisation and place mentioned in text,
// in order, each with its resolved name: honorifics and titles stripped,
// a surname alone resolved to the full name used elsewhere in the text
// ("Putin" → "Vladimir Putin"), an acronym to its expansion when the text
// gives it, places to the gazetteer's name ("U.S." → "United States") and
// words from headlines in capitals written in their usual case. Entities of
// type MISC (nationalities, events) are left out, and so are the names in
// bylines and credit lines ("By Lena Okafor", "Reporting by …"): an
// article's authors are not what it is about.
func (t *Tagger) Mentions(text string) []Mention {
	toks := Tokenize(text)
	sents := Sentences(text, toks)
	words := make([][]string, len(sents))
	for i, s := range sents {
		words[i] = texts(s)
	}
	tags := t.TagDocument(words)

	var ms []mention
	for si, s := range sents {
		caps := allCaps(words[si])
		if byline(s) {
			continue
		}
		for _, sp := range conll.Spans(tags[si]) {
			var kind digest.EntityKind
			switch sp.Type {
			case "PER":
				kind = digest.Person
			case "ORG":
				kind = digest.Organization
			case "LOC":
				kind = digest.Place
			default:
				continue
			}
			tk := s[sp.Start:sp.End]
			titled := personByTitle(tk) || sp.Start > 0 && personByTitle(s[sp.Start-1:sp.End])
			if titled {
				kind = digest.Person // "Mr Xi", "President Xi Jinping"
			}
			start := sp.Start
			trimmed := trimMention(trimPhrase(tk), kind)
			if len(trimmed) == 0 {
				continue
			}
			for start < len(s) && s[start].Start != trimmed[0].Start {
				start++
			}
			m := mention{toks: trimmed, kind: kind, caps: caps, sent: s, start: start, titled: titled}
			if t.commonWordPlace(&m) || opener(&m) {
				continue // "Island council approves…" is not Iceland
			}
			ms = append(ms, m)
		}
	}
	ms = append(ms, untaggedPlaces(text, sents, tags)...)
	slices.SortStableFunc(ms, func(a, b mention) int { return a.toks[0].Start - b.toks[0].Start })
	t.fixKinds(ms)

	// Surface forms, case-folded, and how they are written when not in a
	// headline.
	cased := map[string]string{}
	for _, m := range ms {
		if !m.caps {
			k := foldTokens(m.toks)
			if _, ok := cased[k]; !ok {
				cased[k] = surface(text, m.toks)
			}
		}
	}
	out := make([]Mention, len(ms))
	for i, m := range ms {
		s := surface(text, m.toks)
		name := s
		if c, ok := cased[foldTokens(m.toks)]; ok {
			name = c
		} else if m.caps || isUpperText(s) && len(m.toks) > 1 {
			name = t.recase(s)
		}
		if m.kind == digest.Place && !isLowerStart(name) {
			if c, ok := t.gaz.Canonical(name); ok {
				name = c
			}
		}
		out[i] = Mention{Name: name, Kind: m.kind, Text: s, Start: m.toks[0].Start, End: m.toks[len(m.toks)-1].End}
	}
	t.resolveAliases(out, nil)
	return out
}

// Entities returns the people, organisations and places of an article, one
// per resolved name, with Count the number of mentions, most mentioned
// first (then in order of first mention). A name tagged with several kinds
// gets the kind of most of its mentions. The result is empty, not nil, for
// a text without entities.
func (t *Tagger) Entities(text string) []digest.Entity {
	ms := t.Mentions(text)
	type agg struct {
		first int
		count int
		kinds map[digest.EntityKind]int
	}
	byName := map[string]*agg{}
	var order []string
	for i, m := range ms {
		a, ok := byName[m.Name]
		if !ok {
			a = &agg{first: i, kinds: map[digest.EntityKind]int{}}
			byName[m.Name] = a
			order = append(order, m.Name)
		}
		a.count++
		a.kinds[m.Kind]++
	}
	out := make([]digest.Entity, 0, len(order))
	for _, name := range order {
		a := byName[name]
		kind, best := digest.Person, -1
		for _, k := range []digest.EntityKind{digest.Person, digest.Organization, digest.Place} {
			if a.kinds[k] > best {
				kind, best = k, a.kinds[k]
			}
		}
		out = append(out, digest.Entity{Name: name, Kind: kind, Count: a.count})
	}
	// Names of one entity the article writes in several ways ("Apple Inc."
	// and "Apple", "University of X" in the text and "X University" in the
	// title) become one.
	return normalize(nil, out, t.places)
}

// Merge combines the entities of several articles (of one story, say) into
// one list, as Normalize does: variants of one entity are one entry with
// their counts added ("Putin" and "Vladimir Putin", "U.S." and "United
// States", "EU" and "European Union"). Ordered like Entities.
func (t *Tagger) Merge(lists ...[]digest.Entity) []digest.Entity {
	var all []digest.Entity
	for _, l := range lists {
		all = append(all, l...)
	}
	return normalize(nil, all, t.places)
}

// Key returns the key under which an entity is the same across articles,
// as the package's Key: the canonical name case-folded without
// punctuation, titles and honorifics, legal-form suffixes and places mapped
// to the gazetteer's name ("US", "U.S.", "the United States" share one
// key), with the kind's class (organisations and places share one).
func (t *Tagger) Key(kind digest.EntityKind, name string) string {
	return key(kind, canonical(kind, name, t.places))
}

func (t *Tagger) places() *gazetteer.Gazetteer { return t.gaz }

// honorifics are titles only people have: a name after one is a person's
// whatever the model says ("Mr Xi", "Chancellor Angela Merkel").
var honorifics = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "sir": true, "dame": true,
	"messrs": true, "mme": true, "herr": true, "frau": true, "monsieur": true, "madame": true,
	"president": true, "chancellor": true, "premier": true, "senator": true, "sen": true, "governor": true,
	"gov": true, "mayor": true, "pope": true, "ayatollah": true, "sheikh": true, "prince": true,
	"princess": true, "queen": true, "king": true, "congressman": true, "congresswoman": true, "rep": true,
	"councillor": true, "councilor": true, "councilman": true, "councilwoman": true, "alderman": true,
	"archbishop": true, "rabbi": true, "imam": true, "ambassador": true, "detective": true,
}

// personByTitle reports whether a mention starts with an honorific and
// has a name after it.
func personByTitle(toks []Token) bool {
	return len(toks) > 1 && honorifics[strings.TrimSuffix(strings.ToLower(toks[0].Text), ".")]
}

// trimMention drops leading titles, articles and trailing possessives.
func trimMention(toks []Token, kind digest.EntityKind) []Token {
	for len(toks) > 0 {
		w := strings.TrimSuffix(strings.ToLower(toks[0].Text), ".")
		if w == "the" || kind == digest.Person && titles[w] && len(toks) > 1 || !hasLetterOrDigit(toks[0].Text) {
			toks = toks[1:]
			continue
		}
		break
	}
	for len(toks) > 0 {
		w := strings.ToLower(strings.ReplaceAll(toks[len(toks)-1].Text, "’", "'"))
		if w == "'s" || w == "'" || !hasLetterOrDigit(w) {
			toks = toks[:len(toks)-1]
			continue
		}
		break
	}
	return toks
}

func hasLetterOrDigit(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// surface returns the text a run of tokens covers, spaces collapsed and
// invalid UTF-8 replaced.
func surface(text string, toks []Token) string {
	if len(toks) == 0 {
		return ""
	}
	s := text[toks[0].Start:toks[len(toks)-1].End]
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

func foldTokens(toks []Token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = gazetteer.Key(t.Text)
	}
	return strings.Join(parts, " ")
}

func isUpperText(s string) bool {
	letters := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		letters = letters || unicode.IsLetter(r)
	}
	return letters
}

func isLowerStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// allCaps reports whether most words of a sentence are in capitals.
func allCaps(words []string) bool {
	n, up := 0, 0
	for _, w := range words {
		if !hasLetterOrDigit(w) {
			continue
		}
		n++
		if isUpperText(w) {
			up++
		}
	}
	return n > 0 && up*10 > n*6
}

// recase writes a name from a headline in capitals in its usual case:
// words the model knows as acronyms stay in capitals, others get an
// initial capital ("NEW YORK" → "New York", "NATO" stays).
func (t *Tagger) recase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		lw := strings.ToLower(w)
		if t.m.Acronym(lw) || strings.Contains(w, ".") && utf8.RuneCountInString(w) <= 5 {
			continue
		}
		words[i] = titleWord(lw)
	}
	return strings.Join(words, " ")
}

// titleWord capitalises the first letter of w and of each part after a
// hyphen or apostrophe: "o'neill" → "O'Neill", "rolls-royce" → "Rolls-Royce".
func titleWord(w string) string {
	var b strings.Builder
	up := true
	for _, r := range w {
		if up && unicode.IsLetter(r) {
			b.WriteRune(unicode.ToUpper(r))
			up = false
			continue
		}
		b.WriteRune(r)
		if r == '-' || r == '\'' {
			up = true
		}
	}
	return b.String()
}

// resolveAliases rewrites names that are part of a longer name of the same
// text: a person's surname or first name alone ("Putin", "Mr Xi") becomes
// the full name ("Vladimir Putin"), an acronym the organisation it
// abbreviates ("EU" → "European Union"). When several full names contain
// the short one, the most mentioned wins, then the first. A one-word
// mention tagged as an organisation or place that is part of a person's
// name and is not a known place becomes that person.
//
// weight, when not nil, gives each mention's number of occurrences.
func (t *Tagger) resolveAliases(ms []Mention, weight []int) {
	type full struct {
		name  string
		kind  digest.EntityKind
		words []string
		count int
		first int
	}
	counts := map[string]int{}
	for i, m := range ms {
		if weight != nil {
			counts[m.Name] += weight[i]
		} else {
			counts[m.Name]++
		}
	}
	var people, orgs []*full
	seen := map[string]bool{}
	for i, m := range ms {
		words := strings.Fields(strings.ToLower(m.Name))
		if len(words) < 2 || seen[string(m.Kind)+m.Name] {
			continue
		}
		seen[string(m.Kind)+m.Name] = true
		f := &full{name: m.Name, kind: m.Kind, words: words, count: counts[m.Name], first: i}
		if m.Kind == digest.Person {
			people = append(people, f)
		} else {
			orgs = append(orgs, f)
		}
	}
	better := func(a, b *full) bool { return b == nil || a.count > b.count || a.count == b.count && a.first < b.first }
	for i := range ms {
		m := &ms[i]
		words := strings.Fields(strings.ToLower(m.Name))
		var best *full
		switch {
		case m.Kind == digest.Person:
			for _, p := range people {
				if len(p.words) > len(words) && containsRun(p.words, words) && better(p, best) {
					best = p
				}
			}
		case len(words) == 1:
			if len(t.gaz.Lookup(m.Name)) > 0 {
				break
			}
			for _, p := range people {
				if slices.Contains(p.words[1:], words[0]) && better(p, best) {
					best = p
				}
			}
			if best == nil && m.Kind == digest.Organization {
				for _, o := range orgs {
					if acronym(o.name) == m.Name && better(o, best) {
						best = o
					}
				}
			}
		}
		if best != nil {
			m.Name, m.Kind = best.name, best.kind
		}
	}
}

// containsRun reports whether words occur in long as a contiguous run.
func containsRun(long, words []string) bool {
	for i := 0; i+len(words) <= len(long); i++ {
		if slices.Equal(long[i:i+len(words)], words) {
			return true
		}
	}
	return false
}

// acronym returns the initials of a name's capitalised words: "European
// Central Bank" → "ECB", "Bank of England" → "BE".
func acronym(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(r) {
			b.WriteRune(r)
		}
	}
	if b.Len() < 2 {
		return ""
	}
	return b.String()
}
