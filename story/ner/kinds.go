package ner

import (
	"strings"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/gazetteer"
)

// The model decides a mention's kind from the words around it in one
// sentence; a reader decides from what the name is and from the rest of the
// article. kindOf and fixKinds add that knowledge after tagging. They change
// Mentions and Entities only, never TagTokens or TagDocument (the CoNLL
// output).

// streetWords end the names of streets, squares, bridges and other places
// built or named on a map: "Market Street" is a place, never a person.
var streetWords = map[string]bool{
	"street": true, "st": true, "road": true, "rd": true, "avenue": true, "ave": true, "lane": true,
	"boulevard": true, "blvd": true, "square": true, "bridge": true, "quay": true, "embankment": true,
	"highway": true, "motorway": true, "terrace": true, "crescent": true, "alley": true, "parkway": true,
	"airport": true, "station": true, "harbour": true, "harbor": true, "park": true, "valley": true,
	"river": true, "lake": true, "island": true, "islands": true, "mountains": true, "beach": true,
	"bay": true, "falls": true, "heights": true,
}

// buildingWords end the names of institutions and companies: "Riverton
// Library" and "Calder Rail" are organisations, never people.
var buildingWords = map[string]bool{
	"library": true, "museum": true, "hospital": true, "school": true, "college": true,
	"university": true, "academy": true, "church": true, "cathedral": true, "mosque": true,
	"synagogue": true, "temple": true, "hall": true, "theatre": true, "theater": true, "gallery": true,
	"centre": true, "center": true, "institute": true, "council": true, "court": true, "prison": true,
	"zoo": true, "hotel": true, "clinic": true, "stadium": true, "arena": true, "observatory": true,
	"survey": true, "agency": true, "authority": true, "ministry": true, "department": true,
	"company": true, "bank": true, "group": true, "union": true, "party": true, "association": true,
	"foundation": true, "society": true, "committee": true, "commission": true, "board": true,
	"office": true, "police": true, "service": true, "services": true, "news": true, "times": true,
	"post": true, "herald": true, "journal": true, "press": true, "radio": true, "tv": true,
	"rail": true, "railway": true, "railways": true, "airlines": true, "airways": true, "motors": true,
	"energy": true, "media": true, "network": true, "transport": true, "telecom": true, "holdings": true,
	"partners": true, "capital": true, "systems": true, "technologies": true, "labs": true,
	"studios": true, "records": true, "insurance": true, "electric": true, "steel": true, "mining": true,
	"foods": true, "brewery": true, "pharmaceuticals": true, "bancorp": true, "trust": true, "fund": true,
}

// roleWords are written before a person's name as their job or role
// ("union leader Greta Holm", "florist Annika Deel"); an organisation's
// name rarely follows one.
var roleWords = map[string]bool{
	"leader": true, "spokesman": true, "spokeswoman": true, "spokesperson": true, "chief": true,
	"director": true, "manager": true, "captain": true, "coach": true, "councillor": true,
	"councilman": true, "councilwoman": true, "master": true, "minister": true, "secretary": true,
	"chairman": true, "chairwoman": true, "chair": true, "founder": true, "owner": true, "striker": true,
	"midfielder": true, "defender": true, "goalkeeper": true, "forward": true, "winger": true,
	"player": true, "actor": true, "actress": true, "singer": true, "author": true, "writer": true,
	"officer": true, "commander": true, "executive": true, "boss": true, "teacher": true, "doctor": true,
	"nurse": true, "farmer": true, "resident": true, "shopkeeper": true, "fisherman": true,
	"driver": true, "student": true, "colleague": true, "wife": true, "husband": true, "son": true,
	"daughter": true, "brother": true, "sister": true, "mother": true, "father": true, "mayor": true,
	"president": true, "senator": true, "governor": true, "judge": true, "lawyer": true,
	"attorney": true, "professor": true, "economist": true, "analyst": true, "researcher": true,
	"scientist": true, "seismologist": true, "florist": true, "journalist": true, "novelist": true,
	"artist": true, "activist": true, "candidate": true, "challenger": true, "rival": true,
	"opponent": true, "deputy": true, "ceo": true, "cfo": true, "chef": true, "baker": true,
	"photographer": true, "reporter": true, "editor": true, "correspondent": true, "inspector": true,
	"detective": true, "sergeant": true, "constable": true, "bishop": true, "rabbi": true, "imam": true,
	"ambassador": true, "envoy": true, "premier": true, "chancellor": true, "host": true,
	"presenter": true,
}

