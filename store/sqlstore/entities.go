package sqlstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/ner"
)

// This file finds an entity under any of its stored spellings. Stories
// store each entity under the name their articles gave it; across stories
// one entity has several names ("NATO", "Nato"; "Donald J. Trump",
// "Donald Trump"; "Xi", "Xi Jinping") and, for organisations and places,
// sometimes either kind. An entity page gathers them:
//
//   - rows with the same ner.Key (case, punctuation, possessives, titles,
//     legal forms, the gazetteer's place names; organisations and places
//     share keys);
//   - a person's names that differ only by middle initials, when only one
//     such variant is stored ("Donald J. Trump" and "Donald Trump", but
//     not "George W. Bush" beside "George H. W. Bush");
//   - a one-word person ("Xi") and the one full name stored whose first or
//     last word it is ("Xi Jinping"); when two full names have it
//     ("Clinton": "Hillary Clinton", "Bill Clinton"), it stays on its own.
//
// Two different full names are never one entity, whatever they share.

// entityKeys are the lookup columns of one entities row.
type entityKeys struct {
	key   string // ner.Key(kind, name)
	base  string // key without a person's middle initials
	first string // for a person of two words or more: key of base's first word
	last  string // and of its last word, a generational suffix aside
}

// generational suffixes end a person's name without being a surname:
// "Donald Trump Jr." is not "Trump" of another first name.
var generational = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true}

// personPrefix is the class of a person's key (see ner.Key).
const personPrefix = "P:"

func keysOf(kind digest.EntityKind, name string) entityKeys {
	k := ner.Key(kind, name)
	ek := entityKeys{key: k, base: k}
	rest, ok := strings.CutPrefix(k, personPrefix)
	if !ok || kind != digest.Person || !strings.Contains(rest, " ") {
		return ek
	}
	words := strings.Split(rest, " ")
	// Middle initials: one-letter words between a first word of several
	// letters and the last ("j" of "donald j trump"); "j k rowling" keeps
	// its initials, which are its first name.
	if utf8.RuneCountInString(words[0]) > 1 && len(words) > 2 {
		kept := words[:1]
		for _, w := range words[1 : len(words)-1] {
			if utf8.RuneCountInString(w) > 1 {
				kept = append(kept, w)
			}
		}
		kept = append(kept, words[len(words)-1])
		words = kept
		ek.base = personPrefix + strings.Join(words, " ")
	}
	last := len(words) - 1
	for last > 1 && generational[words[last]] {
		last--
	}
	// A one-letter word ("J" of "J K Rowling") is no one's one-word name.
	if utf8.RuneCountInString(words[0]) > 1 {
		ek.first = personPrefix + words[0]
	}
	if last > 0 && utf8.RuneCountInString(words[last]) > 1 {
		ek.last = personPrefix + words[last]
	}
	return ek
}

// backfillEntityKeys fills the lookup columns of every entity, in the
// migration that adds them.
func backfillEntityKeys(ctx context.Context, tx *sql.Tx, d *Dialect) error {
	_, err := rekeyEntities(ctx, tx, d)
	return err
}

