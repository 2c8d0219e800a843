package ner

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/gazetteer"
)

// This file relates the entities of several articles (of one story, or of
// the stories behind one entity page): Canonical writes one entity's name in
// its display form, Normalize folds the variants of one entity in a list
// into one entry named by that form.

// designators are legal-form suffixes of organisation names, compared
// lower-case without dots: "Apple Inc." and "Apple" are one company.
// Words that are often part of a name ("Company", "Group", "Holdings")
// are not among them.
var designators = map[string]bool{
	"inc": true, "incorporated": true, "corp": true, "corporation": true, "co": true, "cos": true,
	"ltd": true, "limited": true, "llc": true, "llp": true, "lp": true, "plc": true, "ag": true,
	"sa": true, "nv": true, "bv": true, "gmbh": true, "se": true, "spa": true, "pty": true, "pte": true,
	"oyj": true, "asa": true, "kk": true, "bhd": true,
}

// maxNameWords bounds the names whose parts are indexed as possible full
// names of shorter mentions; longer names are kept but never expanded to.
const maxNameWords = 8

// placeTable is how the normaliser reaches the gazetteer: loaded on the
// first place (or acronym) it meets, so that lists without them cost
// nothing.
type placeTable func() *gazetteer.Gazetteer

// embeddedPlaces returns the embedded gazetteer, nil if it cannot be read
// (a corrupt binary, which New reports): places then keep their names as
// written.
func embeddedPlaces() *gazetteer.Gazetteer {
	g, err := gazetteer.Load()
	if err != nil {
		return nil
	}
	return g
}

// Canonical returns the display name of one entity on its own: spaces
// collapsed, a leading "the", trailing possessives ("Apple's") and
// punctuation removed; for people, leading titles and honorifics ("Mr Xi"
// → "Xi"); for organisations, legal-form suffixes ("Apple Inc." →
// "Apple"); for places, the gazetteer's name ("U.S." → "United States",
// "French" → "France"). A name left with no letter or digit gives "".
// Canonical(k, Canonical(k, n)) == Canonical(k, n).
func Canonical(kind digest.EntityKind, name string) string {
	return canonical(kind, name, embeddedPlaces)
}

// Key returns the key under which two entities are the same one wherever
// they are mentioned: the canonical name case-folded without punctuation,
// with the kind's class. Organisations and places share a class (the tagger
// often takes one for the other: "Lindenfeld's council", "in Lindenfeld");
// people and other kinds have their own. The empty string for a name with
// no letter or digit.
func Key(kind digest.EntityKind, name string) string {
	return key(kind, canonical(kind, name, embeddedPlaces))
}

func key(kind digest.EntityKind, display string) string {
	k := gazetteer.Key(display)
	if k == "" {
		return ""
	}
	return class(kind) + k
}

// class is the part of a key that keeps kinds apart.
func class(kind digest.EntityKind) string {
	switch kind {
	case digest.Person:
		return "P:"
	case digest.Organization, digest.Place:
		return "O:"
	case digest.Misc:
		return "M:"
	}
	return "X" + string(kind) + ":"
}

func canonical(kind digest.EntityKind, name string, places placeTable) string {
	words := strings.Fields(strings.ToValidUTF8(name, "\uFFFD"))
	// Peel titles, articles, possessives and suffixes until nothing
	// changes: "the Apple Inc.'s" → "Apple".
	for changed := true; changed && len(words) > 0; {
		changed = false
		last := words[len(words)-1]
		if t := trimPossessive(last); t != last {
			words[len(words)-1], changed = t, true
			if t == "" {
				words = words[:len(words)-1]
			}
			continue
		}
		if t := strings.TrimRightFunc(last, isTrailingPunct); t != last {
			words[len(words)-1], changed = t, true
			if t == "" {
				words = words[:len(words)-1]
			}
			continue
		}
		if !hasLetterOrDigit(last) || len(words) > 1 && (last == "&" || strings.EqualFold(last, "and")) {
			words, changed = words[:len(words)-1], true
			continue
		}
		if len(words) > 1 && kind == digest.Organization && designators[designatorKey(last)] {
			// "Apple, Inc." leaves "Apple," for the next round.
			words, changed = words[:len(words)-1], true
			continue
		}
		if t := strings.TrimLeftFunc(words[0], isOpenPunct); t != words[0] && t != "" {
			words[0], changed = t, true
			continue
		}
		first := strings.TrimSuffix(strings.ToLower(words[0]), ".")
		switch {
		case !hasLetterOrDigit(words[0]):
			words, changed = words[1:], true
		case len(words) > 1 && first == "the":
			words, changed = words[1:], true
		case len(words) > 1 && kind == digest.Person && titles[first]:
			words, changed = words[1:], true
		}
	}
	if len(words) == 0 {
		return ""
	}
	s := strings.Join(words, " ")
	if kind == digest.Place && !isLowerStart(s) {
		if g := places(); g != nil {
			if c, ok := g.Canonical(s); ok {
				return c
			}
			if c, ok := g.Demonym(s); ok {
				return c.Name
			}
		}
	}
	return s
}