// placeAfter are words after a name that make it a place: its council,
// its mayor, its waterfront ("Lindenfeld's city council", "Port Alder
// harbour").
var placeAfter = map[string]bool{
	"council": true, "mayor": true, "residents": true, "harbour": true, "harbor": true,
	"waterfront": true, "townhall": true, "suburbs": true, "outskirts": true, "old": true,
	"city": true, "town": true, "streets": true, "citizens": true, "inhabitants": true,
	"region": true, "province": true, "county": true, "district": true, "valley": true,
}

// placeBefore are words before a name that make it a place ("the coast
// of Port Alder", "the city of Lindenfeld", "the mayor of X").
var placeBefore = map[string]bool{
	"city": true, "town": true, "village": true, "coast": true, "outskirts": true, "suburbs": true,
	"mayor": true, "streets": true, "residents": true, "port": true, "capital": true,
}

// mention is a tagged span before its name is resolved.
type mention struct {
	toks   []Token
	kind   digest.EntityKind
	caps   bool    // in a sentence written in capitals
	sent   []Token // its sentence
	start  int     // index of toks[0] in sent (after trimming)
	titled bool    // a title or honorific precedes or opens it
}

func lowerTok(t Token) string {
	return strings.TrimSuffix(strings.ToLower(t.Text), ".")
}

// lastWord is the mention's last word, lower-cased.
func (m *mention) lastWord() string { return lowerTok(m.toks[len(m.toks)-1]) }

// before returns the lower-cased word k tokens before the mention, "" at
// the sentence start.
func (m *mention) before(k int) string {
	if m.start-k < 0 {
		return ""
	}
	return lowerTok(m.sent[m.start-k])
}

// after returns the lower-cased word k tokens after the mention, "" at the
// sentence end.
func (m *mention) after(k int) string {
	i := m.start + len(m.toks) - 1 + k
	if i >= len(m.sent) {
		return ""
	}
	return lowerTok(m.sent[i])
}

// personLike reports whether a mention of two or three words could be a
// person's name: every word capitalised, none a street's, an institution's,
// a club's or a legal form's.
func (m *mention) personLike() bool {
	if len(m.toks) < 2 || len(m.toks) > 3 {
		return false
	}
	for _, t := range m.toks {
		w := lowerTok(t)
		if !isTitleWord(t.Text) || streetWords[w] || buildingWords[w] || clubWords[w] || designators[w] {
			return false
		}
	}
	return true
}

func isTitleWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r) && utf8.RuneCountInString(s) > 1
}

// fixKinds corrects the kinds of a text's mentions with what the name is
// and what the text says elsewhere:
//   - a name ending in a street word is a place, one ending in an
//     institution's word is not a person ("Market Street", "Riverton
//     Library");
//   - a name the gazetteer knows as a city or country, tagged as an
//     organisation, is the place;
//   - a two- or three-word name after a role ("union leader Greta Holm")
//     is a person; so is one whose last word the text uses alone for a
//     person ("Helga Stroud" … "Ms Stroud");
//   - a one-word person that opens a place's or an organisation's name in
//     the text ("the Ashby valley" beside "Ashby Falls", "the Calder
//     region" beside "Calder Rail") is not a person but of that kind, or a
//     place where the text writes it as one;
//   - a name the text writes as a place ("the coast of Port Alder",
//     "Lindenfeld's city council") is a place wherever it appears, unless
//     it is a person's.
func (t *Tagger) fixKinds(ms []mention) {
	surnames := map[string]bool{} // one-word people, by title or tag
	placeCue := map[string]bool{}
	for i := range ms {
		m := &ms[i]
		last := m.lastWord()
		switch {
		case streetWords[last] && len(m.toks) > 1:
			m.kind = digest.Place
		case buildingWords[last] && len(m.toks) > 1 && m.kind == digest.Person:
			m.kind = digest.Organization
		case m.kind == digest.Organization && t.gazPlace(m):
			m.kind = digest.Place
		case m.kind != digest.Person && !m.titled && m.personLike() && (roleWords[m.before(1)] || m.before(1) == "," && roleWords[m.before(2)]):
			m.kind = digest.Person
		}
		if m.kind == digest.Person && len(m.toks) == 1 {
			surnames[last] = true
		}
		if t.placeContext(m) {
			placeCue[foldTokens(m.toks)] = true
		}
	}
	placeFirst := map[string]digest.EntityKind{} // first words of places' and organisations' names
	for i := range ms {
		if m := &ms[i]; m.kind != digest.Person && len(m.toks) > 1 {
			if w := lowerTok(m.toks[0]); placeFirst[w] != digest.Place {
				placeFirst[w] = m.kind
			}
		}
	}
	people := map[string]bool{}
	for i := range ms {
		m := &ms[i]
		if m.kind != digest.Person && !m.titled && m.personLike() && surnames[m.lastWord()] {
			m.kind = digest.Person
		}
		if k := placeFirst[m.lastWord()]; m.kind == digest.Person && len(m.toks) == 1 && !m.titled && k != "" && !inPersonName(ms, m.lastWord()) {
			m.kind = k // "Calder" beside "Calder Rail", "Ashby" beside "Ashby Falls"
			if placeCue[foldTokens(m.toks)] {
				m.kind = digest.Place // "the Calder region"
			}
		}
		if m.kind == digest.Person {
			people[foldTokens(m.toks)] = true
		}
	}
	for i := range ms {
		m := &ms[i]
		k := foldTokens(m.toks)
		if m.kind == digest.Organization && placeCue[k] && !people[k] {
			m.kind = digest.Place
		}
	}
}