// rekeyEntities recomputes the lookup columns of every entity and writes
// those that changed; it returns how many did.
func rekeyEntities(ctx context.Context, tx *sql.Tx, d *Dialect) (int, error) {
	type row struct {
		id         int64
		kind, name string
		keys       entityKeys
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, kind, name, name_key, base_key, first_word, last_word FROM entities`)
	if err != nil {
		return 0, err
	}
	var stale []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.kind, &r.name, &r.keys.key, &r.keys.base, &r.keys.first, &r.keys.last); err != nil {
			rows.Close()
			return 0, err
		}
		if ek := keysOf(digest.EntityKind(r.kind), r.name); ek != r.keys {
			r.keys = ek
			stale = append(stale, r)
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(stale) == 0 {
		return 0, nil
	}
	stmt, err := tx.PrepareContext(ctx, d.rebind(`UPDATE entities SET name_key = ?, base_key = ?, first_word = ?, last_word = ? WHERE id = ?`))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for _, r := range stale {
		if _, err := stmt.ExecContext(ctx, r.keys.key, r.keys.base, r.keys.first, r.keys.last, r.id); err != nil {
			return 0, err
		}
	}
	return len(stale), nil
}

// entityKeyProbes stand for the rules of the key function: names whose
// keys change when a rule does (titles, possessives, legal forms, the
// gazetteer's names and demonyms, middle initials, suffixes). A change to
// ner.Key or keysOf that none of them shows must add one, or stored keys
// stay those of the old rules.
var entityKeyProbes = [...]struct {
	kind digest.EntityKind
	name string
}{
	{digest.Person, "Mr Xi"}, {digest.Person, "President Donald J. Trump"}, {digest.Person, "Dr. Amara Velasquez's"},
	{digest.Person, "George H. W. Bush"}, {digest.Person, "J. K. Rowling"}, {digest.Person, "Donald Trump Jr."},
	{digest.Person, "Prime Minister Keir Starmer"}, {digest.Person, "Sheikh Tamim bin Hamad Al Thani"},
	{digest.Person, "Ségolène Royal"}, {digest.Person, "Xi"},
	{digest.Organization, "Apple Inc."}, {digest.Organization, "the Apple, Inc.'s"}, {digest.Organization, "N.A.T.O."},
	{digest.Organization, "University of Calder"}, {digest.Organization, "Volkswagen AG"}, {digest.Organization, "Farmers'"},
	{digest.Organization, "Dunmere Athletic"}, {digest.Organization, "The Hague"},
	{digest.Place, "U.S."}, {digest.Place, "French"}, {digest.Place, "UK"}, {digest.Place, "the Netherlands"},
	{digest.Place, "Côte d'Ivoire"}, {digest.Place, "Lindenfeld"}, {digest.Place, "New York City"}, {digest.Place, "Chinese"},
	{digest.Misc, "Olympics"}, {digest.Misc, "“World Cup”"}, {digest.Misc, "COVID-19"},
}

// entityKeyFingerprint is the fingerprint of the key function: a hash of
// the probes' keys.
func entityKeyFingerprint() string {
	h := sha256.New()
	for _, p := range entityKeyProbes {
		ek := keysOf(p.kind, p.name)
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\n", p.kind, p.name, ek.key, ek.base, ek.first, ek.last)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RefreshEntityKeys recomputes the entities' lookup columns when the key
// function's fingerprint differs from the one stored with them (a new
// version changed how names are keyed), in one transaction on db, and
// returns how many rows changed. Open calls it after migrating; it costs
// one query when nothing changed.
func RefreshEntityKeys(ctx context.Context, db *sql.DB, d *Dialect) (int, error) {
	fp := entityKeyFingerprint()
	var stored string
	err := db.QueryRowContext(ctx, `SELECT fingerprint FROM entity_keys_version WHERE id = 1`).Scan(&stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("refresh entity keys: %w", err)
	}
	if stored == fp {
		return 0, nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("refresh entity keys: %w", err)
	}
	defer tx.Rollback()
	n, err := rekeyEntities(ctx, tx, d)
	if err != nil {
		return 0, fmt.Errorf("refresh entity keys: %w", err)
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO entity_keys_version (id, fingerprint) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint`), fp); err != nil {
		return 0, fmt.Errorf("refresh entity keys: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("refresh entity keys: %w", err)
	}
	return n, nil
}

// entityRow is one stored spelling of an entity and its mentions.
type entityRow struct {
	digest.Entity
	entityKeys
	stories int
}

const entityRowCols = `id, kind, name, name_key, base_key, first_word, last_word`

