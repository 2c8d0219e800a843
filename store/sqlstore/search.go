package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/occasional-digest/digest/search"
)

// maxSearchFeeds bounds the feeds one feed: filter may name.
const maxSearchFeeds = 1000

// foldLike returns a condition that col contains the LIKE pattern bound
// to it, ignoring the case of ASCII letters.
func (s *Store) foldLike(col string) string {
	if s.d.FoldLike != "" {
		return col + " " + s.d.FoldLike + ` CAST(? AS TEXT) ESCAPE '\'`
	}
	return "lower(" + col + `) LIKE lower(CAST(? AS TEXT)) ESCAPE '\'`
}

// searchFeeds resolves the feed: filters of a search to the feeds an
// article may come from: those every filter names (nil: no filter; empty:
// none, nothing matches).
func (s *Store) searchFeedSet(ctx context.Context, userID int64, names []string) ([]int64, error) {
	var set []int64
	for i, name := range names {
		feeds, err := s.searchFeeds(ctx, userID, name)
		if err != nil {
			return nil, wrap("articles: search", err)
		}
		if i == 0 {
			set = feeds
			continue
		}
		set = slices.DeleteFunc(set, func(id int64) bool { return !slices.Contains(feeds, id) })
	}
	if set == nil && len(names) > 0 {
		set = []int64{}
	}
	return set, nil
}

// maxSearchEntities bounds the stored spellings one entity: filter may
// stand for.
const maxSearchEntities = 1000

// searchEntitySets resolves the entity: filters of a search, each to the
// IDs of the entities it names, of any kind, under every spelling the
// entity pages count as one entity. ok is false when a filter names no
// stored entity (nothing matches).
func (s *Store) searchEntitySets(ctx context.Context, names []string) (sets [][]int64, ok bool, err error) {
	for _, name := range names {
		var ids []int64
		for _, kind := range entityKinds {
			rows, err := s.resolveEntity(ctx, kind, clean(name))
			if err != nil {
				return nil, false, wrap("articles: search", err)
			}
			for _, r := range rows {
				if !slices.Contains(ids, r.ID) && len(ids) < maxSearchEntities {
					ids = append(ids, r.ID)
				}
			}
		}
		if len(ids) == 0 {
			return nil, false, nil
		}
		slices.Sort(ids)
		sets = append(sets, ids)
	}
	return sets, true, nil
}

// entityArticles is a subquery of the IDs of the articles whose story
// names one of the entities bound to it.
func entityArticles(in string) string {
	return `SELECT a6.id FROM story_entities se6 CROSS JOIN articles a6
		WHERE se6.entity_id IN (` + in + `) AND a6.story_id = se6.story_id`
}

// searchFilters adds the author: and date: filters of a search to the
// plan, and the feeds of its feed: filters unless nil, and the entities
// of its entity: filters; those of entity:, which read an article's
// story's entities, are checked after the search's words when the plan
// walks them (articlePlan.addLater).
func (s *Store) searchFilters(p *articlePlan, q *search.Query, feeds []int64, entities [][]int64) {
	for _, set := range entities {
		in, args := inList(set)
		p.addLater(`EXISTS (SELECT 1 FROM articles a7 CROSS JOIN story_entities se7 WHERE a7.id = st.article_id
			AND se7.story_id = a7.story_id AND se7.entity_id IN (`+in+`))`, args...)
	}
	if len(feeds) > 0 {
		in, args := inList(feeds)
		// "+": the article's sources (one or two) are read by its ID and
		// their feeds looked up in the list; as a key of the index, the
		// list cost a seek per feed for every article walked (160 feeds
		// of feed:7: 55 ms at 100,000 articles).
		p.add(`EXISTS (SELECT 1 FROM sources s5 WHERE s5.article_id = st.article_id AND +s5.feed_id IN (`+in+`))`, args...)
	}
	for _, a := range q.Authors {
		p.add(`EXISTS (SELECT 1 FROM articles a5 WHERE a5.id = st.article_id AND `+s.foldLike("a5.author")+`)`, likePattern(a))
	}
	for _, d := range q.Dates {
		if !d.From.IsZero() {
			p.add(p.published()+" >= ?", dbTime(d.From))
		}
		if !d.To.IsZero() {
			p.add(p.published()+" < ?", dbTime(d.To))
		}
	}
}