// trimPossessive removes a final "'s" or the apostrophe of a plural
// possessive ("Farmers'"), in straight or curly quotes.
func trimPossessive(w string) string {
	for _, suf := range []string{"'s", "’s", "'S", "’S"} {
		if t, ok := strings.CutSuffix(w, suf); ok {
			return t
		}
	}
	if t, ok := strings.CutSuffix(w, "'"); ok && strings.HasSuffix(t, "s") {
		return t
	}
	if t, ok := strings.CutSuffix(w, "’"); ok && strings.HasSuffix(t, "s") {
		return t
	}
	return w
}

// isTrailingPunct is punctuation that ends a name's last word but is not
// part of it: commas, quotes, brackets, sentence ends. A final dot is kept
// ("U.S.", "Jr."); ", Inc." and "Co.," go through designators.
func isTrailingPunct(r rune) bool {
	switch r {
	case '.', '&', '+', '!':
		return false
	}
	return unicode.IsPunct(r) || unicode.IsSymbol(r) && r != '$' && r != '€' && r != '£'
}

func designatorKey(w string) string {
	return strings.ToLower(strings.ReplaceAll(strings.Trim(w, ",."), ".", ""))
}

// Normalize returns ents with the variants of each entity folded into one
// entry, counts added (a count below 1 counts as 1), most mentioned first,
// then in order of first appearance. Entries without a name are dropped.
//
// Variants are, within the list: names with the same Key (case,
// possessives, titles, "the", legal-form suffixes, the gazetteer's place
// names; an organisation and a place written alike are one entry of the kind
// of most of their mentions); "University of X" and "X University"; an
// acronym of capitals and the one organisation in the list it abbreviates
// ("EU" → "European Union"); and a part of a person's name ("Xi", "Mr Xi",
// "Amara", "Hillary Clinton" beside "Hillary Rodham Clinton") and the one
// longer name in the list that contains it. When several longer names
// contain a part ("Clinton" beside "Hillary Clinton" and "Bill Clinton")
// the part stays on its own: ambiguity never merges. A person and a place
// written alike stay two.
//
// The folded entry is named by its longest form for people and
// abbreviations, otherwise by its most mentioned variant (a capitalised one
// before one in capitals or lower case, ties by byte order), so the result
// depends only on the list. Normalize(Normalize(x)) equals Normalize(x).
// It takes time linear in len(ents) (names are bounded parts of texts).
func Normalize(ents []digest.Entity) []digest.Entity {
	return normalize(ents, embeddedPlaces)
}

// group is the entries of one key.
type group struct {
	key      string
	words    []string // the key's words, without the class
	variants []variant
	kinds    [4]int // mentions by kind: Person, Organization, Place, other
	kind     digest.EntityKind
	count    int
	first    int // index in the input of the first entry
	display  string
	parent   int
}

type variant struct {
	name  string
	count int
}

func kindIndex(k digest.EntityKind) int {
	switch k {
	case digest.Person:
		return 0
	case digest.Organization:
		return 1
	case digest.Place:
		return 2
	}
	return 3
}