// gazPlace reports whether a mention is, word for word, a city or country
// of the gazetteer ("Paris", "New York"), not a longer name that starts
// with one.
func (t *Tagger) gazPlace(m *mention) bool {
	if len(m.toks) > 4 {
		return false
	}
	name := surfaceTokens(m.toks)
	if isLowerStart(name) || clubWords[m.lastWord()] {
		return false
	}
	for _, n := range t.gaz.Lookup(name) {
		switch n.Kind {
		case gazetteer.CountryName, gazetteer.CapitalName, gazetteer.CityName:
			return true
		}
	}
	return false
}

func isOpenQuote(w string) bool {
	switch w {
	case "\"", "'", "“", "‘", "(", "``", "--", "-", "—", ":":
		return true
	}
	return false
}

// placeContext reports whether the words around a mention make it a
// place: "the coast of X", "X's city council", "X harbour".
func (t *Tagger) placeContext(m *mention) bool {
	if m.caps {
		return false
	}
	if placeAfter[afterPossessive(m)] {
		return true
	}
	return m.before(1) == "of" && placeBefore[m.before(2)] && m.before(3) != "'s"
}

func surfaceTokens(toks []Token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.Text
	}
	return strings.Join(parts, " ")
}

// commonWordPlace reports whether a one-word place is an ordinary word that
// the gazetteer lists under another spelling or as a native name: "Island"
// opening a headline is not Iceland (whose list of names holds "Ísland").
// A word spelt as the place's own name ("Turkey", "Chad") stays a place, and
// so does one inside a sentence, where its capital says it is a name.
func (t *Tagger) commonWordPlace(m *mention) bool {
	if m.kind != digest.Place || len(m.toks) != 1 {
		return false
	}
	w := m.toks[0].Text
	lw := strings.ToLower(w)
	if t.m.Capitalised(lw) || m.start > 0 && !m.caps && !isOpenQuote(m.before(1)) {
		return false
	}
	c, ok := t.gaz.Canonical(w)
	return ok && !strings.EqualFold(c, w)
}

// untaggedPlaces finds the places the model left untagged that a reader
// knows by their form: a run of capitalised words ending in a street word
// ("Market Street"), and a capitalised word the text never writes in lower
// case followed by a place's council, mayor or waterfront ("Lindenfeld's
// city council", often at the start of a sentence where the model has
// no capital to go by).
func untaggedPlaces(text string, sents [][]Token, tags [][]string) []mention {
	var lower map[string]bool // words the text writes in lower case
	var out []mention
	for si, s := range sents {
		if len(s) > 0 && allCaps(texts(s)) {
			continue
		}
		for i := 0; i < len(s); {
			if tags[si][i] != "O" || !isTitleWord(s[i].Text) {
				i++
				continue
			}
			j := i
			for j < len(s) && tags[si][j] == "O" && isTitleWord(s[j].Text) {
				j++
			}
			m := mention{toks: s[i:j], kind: digest.Place, sent: s, start: i}
			switch {
			case j-i >= 2 && j-i <= 4 && streetWords[m.lastWord()]:
				out = append(out, m)
			case j-i <= 2 && placeAfter[afterPossessive(&m)] && !titles[lowerTok(s[i])] && !openers[lowerTok(s[i])]:
				if lower == nil {
					lower = map[string]bool{}
					for _, t := range Tokenize(text) {
						if r, _ := utf8.DecodeRuneInString(t.Text); unicode.IsLower(r) {
							lower[t.Text] = true
						}
					}
				}
				known := false
				for _, t := range m.toks {
					known = known || lower[strings.ToLower(t.Text)] || streetWords[lowerTok(t)] || buildingWords[lowerTok(t)]
				}
				if !known {
					out = append(out, m)
				}
			}
			i = j
		}
	}
	return out
}