// searchFeeds lists the user's feeds a feed: filter names: the feed of
// that ID, or those whose title (the user's or the feed's) contains name.
func (s *Store) searchFeeds(ctx context.Context, userID int64, name string) ([]int64, error) {
	id, err := strconv.ParseInt(name, 10, 64)
	if err != nil {
		id = 0
	}
	rows, err := s.query(ctx, `SELECT u.feed_id FROM subscriptions u JOIN feeds f ON f.id = u.feed_id
		WHERE u.user_id = ? AND (u.feed_id = ? OR `+s.foldLike(titleExpr)+`) ORDER BY u.feed_id LIMIT ?`,
		userID, id, likePattern(name), maxSearchFeeds)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// snippet returns an article's snippet for a search: from its text where
// the search matched there, else from its summary where it matched there,
// else the start of the text (or summary).
func snippet(stems map[string]bool, summary, text string) string {
	t := search.Snippet(text, stems)
	if strings.Contains(t, "<mark>") || summary == "" {
		if t != "" {
			return t
		}
	}
	if sum := search.Snippet(summary, stems); strings.Contains(sum, "<mark>") || t == "" {
		return sum
	}
	return t
}

// maxAuthorNames bounds the distinct author names an author: search
// lists; a filter matching more (author:a) is checked article by article
// as the reader's articles are walked, which finds a page soon.
const maxAuthorNames = 1000

// authorDriveMax is the number of articles up to which the articles of
// the names author: filters match drive a search: they are read by the
// author index and sorted, where walking the reader's articles for a
// rare author would check every one.
const authorDriveMax = 10_000

// authorNames lists the distinct author names that contain every one of
// parts (ignoring the case of ASCII letters), skipping through the index
// on articles (author) one seek per distinct name. ok is false when more
// than maxAuthorNames match.
func (s *Store) authorNames(ctx context.Context, parts []string) (names []string, ok bool, err error) {
	q := `WITH RECURSIVE names (name) AS (
			SELECT MIN(author) FROM articles WHERE author > ''
			UNION ALL
			SELECT (SELECT MIN(author) FROM articles WHERE author > names.name) FROM names WHERE names.name IS NOT NULL)
		SELECT name FROM names WHERE name IS NOT NULL`
	var args []any
	for _, p := range parts {
		q += " AND " + s.foldLike("name")
		args = append(args, likePattern(p))
	}
	rows, err := s.query(ctx, q+` LIMIT ?`, append(args, maxAuthorNames+1)...)
	if err != nil {
		return nil, false, wrap("articles: search", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, false, wrap("articles: search", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, false, wrap("articles: search", err)
	}
	return names, len(names) <= maxAuthorNames, nil
}

// searchAuthorDrive makes the articles of the authors that a search's
// author: filters name drive plan p when they are few (authorDriveMax),
// and returns whether they do. empty is true when no author matches.
func (s *Store) searchAuthorDrive(ctx context.Context, p *articlePlan, authors []string) (driven, empty bool, err error) {
	names, ok, err := s.authorNames(ctx, authors)
	if err != nil || !ok {
		return false, false, err
	}
	if len(names) == 0 {
		return false, true, nil
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM articles WHERE author IN (`+in+`) LIMIT ?) m`,
		append(args, authorDriveMax+1)...).Scan(&n); err != nil {
		return false, false, wrap("articles: search", err)
	}
	if n > authorDriveMax {
		return false, false, nil
	}
	p.from = "(SELECT id FROM articles WHERE author IN (" + in + ")) f6 CROSS JOIN article_states st"
	p.add("", args...)
	p.add("st.article_id = f6.id")
	return true, false, nil
}
