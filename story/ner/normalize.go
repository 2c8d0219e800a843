package ner

import (
	"slices"
	"sort"
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
	k := foldKey(display)
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
	s := name
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	// From here words are apart by one space.
	s = collapseSpaces(s)
	var buf [16]byte
	// Peel titles, articles, possessives and suffixes until nothing
	// changes: "the Apple Inc.'s" → "Apple". Every step cuts s.
	for s != "" {
		ls := strings.LastIndexByte(s, ' ')
		last := s[ls+1:]
		if t := trimPossessive(last); t != last {
			s = strings.TrimRight(s[:len(s)-len(last)+len(t)], " ")
			continue
		}
		if t := strings.TrimRightFunc(last, isTrailingPunct); t != last {
			s = strings.TrimRight(s[:len(s)-len(last)+len(t)], " ")
			continue
		}
		if !hasLetterOrDigit(last) || ls >= 0 && strings.EqualFold(last, "and") ||
			ls >= 0 && kind == digest.Organization && designators[string(lowerWord(&buf, last, true))] {
			// "Apple, Inc." leaves "Apple," for the next round.
			s = strings.TrimRight(s[:ls+1], " ")
			continue
		}
		fs := strings.IndexByte(s, ' ')
		first := s
		if fs >= 0 {
			first = s[:fs]
		}
		if t := strings.TrimLeftFunc(first, isOpenPunct); t != first && t != "" {
			s = s[len(first)-len(t):]
			continue
		}
		if fs >= 0 {
			w := lowerWord(&buf, first, false)
			if string(w) == "the" || kind == digest.Person && titles[string(w)] {
				s = s[fs+1:]
				continue
			}
		}
		break
	}
	if s == "" {
		return ""
	}
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

// lowerWord writes a short word into buf in ASCII lower case without a
// final dot (and, with all, without any dot or comma), for a lookup in
// titles or designators that allocates nothing; nil for a word too long to
// be one.
func lowerWord(buf *[16]byte, w string, all bool) []byte {
	if len(w) > len(buf) {
		return nil
	}
	n := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c == '.' && (all || i == len(w)-1), c == ',' && all:
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return buf[:n]
}

// collapseSpaces trims s and makes every run of white space inside it one
// space, allocating only when there is a run to change.
func collapseSpaces(s string) string {
	prevSpace := true // a leading space is a change
	for i := 0; i < len(s); {
		c := s[i]
		sp, n := false, 1
		switch {
		case c == ' ':
			sp = true
		case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			return strings.Join(strings.Fields(s), " ")
		case c >= utf8.RuneSelf:
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return strings.Join(strings.Fields(s), " ")
			}
		}
		if sp && prevSpace {
			return strings.Join(strings.Fields(s), " ")
		}
		prevSpace = sp
		i += n
	}
	if prevSpace && s != "" {
		return strings.TrimRight(s, " ")
	}
	return s
}