func normalize(ents []digest.Entity, places placeTable) []digest.Entity {
	if len(ents) == 0 {
		return []digest.Entity{}
	}
	// The gazetteer is fetched once per call, on demand.
	var gaz *gazetteer.Gazetteer
	loaded := false
	table := func() *gazetteer.Gazetteer {
		if !loaded {
			gaz, loaded = places(), true
		}
		return gaz
	}
	byKey := make(map[string]int, len(ents))
	byVariant := make(map[string]int, len(ents)) // key, NUL, name → index in its group's variants
	gs := make([]group, 0, len(ents))
	for i, e := range ents {
		if e.Name == "" {
			continue
		}
		d := canonical(e.Kind, e.Name, table)
		k := key(e.Kind, d)
		if k == "" {
			continue
		}
		c := max(e.Count, 1)
		j, ok := byKey[k]
		if !ok {
			j = len(gs)
			byKey[k] = j
			gs = append(gs, group{key: k, first: i, kind: e.Kind, parent: j})
		}
		g := &gs[j]
		g.count += c
		g.kinds[kindIndex(e.Kind)] += c
		vk := k + "\x00" + d
		if v, ok := byVariant[vk]; ok {
			g.variants[v].count += c
		} else {
			byVariant[vk] = len(g.variants)
			g.variants = append(g.variants, variant{d, c})
		}
	}
	for i := range gs {
		g := &gs[i]
		g.display = bestVariant(g.variants)
		_, rest, _ := strings.Cut(g.key, ":")
		g.words = strings.Fields(rest)
		g.kind = majorityKind(g)
	}
	u := unionFind(gs)
	u.universities()
	u.acronyms(table)
	u.people()

	// Sum each root's members.
	type agg struct {
		kinds [4]int
		count int
		first int
		kind  digest.EntityKind
	}
	roots := map[int]*agg{}
	var order []int
	for i := range gs {
		r := u.find(i)
		a, ok := roots[r]
		if !ok {
			a = &agg{first: gs[i].first, kind: gs[i].kind}
			roots[r] = a
			order = append(order, r)
		}
		a.count += gs[i].count
		for k, n := range gs[i].kinds {
			a.kinds[k] += n
		}
	}
	out := make([]digest.Entity, 0, len(order))
	firsts := make([]int, 0, len(order))
	for _, r := range order {
		a := roots[r]
		kind := gs[r].kind
		if kind == digest.Organization || kind == digest.Place {
			// Groups join only within a class, so one of a class's kinds
			// has most mentions; ties go to the first seen.
			kind = a.kind
			if a.kinds[1] > a.kinds[2] {
				kind = digest.Organization
			} else if a.kinds[2] > a.kinds[1] {
				kind = digest.Place
			}
		}
		// A variant of the other kind may name it: "The Hague" is
		// "Hague" as an organisation.
		name := gs[r].display
		if a.kinds[1] > 0 && a.kinds[2] > 0 {
			if c := canonical(kind, name, table); c != "" {
				name = c
			}
		}
		out = append(out, digest.Entity{Name: name, Kind: kind, Count: a.count})
		firsts = append(firsts, a.first)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if out[a].Count != out[b].Count {
			return out[b].Count - out[a].Count
		}
		return firsts[a] - firsts[b]
	})
	sorted := make([]digest.Entity, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted
}

// majorityKind is the kind of most of a group's mentions, ties to the
// kind first seen.
func majorityKind(g *group) digest.EntityKind {
	best := g.kinds[kindIndex(g.kind)]
	kind := g.kind
	for i, k := range []digest.EntityKind{digest.Person, digest.Organization, digest.Place} {
		if g.kinds[i] > best {
			kind, best = k, g.kinds[i]
		}
	}
	return kind
}

// bestVariant picks the display name among a key's spellings: written
// with a capital (not in lower case, nor in capitals when a word is
// longer than an acronym), then most mentioned, then first in byte order.
func bestVariant(vs []variant) string {
	best := vs[0]
	for _, v := range vs[1:] {
		if rb, rv := caseRank(best.name), caseRank(v.name); rv < rb ||
			rv == rb && (v.count > best.count || v.count == best.count && v.name < best.name) {
			best = v
		}
	}
	return best.name
}

func caseRank(s string) int {
	r, _ := utf8.DecodeRuneInString(s)
	if unicode.IsLower(r) {
		return 2
	}
	for _, w := range strings.Fields(s) {
		if utf8.RuneCountInString(w) > 5 && isUpperText(w) {
			return 1
		}
	}
	return 0
}

// union is a union-find over groups whose roots are chosen by the caller:
// the root of a set names it.
type union struct {
	gs []group
}

func unionFind(gs []group) *union { return &union{gs: gs} }

func (u *union) find(i int) int {
	for u.gs[i].parent != i {
		u.gs[i].parent = u.gs[u.gs[i].parent].parent
		i = u.gs[i].parent
	}
	return i
}

// join makes the set of child part of the set of root.
func (u *union) join(child, root int) {
	c, r := u.find(child), u.find(root)
	if c != r {
		u.gs[c].parent = r
	}
}