// afterPossessive is the word after a mention, or after its "'s".
func afterPossessive(m *mention) string {
	a := m.after(1)
	if a == "'s" || a == "’s" {
		a = m.after(2)
	}
	return a
}

// bylineWords may appear in a byline beside the names ("By Lena Okafor and
// Ada Lindqvist, staff reporters · Updated 5 December").
var bylineWords = map[string]bool{
	"and": true, "in": true, "staff": true, "reporter": true, "reporters": true, "correspondent": true,
	"editor": true, "writer": true, "updated": true, "published": true, "posted": true, "am": true,
	"pm": true, "at": true, "on": true, "for": true, "the": true, "of": true, "with": true,
}

// byline reports whether a sentence is an article's byline or credit line
// ("By Lena Okafor", "BY LENA OKAFOR · 5 December 2026", "Reporting by Jan
// Strupczewski; Editing by Alex Richardson"): the names in it are the
// article's authors, not what it is about.
func byline(s []Token) bool {
	if len(s) < 2 {
		return false
	}
	for i := 0; i+1 < len(s); i++ {
		w, next := lowerTok(s[i]), lowerTok(s[i+1])
		if next == "by" && (w == "reporting" || w == "editing" || w == "writing" || w == "compiled" || w == "photographs" || w == "photos") {
			return true
		}
	}
	if lowerTok(s[0]) != "by" || len(s) > 24 || !isTitleWord(s[1].Text) {
		return false
	}
	for _, t := range s[1:] {
		r, _ := utf8.DecodeRuneInString(t.Text)
		if unicode.IsLower(r) && !bylineWords[lowerTok(t)] {
			return false
		}
	}
	return true
}

// openers are words that open sentences and are never names on their own:
// "Several residents said…" does not name a place.
var openers = map[string]bool{
	"several": true, "many": true, "some": true, "most": true, "few": true, "both": true, "each": true,
	"every": true, "all": true, "other": true, "another": true, "such": true, "more": true, "fewer": true,
	"no": true, "none": true, "nearly": true, "almost": true, "about": true, "around": true, "only": true,
	"just": true, "even": true, "still": true, "now": true, "today": true, "yesterday": true,
	"tomorrow": true, "later": true, "earlier": true, "meanwhile": true, "however": true, "officials": true,
	"residents": true, "engineers": true, "scientists": true, "researchers": true, "police": true,
	"critics": true, "supporters": true, "opponents": true, "experts": true, "analysts": true,
}

// opener reports whether a one-word mention is a sentence's ordinary first
// word ("Several", "Officials") that the model took for a name.
func opener(m *mention) bool {
	return len(m.toks) == 1 && openers[lowerTok(m.toks[0])]
}

// inPersonName reports whether a word is the last word of a person's name
// of two or more words among ms ("Holm" of "Greta Holm").
func inPersonName(ms []mention, w string) bool {
	for i := range ms {
		if ms[i].kind == digest.Person && len(ms[i].toks) > 1 && ms[i].lastWord() == w {
			return true
		}
	}
	return false
}

// phrasePrepositions, inside a tagged span, mean the model took a phrase
// for a name: "Traffic on Market Street" is "Market Street". Names keep
// their own small words ("Bank of England", "Newcastle upon Tyne").
var phrasePrepositions = map[string]bool{
	"on": true, "in": true, "at": true, "along": true, "near": true, "to": true, "from": true,
	"with": true, "by": true, "into": true, "onto": true, "outside": true, "inside": true,
	"across": true, "through": true, "after": true, "before": true,
}

// trimPhrase drops the words of a span up to its last preposition that a
// name would not hold.
func trimPhrase(toks []Token) []Token {
	for i := len(toks) - 2; i > 0; i-- {
		if phrasePrepositions[toks[i].Text] {
			return toks[i+1:]
		}
	}
	return toks
}