// trimPossessive removes a final "'s" or the apostrophe of a plural
// possessive ("Farmers'"), in straight or curly quotes.
func trimPossessive(w string) string {
	n := len(w)
	switch {
	case n >= 2 && (w[n-1] == 's' || w[n-1] == 'S') && w[n-2] == '\'':
		return w[:n-2]
	case n >= 4 && (w[n-1] == 's' || w[n-1] == 'S') && w[n-4:n-1] == "’":
		return w[:n-4]
	case n >= 2 && w[n-1] == '\'' && w[n-2] == 's':
		return w[:n-1]
	case n >= 4 && w[n-3:] == "’" && w[n-4] == 's':
		return w[:n-3]
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

// Normalize returns ents with the variants of each entity folded into one
// entry, counts added (a count below 1 counts as 1), most mentioned first,
// then in order of first appearance. Entries without a name are dropped.
//
// Variants are, within the list: names with the same Key (case,
// possessives, titles, "the", legal-form suffixes, the gazetteer's place
// names; an organisation and a place written alike are one entry of the kind
// of most of their mentions); "University of X" and "X University"; an
// acronym of capitals and the one organisation in the list it abbreviates
// ("EU" → "European Union"); a one-word organisation and the one sports
// club it shortens ("Dunmere" → "Dunmere Athletic", "Rovers" → "Harbour
// Rovers"); and a part of a person's name ("Xi", "Mr Xi",
// "Amara", "Hillary Clinton" beside "Hillary Rodham Clinton") and the one
// longer name in the list that contains it; a one-word organisation or
// place that is not in the gazetteer and is a later part of the one
// person's name that has it ("Velasquez said", tagged as an organisation,
// beside "Amara Velasquez"). When several longer names contain a part
// ("Clinton" beside "Hillary Clinton" and "Bill Clinton") the part stays
// on its own: ambiguity never merges. A person and a place written alike
// stay two.
//
// The folded entry is named by its longest form for people and
// abbreviations, otherwise by its most mentioned variant (a capitalised one
// before one in capitals or lower case, ties by byte order), so the result
// depends only on the list. Normalize(Normalize(x)) equals Normalize(x).
// It takes time linear in len(ents) (names are bounded parts of texts).
func Normalize(ents []digest.Entity) []digest.Entity {
	return normalize(nil, ents, embeddedPlaces)
}

// Fold returns Normalize(append(held, added...)) for a held list that is
// a result of Normalize or Fold (a story's entities, to which an
// article's are added), faster: the names of held are taken as they are,
// not written again in their canonical form.
func Fold(held, added []digest.Entity) []digest.Entity {
	return normalize(held, added, embeddedPlaces)
}

// group is the entries of one key. Once groups are joined, the root of a
// set holds the set's counts, first appearance and the kind of its first
// group.
type group struct {
	key     string  // foldKey of the display name: the key without its class
	v0      variant // the first spelling, and the others; the chosen one once chosen
	more    []variant
	kind    digest.EntityKind // of most mentions
	setKind digest.EntityKind
	kinds   [4]int // mentions by kind: Person, Organization, Place, other
	count   int
	first   int32 // index in the input of the first entry
	parent  int32
	nwords  int32 // words in key
}

// display is the name a group is shown by.
func (g *group) display() string { return g.v0.name }

// entryAt is the i-th entry of held and added one after the other.
func entryAt(held, added []digest.Entity, i int) digest.Entity {
	if i < len(held) {
		return held[i]
	}
	return added[i-len(held)]
}

type variant struct {
	name  string
	count int
}

// variantKey finds a spelling of a group that has many.
type variantKey struct {
	group int
	name  string
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

// addVariant counts one more mention of a spelling of g. Spellings are
// few; past a handful they are found through byName.
func (g *group) addVariant(name string, c int, gi int, byName map[variantKey]int) map[variantKey]int {
	if g.v0.name == name {
		g.v0.count += c
		return byName
	}
	if len(g.more) < 8 {
		for i := range g.more {
			if g.more[i].name == name {
				g.more[i].count += c
				return byName
			}
		}
		g.more = append(g.more, variant{name, c})
		return byName
	}
	if byName == nil {
		byName = map[variantKey]int{}
	}
	if len(g.more) == 8 {
		for i, v := range g.more {
			byName[variantKey{gi, v.name}] = i
		}
	}
	id := variantKey{gi, name}
	if i, ok := byName[id]; ok {
		g.more[i].count += c
	} else {
		byName[id] = len(g.more)
		g.more = append(g.more, variant{name, c})
	}
	return byName
}

// foldKey is gazetteer.Key, with a faster path for ASCII names (most of
// them).
func foldKey(s string) string {
	return string(appendFoldKey(make([]byte, 0, len(s)), s))
}

// appendFoldKey appends foldKey(s) to dst.
func appendFoldKey(dst []byte, s string) []byte {
	start := len(dst)
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return append(dst[:start], gazetteer.Key(s)...)
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z':
			if space && len(dst) > start {
				dst = append(dst, ' ')
			}
			space = false
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		case c == '.' || c == '\'':
		default:
			space = true
		}
	}
	if k := dst[start:]; len(k) > 4 && string(k[:4]) == "the " {
		dst = dst[:start+copy(k, k[4:])]
	}
	return dst
}

// normalize folds held, whose names are canonical already, and added.
func normalize(held, added []digest.Entity, places placeTable) []digest.Entity {
	n := len(held) + len(added)
	if n == 0 {
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
	// Names as they will be shown, and their keys with their classes in
	// one string: a key is keys[ends[i-1]:ends[i]], its class the first
	// cls[i] bytes.
	names := make([]string, n)
	ends := make([]int32, n)
	cls := make([]int32, n)
	var arena []byte
	for i := range n {
		e := entryAt(held, added, i)
		if i < len(held) {
			names[i] = e.Name
		} else if e.Name != "" {
			names[i] = canonical(e.Kind, e.Name, table)
		}
		start := len(arena)
		arena = append(arena, class(e.Kind)...)
		c := len(arena) - start
		if arena = appendFoldKey(arena, names[i]); len(arena) == start+c {
			arena = arena[:start] // no key: dropped
		}
		ends[i], cls[i] = int32(len(arena)), int32(c)
	}
	keys := string(arena)

	byKey := make(map[string]int, n)
	var byName map[variantKey]int
	gs := make([]group, 0, n)
	people := 0
	start := int32(0)
	for i := range n {
		full := keys[start:ends[i]]
		start = ends[i]
		if full == "" {
			continue
		}
		e := entryAt(held, added, i)
		c := max(e.Count, 1)
		j, ok := byKey[full]
		if !ok {
			j = len(gs)
			byKey[full] = j
			k := full[cls[i]:]
			gs = append(gs, group{key: k, first: int32(i), kind: e.Kind, parent: int32(j), v0: variant{names[i], 0},
				nwords: int32(strings.Count(k, " ") + 1)})
		}
		g := &gs[j]
		g.count += c
		g.kinds[kindIndex(e.Kind)] += c
		byName = g.addVariant(names[i], c, j, byName)
	}
	for i := range gs {
		g := &gs[i]
		g.v0 = g.bestVariant()
		g.kind = majorityKind(g)
		g.setKind = g.kind
		if g.kind == digest.Person {
			people++
		}
	}
	u := &union{gs: gs}
	u.universities()
	u.acronyms(table)
	if people > 1 {
		u.people(people)
	}
	if people > 0 {
		u.surnames(table)
	}
	u.clubs(table)

	// Sum each set at its root, which takes the first appearance of its
	// members (and the kind of the first).
	roots := 0
	for i := range gs {
		r := u.find(i)
		if r == i {
			roots++
			continue
		}
		g, root := &gs[i], &gs[r]
		root.count += g.count
		for k, n := range g.kinds {
			root.kinds[k] += n
		}
		if g.first < root.first {
			root.first, root.setKind = g.first, g.kind
		}
	}
	out := make([]digest.Entity, 0, roots)
	firsts := make([]int32, 0, roots)
	for i := range gs {
		r := &gs[i]
		if int(r.parent) != i {
			continue
		}
		kind := r.kind
		if orgOrPlace(kind) {
			// Groups join only within a class, so one of a class's kinds
			// has most mentions; ties go to the first seen.
			kind = r.setKind
			if r.kinds[1] > r.kinds[2] {
				kind = digest.Organization
			} else if r.kinds[2] > r.kinds[1] {
				kind = digest.Place
			}
		}
		// A variant of the other kind may name it: "The Hague" is
		// "Hague" as an organisation.
		name := r.display()
		if r.kinds[1] > 0 && r.kinds[2] > 0 {
			if c := canonical(kind, name, table); c != "" {
				name = c
			}
		}
		out = append(out, digest.Entity{Name: name, Kind: kind, Count: r.count})
		firsts = append(firsts, r.first)
	}
	sort.Stable(byCount{out, firsts})
	return out
}

// byCount orders entities by decreasing count, then by first appearance.
type byCount struct {
	es     []digest.Entity
	firsts []int32
}

func (b byCount) Len() int { return len(b.es) }
func (b byCount) Less(i, j int) bool {
	if b.es[i].Count != b.es[j].Count {
		return b.es[i].Count > b.es[j].Count
	}
	return b.firsts[i] < b.firsts[j]
}
func (b byCount) Swap(i, j int) {
	b.es[i], b.es[j] = b.es[j], b.es[i]
	b.firsts[i], b.firsts[j] = b.firsts[j], b.firsts[i]
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
func (g *group) bestVariant() variant {
	best := g.v0
	if len(g.more) == 0 {
		return best
	}
	rb := caseRank(best.name)
	for _, v := range g.more {
		if rv := caseRank(v.name); rv < rb ||
			rv == rb && (v.count > best.count || v.count == best.count && v.name < best.name) {
			best, rb = v, rv
		}
	}
	return best
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

func (u *union) find(i int) int {
	for int(u.gs[i].parent) != i {
		u.gs[i].parent = u.gs[u.gs[i].parent].parent
		i = int(u.gs[i].parent)
	}
	return i
}

// join makes the set of child part of the set of root.
func (u *union) join(child, root int) {
	c, r := u.find(child), u.find(root)
	if c != r {
		u.gs[c].parent = int32(r)
	}
}

func orgOrPlace(k digest.EntityKind) bool { return k == digest.Organization || k == digest.Place }

// institutions are the words of "University of X" and "X University".
var institutions = []struct{ prefix, suffix string }{
	{"university of ", " university"}, {"college of ", " college"}, {"institute of ", " institute"},
}

// universities joins "University of X" and "X University" (and the same
// for colleges and institutes) when both are in the list. The one more
// mentioned names them, "University of X" on a tie.
func (u *union) universities() {
	type place struct{ inst, x string }
	var seen map[place]int
	for i := range u.gs {
		g := &u.gs[i]
		if !orgOrPlace(g.kind) || g.nwords < 2 {
			continue
		}
		var k place
		of := false
		for _, in := range institutions {
			if rest, ok := strings.CutPrefix(g.key, in.prefix); ok && rest != "" {
				k, of = place{in.prefix, rest}, true
				break
			}
			if rest, ok := strings.CutSuffix(g.key, in.suffix); ok && rest != "" {
				k = place{in.prefix, rest}
				break
			}
		}
		if k.inst == "" {
			continue
		}
		if seen == nil {
			seen = map[place]int{}
		}
		j, ok := seen[k]
		if !ok {
			seen[k] = i
			continue
		}
		if g.count > u.gs[j].count || g.count == u.gs[j].count && of {
			u.join(j, i)
			seen[k] = i
		} else {
			u.join(i, j)
		}
	}
}

// acronyms joins an organisation written as one word of capitals ("EU",
// "U.N.") to the one organisation or place of the list whose capitalised
// words it abbreviates, unless the gazetteer knows the short form as a
// place ("US" is not "United Steelworkers").
func (u *union) acronyms(places placeTable) {
	var shorts map[string]int
	for i := range u.gs {
		g := &u.gs[i]
		if g.kind != digest.Organization || g.nwords != 1 {
			continue
		}
		if n := len(g.key); n >= 2 && n <= maxAcronym && isAcronym(g.display()) {
			if shorts == nil {
				shorts = map[string]int{}
			}
			shorts[g.key] = i
		}
	}
	if shorts == nil {
		return
	}
	var index *multiIndex
	var buf [maxAcronym]byte
	for i := range u.gs {
		g := &u.gs[i]
		// Roots only: a name joined to another is known by the other's
		// initials.
		if !orgOrPlace(g.kind) || g.nwords < 2 || g.nwords > maxNameWords || u.find(i) != i {
			continue
		}
		if a, ok := initials(&buf, g.display()); ok {
			if _, ok := shorts[string(a)]; ok {
				if index == nil {
					index = newMultiIndex(4)
				}
				index.add(string(a), i)
			}
		}
	}
	u.joinShorts(shorts, index, places)
}

// maxAcronym is the longest acronym folded into its expansion.
const maxAcronym = 6

// isAcronym reports whether a word is capital letters, dots aside.
func isAcronym(w string) bool {
	n := 0
	for _, r := range w {
		switch {
		case r == '.':
		case unicode.IsUpper(r):
			n++
		default:
			return false
		}
	}
	return n >= 2
}

// initials writes into buf the lower-case initials of a name's
// capitalised words ("European Central Bank" → "ecb", "Bank of England" →
// "be"), as acronym does; false when there are fewer than two or more than
// fit, or one is not ASCII.
func initials(buf *[maxAcronym]byte, name string) ([]byte, bool) {
	n := 0
	for w := range strings.FieldsSeq(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			continue
		}
		if r >= utf8.RuneSelf || n == len(buf) {
			return nil, false
		}
		buf[n] = byte(unicode.ToLower(r))
		n++
	}
	return buf[:n], n >= 2
}

// multiIndex maps keys to groups in one map and one slice, without a
// slice per key.
type multiIndex struct {
	head  map[string]int32 // key → 1 + position in links of its last entry
	links []indexLink
}

type indexLink struct {
	group int32
	next  int32 // 1 + position of the key's previous entry, 0 at the end
}

func newMultiIndex(n int) *multiIndex {
	return &multiIndex{head: make(map[string]int32, n), links: make([]indexLink, 0, n)}
}

func (m *multiIndex) add(k string, g int) {
	h := m.head[k]
	if h > 0 && m.links[h-1].group == int32(g) {
		return
	}
	m.links = append(m.links, indexLink{int32(g), h})
	m.head[k] = int32(len(m.links))
}

// uniqueRoot returns the one root that the groups under k other than self
// belong to, and false when there is none or more than one.
func (u *union) uniqueRootIn(m *multiIndex, k string, self int) (int, bool) {
	root := -1
	for h := m.head[k]; h > 0; h = m.links[h-1].next {
		c := int(m.links[h-1].group)
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

// people joins a person's name to the one longer name of the list that
// contains it as a run of words ("Xi" → "Xi Jinping", "Amara" → "Amara
// Velasquez") or, for names of three words and more, as the first and last
// ("Hillary Clinton" → "Hillary Rodham Clinton"). Longer names are settled
// first, so that both of those count as one candidate for "Clinton".
func (u *union) people(people int) {
	names := make([]int, 0, people)
	index := newMultiIndex(3 * people)
	var starts [maxNameWords + 1]int
	for i := range u.gs {
		g := &u.gs[i]
		if g.kind != digest.Person {
			continue
		}
		names = append(names, i)
		w := int(g.nwords)
		if w < 2 || w > maxNameWords {
			continue
		}
		// Runs of words are substrings of the key, which has one space
		// between words: no string is built.
		j := 0
		for p := 0; p < len(g.key); p++ {
			if g.key[p] == ' ' {
				j++
				starts[j] = p + 1
			}
		}
		starts[w] = len(g.key) + 1
		for n := 1; n < w; n++ {
			for s := 0; s+n <= w; s++ {
				index.add(g.key[starts[s]:starts[s+n]-1], i)
			}
		}
		if w >= 3 {
			index.add(g.key[:starts[1]]+g.key[starts[w-1]:], i)
		}
	}
	// Longest first, then in order of appearance.
	slices.SortStableFunc(names, func(a, b int) int { return int(u.gs[b].nwords - u.gs[a].nwords) })
	for _, i := range names {
		g := &u.gs[i]
		if g.nwords > maxNameWords || g.nwords == 1 && utf8.RuneCountInString(g.key) < 2 {
			continue
		}
		if r, ok := u.uniqueRootIn(index, g.key, i); ok {
			u.join(i, r)
		}
	}
}

// surnames joins a one-word organisation or place to the one person of the
// list whose name has it after the first word, as the tagger does within
// an article ("Velasquez said" tagged as an organisation beside "Amara
// Velasquez"), unless the gazetteer knows the word as a place ("Jordan"
// beside "Michael Jordan") or it is written in capitals.
func (u *union) surnames(places placeTable) {
	var words map[string]bool
	for i := range u.gs {
		g := &u.gs[i]
		if !orgOrPlace(g.kind) || g.nwords != 1 || utf8.RuneCountInString(g.key) < 2 ||
			isUpperText(g.display()) || u.find(i) != i {
			continue
		}
		if words == nil {
			words = map[string]bool{}
		}
		words[g.key] = true
	}
	if words == nil {
		return
	}
	var index *multiIndex
	for j := range u.gs {
		p := &u.gs[j]
		if p.kind != digest.Person || p.nwords < 2 || p.nwords > maxNameWords {
			continue
		}
		_, rest, _ := strings.Cut(p.key, " ")
		for w := range strings.SplitSeq(rest, " ") {
			if words[w] {
				if index == nil {
					index = newMultiIndex(4)
				}
				index.add(w, j)
			}
		}
	}
	if index == nil {
		return
	}
	for i := range u.gs {
		g := &u.gs[i]
		if g.nwords != 1 || !orgOrPlace(g.kind) || !words[g.key] || index.head[g.key] == 0 {
			continue
		}
		if gz := places(); gz != nil && len(gz.Lookup(g.display())) > 0 {
			continue
		}
		if r, ok := u.uniqueRootIn(index, g.key, i); ok {
			u.join(i, r)
		}
	}
}

// clubWords name sports clubs beside a place: "Dunmere Athletic",
// "Harbour Rovers", "Lindenfeld City".
var clubWords = map[string]bool{
	"athletic": true, "city": true, "united": true, "rovers": true, "rangers": true, "wanderers": true,
	"town": true, "county": true, "albion": true, "hotspur": true, "fc": true, "afc": true, "cf": true,
}

// clubs joins a one-word organisation to the one club of the list it
// shortens, as match reports do: the place of "X Athletic" ("Dunmere" →
// "Dunmere Athletic") or the club word of "X Rovers" ("Rovers" → "Harbour
// Rovers"). A word the gazetteer knows as a place is left alone
// ("Manchester" is not "Manchester United").
func (u *union) clubs(places placeTable) {
	var shorts map[string]int
	for i := range u.gs {
		g := &u.gs[i]
		if g.kind != digest.Organization || g.nwords != 1 || isUpperText(g.display()) || u.find(i) != i {
			continue
		}
		if shorts == nil {
			shorts = map[string]int{}
		}
		shorts[g.key] = i
	}
	if shorts == nil {
		return
	}
	var index *multiIndex
	for i := range u.gs {
		g := &u.gs[i]
		if g.kind != digest.Organization || g.nwords < 2 || g.nwords > 4 || u.find(i) != i {
			continue
		}
		first, rest, _ := strings.Cut(g.key, " ")
		last := g.key[strings.LastIndexByte(g.key, ' ')+1:]
		if clubWords[first] {
			continue
		}
		for _, short := range [2]string{first, last} {
			if short == first && !clubWords[rest] || short == last && !clubWords[last] {
				continue // "Dunmere" of "Dunmere Athletic", "Rovers" of "Harbour Rovers"
			}
			if _, ok := shorts[short]; ok {
				if index == nil {
					index = newMultiIndex(4)
				}
				index.add(short, i)
			}
		}
	}
	u.joinShorts(shorts, index, places)
}

// joinShorts joins each short form (shorts: key -> its group) into the one
// group index names for it, unless the short form is a known place.
func (u *union) joinShorts(shorts map[string]int, index *multiIndex, places placeTable) {
	if index == nil {
		return
	}
	for i := range u.gs {
		k := u.gs[i].key
		if j, ok := shorts[k]; !ok || j != i || index.head[k] == 0 {
			continue
		}
		if g := places(); g != nil && len(g.Lookup(u.gs[i].display())) > 0 {
			continue
		}
		if r, ok := u.uniqueRootIn(index, k, i); ok {
			u.join(i, r)
		}
	}
}