// universities joins "University of X" and "X University" (and the same
// for colleges and institutes) when both are in the list. The one more
// mentioned names them, "University of X" on a tie.
func (u *union) universities() {
	seen := map[string]int{}
	for i := range u.gs {
		g := &u.gs[i]
		if g.kind != digest.Organization && g.kind != digest.Place || len(g.words) < 2 {
			continue
		}
		w := g.words
		var inst, x string
		switch {
		case len(w) >= 3 && isInstitution(w[0]) && w[1] == "of":
			inst, x = w[0], strings.Join(w[2:], " ")
		case isInstitution(w[len(w)-1]):
			inst, x = w[len(w)-1], strings.Join(w[:len(w)-1], " ")
		default:
			continue
		}
		k := inst + "\x00" + x
		j, ok := seen[k]
		if !ok {
			seen[k] = i
			continue
		}
		if g.count > u.gs[j].count || g.count == u.gs[j].count && w[1] == "of" {
			u.join(j, i)
			seen[k] = i
		} else {
			u.join(i, j)
		}
	}
}

func isInstitution(w string) bool {
	return w == "university" || w == "college" || w == "institute"
}

// acronyms joins an organisation written as one word of capitals ("EU",
// "U.N.") to the one organisation or place of the list whose capitalised
// words it abbreviates, unless the gazetteer knows the short form as a
// place ("US" is not "United Steelworkers").
func (u *union) acronyms(places placeTable) {
	var shorts []int
	expansions := map[string][]int{}
	for i := range u.gs {
		g := &u.gs[i]
		// Roots only: a name joined to another is known by the other's
		// initials.
		if g.kind != digest.Organization && g.kind != digest.Place || u.find(i) != i {
			continue
		}
		if len(g.words) == 1 && g.kind == digest.Organization {
			letters := strings.ReplaceAll(g.display, ".", "")
			if n := utf8.RuneCountInString(letters); n >= 2 && n <= 6 && isUpperText(letters) && allLetters(letters) {
				shorts = append(shorts, i)
			}
			continue
		}
		if len(g.words) >= 2 && len(g.words) <= maxNameWords {
			if a := acronym(g.display); a != "" {
				a = strings.ToLower(a)
				expansions[a] = append(expansions[a], i)
			}
		}
	}
	for _, i := range shorts {
		cands := expansions[u.gs[i].words[0]]
		if len(cands) == 0 {
			continue
		}
		if g := places(); g != nil && len(g.Lookup(u.gs[i].display)) > 0 {
			continue
		}
		if r, ok := u.uniqueRoot(cands, i); ok {
			u.join(i, r)
		}
	}
}

func allLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// people joins a person's name to the one longer name of the list that
// contains it as a run of words ("Xi" → "Xi Jinping", "Amara" → "Amara
// Velasquez") or, for names of three words and more, as the first and last
// ("Hillary Clinton" → "Hillary Rodham Clinton"). Longer names are settled
// first, so that both of those count as one candidate for "Clinton".
func (u *union) people() {
	var names []int
	index := map[string][]int{}
	for i := range u.gs {
		g := &u.gs[i]
		if g.kind != digest.Person {
			continue
		}
		names = append(names, i)
		w := g.words
		if len(w) < 2 || len(w) > maxNameWords {
			continue
		}
		for n := 1; n < len(w); n++ {
			for s := 0; s+n <= len(w); s++ {
				k := strings.Join(w[s:s+n], " ")
				if l := index[k]; len(l) == 0 || l[len(l)-1] != i {
					index[k] = append(index[k], i)
				}
			}
		}
		if len(w) >= 3 {
			k := w[0] + " " + w[len(w)-1]
			if l := index[k]; len(l) == 0 || l[len(l)-1] != i {
				index[k] = append(index[k], i)
			}
		}
	}
	// Longest first, then in order of appearance.
	slices.SortStableFunc(names, func(a, b int) int { return len(u.gs[b].words) - len(u.gs[a].words) })
	for _, i := range names {
		w := u.gs[i].words
		if len(w) > maxNameWords || len(w) == 1 && utf8.RuneCountInString(w[0]) < 2 {
			continue
		}
		cands := index[strings.Join(w, " ")]
		if r, ok := u.uniqueRoot(cands, i); ok {
			u.join(i, r)
		}
	}
}

// uniqueRoot returns the one root the candidates other than self belong
// to, and false when there is none or more than one.
func (u *union) uniqueRoot(cands []int, self int) (int, bool) {
	root := -1
	for _, c := range cands {
		if c == self {
			continue
		}
		r := u.find(c)
		if r == u.find(self) {
			continue
		}
		if root >= 0 && r != root {
			return 0, false
		}
		root = r
	}
	return root, root >= 0
}