func (s *Store) entityRows(ctx context.Context, where string, args ...any) ([]entityRow, error) {
	rows, err := s.query(ctx, `SELECT `+entityRowCols+` FROM entities WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entityRow
	for rows.Next() {
		var r entityRow
		var kind string
		if err := rows.Scan(&r.ID, &kind, &r.Name, &r.key, &r.base, &r.first, &r.last); err != nil {
			return nil, err
		}
		r.Kind = digest.EntityKind(kind)
		out = append(out, r)
	}
	return out, rows.Err()
}

// fullNames counts the distinct people (bases) stored whose first or last
// word is the one-word key w, and returns the base when there is one.
func (s *Store) fullNames(ctx context.Context, w string) (base string, n int, err error) {
	rows, err := s.query(ctx, `SELECT DISTINCT base_key FROM entities WHERE first_word = ? OR last_word = ? LIMIT 2`, w, w)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&base); err != nil {
			return "", 0, err
		}
		n++
	}
	return base, n, rows.Err()
}

// resolveEntity returns the stored spellings of the entity (kind, name)
// names, or none.
func (s *Store) resolveEntity(ctx context.Context, kind digest.EntityKind, name string) ([]entityRow, error) {
	ek := keysOf(kind, name)
	if ek.key == "" {
		return nil, nil
	}
	person := strings.HasPrefix(ek.key, personPrefix)
	base, key := ek.base, ek.key
	alias := person && !strings.Contains(ek.key, " ")
	if alias {
		// A one-word name is the full name of the one person it is part of.
		b, n, err := s.fullNames(ctx, ek.key)
		if err != nil {
			return nil, err
		}
		if n != 1 {
			return s.entityRows(ctx, `name_key = ?`, ek.key)
		}
		base, key = b, b
	}
	group, err := s.entityRows(ctx, `base_key = ?`, base)
	if err != nil || !person {
		return group, err
	}
	// Middle-initial variants are one person only when one variant is
	// stored; otherwise each key is its own, and no one-word name is
	// any of theirs.
	var variants []string
	for _, r := range group {
		if r.key != base && !slices.Contains(variants, r.key) {
			variants = append(variants, r.key)
		}
	}
	if len(variants) > 1 {
		if alias {
			return s.entityRows(ctx, `name_key = ?`, ek.key)
		}
		return slices.DeleteFunc(group, func(r entityRow) bool { return r.key != key }), nil
	}
	// The one-word names that are this person's only.
	var words []string
	for _, r := range group {
		for _, w := range [2]string{r.first, r.last} {
			if w != "" && !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
	}
	for _, w := range words {
		b, n, err := s.fullNames(ctx, w)
		if err != nil {
			return nil, err
		}
		if n != 1 || b != base {
			continue
		}
		more, err := s.entityRows(ctx, `name_key = ?`, w)
		if err != nil {
			return nil, err
		}
		group = append(group, more...)
	}
	return group, nil
}

// kinds are tried in this order when a name is not found under the kind
// asked for.
var entityKinds = [...]digest.EntityKind{digest.Person, digest.Organization, digest.Place, digest.Misc}

// EntityStories finds the entity that (kind, name) names under any stored
// spelling (see the top of entities.go) and lists up to limit (<= 0: 50)
// stories that name it, last seen first. Its spellings come canonical
// first: the kind of most of its mentions, and of that kind the name most
// mentioned (for a person, a full name before a one-word one), ties going
// to a capitalised name, then byte order; each with its ID and Count, its
// mentions in all stories. A name found under no entity of kind but
// under exactly one of another kind names that one. EINVALID for an
// unknown kind or a name without a letter or digit; ENOTFOUND when no
// stored entity has the name.
func (s *Store) EntityStories(ctx context.Context, userID int64, kind digest.EntityKind, name string, limit int) ([]digest.Entity, []digest.Story, error) {
	if !slices.Contains(entityKinds[:], kind) {
		return nil, nil, digest.Errorf(digest.EINVALID, "unknown entity kind %q", clipText(string(kind), 20))
	}
	name = strings.TrimSpace(clean(name))
	if ner.Key(kind, name) == "" {
		return nil, nil, digest.Errorf(digest.EINVALID, "entity name %q has no letter or digit", clipText(name, 40))
	}
	if limit <= 0 {
		limit = 50
	}
	group, err := s.namedInStories(ctx, kind, name)
	if err != nil {
		return nil, nil, wrap("entity stories", err)
	}
	if len(group) == 0 {
		// Another kind, if exactly one entity of the others has the name.
		var found []entityRow
		for _, k := range entityKinds {
			if k == kind {
				continue
			}
			g, err := s.namedInStories(ctx, k, name)
			if err != nil {
				return nil, nil, wrap("entity stories", err)
			}
			if len(g) > 0 && (len(found) == 0 || !sameGroup(found, g)) {
				if len(found) > 0 {
					return nil, nil, digest.Errorf(digest.ENOTFOUND, "%q names several entities of other kinds than %s", clipText(name, 80), kind)
				}
				found = g
			}
		}
		group = found
	}
	if len(group) == 0 {
		return nil, nil, digest.Errorf(digest.ENOTFOUND, "no stories about %s yet", clipText(name, 80))
	}
	ids := make([]int64, len(group))
	for i := range group {
		ids[i] = group[i].ID
	}
	orderSpellings(group)
	spellings := make([]digest.Entity, len(group))
	for i := range group {
		spellings[i] = group[i].Entity
	}
	stories, err := s.recentStories(ctx, userID, ids, limit)
	if err != nil {
		return nil, nil, wrap("entity stories", err)
	}
	if stories == nil {
		stories = []digest.Story{}
	}
	return spellings, stories, nil
}

// recentStories lists the newest limit stories the user sees that name
// any of the entities ids: the newest limit of each (an index range of
// story_entities_recent), merged.
func (s *Store) recentStories(ctx context.Context, userID int64, ids []int64, limit int) ([]digest.Story, error) {
	type ref struct{ id, seen int64 }
	var refs []ref
	for _, id := range ids {
		rows, err := s.query(ctx, `SELECT se.story_id, se.last_seen FROM story_entities se WHERE se.entity_id = ?
			AND EXISTS (SELECT 1 FROM articles sa CROSS JOIN article_states sst
				WHERE sa.story_id = se.story_id AND sst.user_id = ? AND sst.article_id = sa.id AND NOT sst.hidden)
			ORDER BY se.last_seen DESC, se.story_id DESC LIMIT ?`, id, userID, limit)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r ref
			if err := rows.Scan(&r.id, &r.seen); err != nil {
				rows.Close()
				return nil, err
			}
			refs = append(refs, r)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(refs, func(a, b ref) int {
		if a.seen != b.seen {
			return cmp.Compare(b.seen, a.seen)
		}
		return cmp.Compare(b.id, a.id)
	})
	refs = slices.CompactFunc(refs, func(a, b ref) bool { return a.id == b.id })
	refs = refs[:min(len(refs), limit)]
	if len(refs) == 0 {
		return []digest.Story{}, nil
	}
	sids := make([]int64, len(refs))
	for i, r := range refs {
		sids[i] = r.id
	}
	at := make(map[int64]int, len(sids))
	for i, id := range sids {
		at[id] = i
	}
	out := make([]digest.Story, 0, len(sids))
	for _, c := range s.chunks(sids, 0) {
		in, args := inList(c)
		list, err := s.listStories(ctx, "entity stories", userID, `SELECT `+storyCols+` FROM stories st WHERE st.id IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	// In the order of the index, which is the stories' order.
	slices.SortFunc(out, func(a, b digest.Story) int { return at[a.ID] - at[b.ID] })
	return out, nil
}

// namedInStories is resolveEntity without the spellings no story names
// any more (a story's entities are replaced when it is saved again), with
// their mentions counted.
func (s *Store) namedInStories(ctx context.Context, kind digest.EntityKind, name string) ([]entityRow, error) {
	group, err := s.resolveEntity(ctx, kind, name)
	if err != nil || len(group) == 0 {
		return nil, err
	}
	group = dedupRows(group)
	if err := s.countMentions(ctx, group); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(group, func(r entityRow) bool { return r.stories == 0 }), nil
}

func sameGroup(a, b []entityRow) bool {
	for _, x := range a {
		for _, y := range b {
			if x.ID == y.ID {
				return true
			}
		}
	}
	return false
}

func dedupRows(rs []entityRow) []entityRow {
	slices.SortFunc(rs, func(a, b entityRow) int { return int(a.ID - b.ID) })
	return slices.CompactFunc(rs, func(a, b entityRow) bool { return a.ID == b.ID })
}

// countMentions sets the Count (mentions in all stories) and stories of
// each row.
func (s *Store) countMentions(ctx context.Context, rs []entityRow) error {
	at := make(map[int64]int, len(rs))
	ids := make([]int64, len(rs))
	for i := range rs {
		at[rs[i].ID] = i
		ids[i] = rs[i].ID
	}
	for _, c := range s.chunks(ids, 0) {
		in, args := inList(c)
		rows, err := s.query(ctx, `SELECT entity_id, SUM(count), COUNT(*) FROM story_entities
			WHERE entity_id IN (`+in+`) GROUP BY entity_id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var n, st int
			if err := rows.Scan(&id, &n, &st); err != nil {
				rows.Close()
				return err
			}
			r := &rs[at[id]]
			r.Count, r.stories = n, st
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// orderSpellings puts the canonical spelling first, the others after it
// by decreasing mentions.
func orderSpellings(rs []entityRow) {
	byKind := map[digest.EntityKind]int{}
	for _, r := range rs {
		byKind[r.Kind] += max(r.Count, 1)
	}
	kind := rs[0].Kind
	for _, k := range entityKinds {
		if byKind[k] > byKind[kind] {
			kind = k
		}
	}
	rank := func(r entityRow) (int, int, int) {
		k, words := 1, 0
		if r.Kind == kind {
			k = 0
		}
		if strings.HasPrefix(r.key, personPrefix) && !strings.Contains(r.key, " ") {
			words = 1 // a one-word person names the full one only if alone
		}
		return k, words, caseRank(r.Name)
	}
	slices.SortStableFunc(rs, func(a, b entityRow) int {
		ak, aw, ac := rank(a)
		bk, bw, bc := rank(b)
		switch {
		case ak != bk:
			return ak - bk
		case aw != bw:
			return aw - bw
		case a.Count != b.Count:
			return b.Count - a.Count
		case ac != bc:
			return ac - bc
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// caseRank prefers a name written with a capital to one in capitals
// (words longer than an acronym) or in lower case, as ner.Normalize does.
func caseRank(s string) int {
	r, _ := utf8.DecodeRuneInString(s)
	if unicode.IsLower(r) {
		return 2
	}
	for w := range strings.FieldsSeq(s) {
		if utf8.RuneCountInString(w) > 5 && strings.ToUpper(w) == w && strings.ToLower(w) != w {
			return 1
		}
	}
	return 0
}

// insertEntity returns the ID of the entity (kind, name), adding it with
// its lookup keys if new.
func (s *Store) insertEntity(ctx context.Context, tx *sql.Tx, kind digest.EntityKind, name string) (int64, error) {
	var id int64
	ek := keysOf(kind, name)
	err := s.txRow(ctx, tx, `INSERT INTO entities (kind, name, name_key, base_key, first_word, last_word) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, name) DO NOTHING RETURNING id`, string(kind), name, ek.key, ek.base, ek.first, ek.last).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.txRow(ctx, tx, `SELECT id FROM entities WHERE kind = ? AND name = ?`, string(kind), name).Scan(&id)
	}
	return id, err
}
