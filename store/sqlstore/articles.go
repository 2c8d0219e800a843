package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/search"
)

// searchDriveMax is the number of matches up to which a search drives the
// query (matches are looked up and sorted); with more, the ordered index
// is scanned and matches are filtered through an IN list.
const searchDriveMax = 2000

// searchCheckCost is how many times as much checking one article against
// a search (Dialect.SearchCheck) costs as putting one match in the list
// that an IN filter builds (measured with SQLite FTS5 on 200,000
// articles: about 180 µs against 0.8 µs). See searchCheckMin.
const searchCheckCost = 220

// searchCheckMin is the number of matches from which checking articles
// one by one, in page order, is cheaper than listing every match: the
// walk checks about (limit+1) * total / matches articles, the list costs
// the matches. total is an estimate of the number of articles.
func searchCheckMin(limit int, total int64) int {
	return int(math.Sqrt(searchCheckCost * float64(limit+1) * float64(total)))
}

// articleCols selects an article a without content and text.
const articleCols = `a.id, COALESCE(a.url, ''), a.title, a.author, a.published, a.updated, a.site_name, a.lang,
	a.image_url, a.summary, a.word_count, a.extracted, a.created, COALESCE(a.feed_id, 0), COALESCE(a.story_id, 0), a.post_error`

func articleDest(a *digest.Article, published, updated, created *int64) []any {
	return []any{&a.ID, &a.URL, &a.Title, &a.Author, published, updated, &a.SiteName, &a.Lang,
		&a.ImageURL, &a.Summary, &a.WordCount, &a.Extracted, created, &a.FeedID, &a.StoryID, &a.PostError}
}

func setArticleTimes(a *digest.Article, published, updated, created int64) {
	a.Published = goTime(published)
	a.Updated = goTime(updated)
	a.Created = goTime(created)
}

// Article returns one of the user's articles (one they see through a
// feed they follow) with its content, its sources (original first) and
// the user's read state. ENOTFOUND.
func (s *Store) Article(ctx context.Context, userID, id int64) (*digest.Article, error) {
	var a digest.Article
	var published, updated, created int64
	dest := append(articleDest(&a, &published, &updated, &created), &a.Content, &a.Text, &a.Read, &a.Starred)
	err := s.queryRow(ctx, `SELECT `+articleCols+`, a.content, a.text, st.read, st.starred
		FROM article_states st JOIN articles a ON a.id = st.article_id
		WHERE st.user_id = ? AND st.article_id = ? AND NOT st.hidden`, userID, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("article", id)
	}
	if err != nil {
		return nil, wrap("article", err)
	}
	setArticleTimes(&a, published, updated, created)
	page := []digest.Article{a}
	if err := s.fillSources(ctx, userID, page); err != nil {
		return nil, wrap("article", err)
	}
	return &page[0], nil
}

// StoredArticle returns one article with its content and sources and no
// user's state, whoever follows it. ENOTFOUND.
func (s *Store) StoredArticle(ctx context.Context, id int64) (*digest.Article, error) {
	var a digest.Article
	var published, updated, created int64
	dest := append(articleDest(&a, &published, &updated, &created), &a.Content, &a.Text)
	err := s.queryRow(ctx, `SELECT `+articleCols+`, a.content, a.text FROM articles a WHERE a.id = ?`, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("article", id)
	}
	if err != nil {
		return nil, wrap("article", err)
	}
	setArticleTimes(&a, published, updated, created)
	page := []digest.Article{a}
	if err := s.fillSources(ctx, 0, page); err != nil {
		return nil, wrap("article", err)
	}
	return &page[0], nil
}

// RecentArticles lists every stored article published at or after since,
// newest first (ties by descending ID), limit at a time (<= 0: 500),
// without content or sources.
func (s *Store) RecentArticles(ctx context.Context, since time.Time, limit int, cursor string) ([]digest.Article, string, error) {
	if limit <= 0 {
		limit = 500
	}
	where, args := `a.published >= ?`, []any{dbTime(since)}
	if cursor != "" {
		p, id, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", wrap("recent articles", err)
		}
		where += ` AND a.published <= ? AND (a.published < ? OR a.id < ?)`
		args = append(args, p, p, id)
	}
	rows, err := s.query(ctx, `SELECT `+articleCols+` FROM articles a WHERE `+where+`
		ORDER BY a.published DESC, a.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", wrap("recent articles", err)
	}
	defer rows.Close()
	var out []digest.Article
	for rows.Next() {
		var a digest.Article
		var published, updated, created int64
		if err := rows.Scan(articleDest(&a, &published, &updated, &created)...); err != nil {
			return nil, "", wrap("recent articles", err)
		}
		setArticleTimes(&a, published, updated, created)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap("recent articles", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeCursor(dbTime(last.Published), last.ID)
	}
	return out, next, nil
}

// fillSources sets the Sources of the articles: for a user, only the
// sources of feeds they follow (under their title for the feed), since
// which feeds others follow is theirs to know; for userID 0 (the
// pipeline), every source. With Dialect.FeedFactsVersion the feeds'
// facts come from memory (fillSourcesCached); without, with one query
// (driven by the page's articles: CROSS JOIN keeps SQLite from walking
// the user's subscriptions first, 466 ms a page at 200,000 articles).
func (s *Store) fillSources(ctx context.Context, userID int64, as []digest.Article) error {
	if len(as) == 0 {
		return nil
	}
	index := make(map[int64]int, len(as))
	ids := make([]int64, len(as))
	for i := range as {
		index[as[i].ID] = i
		ids[i] = as[i].ID
	}
	if s.d.FeedFactsVersion != "" {
		return s.fillSourcesCached(ctx, userID, as, index, ids)
	}
	for _, c := range s.chunks(ids, 1) {
		in, args := inList(c)
		q := `SELECT s.article_id, s.feed_id, s.guid, s.url, s.title, s.published, s.original,
			f.title, f.site_url, COALESCE(f.icon_id, 0)
			FROM sources s JOIN feeds f ON f.id = s.feed_id
			WHERE s.article_id IN (` + in + `)
			ORDER BY s.article_id, s.original DESC, s.created, s.feed_id, s.guid`
		if userID != 0 {
			q = `SELECT s.article_id, s.feed_id, s.guid, s.url, s.title, s.published, s.original,
			COALESCE(NULLIF(u.title, ''), f.title), f.site_url, COALESCE(f.icon_id, 0)
			FROM sources s CROSS JOIN feeds f CROSS JOIN subscriptions u
			WHERE f.id = s.feed_id AND u.user_id = ? AND u.feed_id = s.feed_id AND s.article_id IN (` + in + `)
			ORDER BY s.article_id, s.original DESC, s.created, s.feed_id, s.guid`
			args = append([]any{userID}, args...)
		}
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, published int64
			var src digest.Source
			if err := rows.Scan(&id, &src.FeedID, &src.GUID, &src.URL, &src.Title, &published, &src.Original,
				&src.FeedTitle, &src.SiteURL, &src.IconID); err != nil {
				rows.Close()
				return err
			}
			src.Published = goTime(published)
			a := &as[index[id]]
			a.Sources = append(a.Sources, src)
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

// encodeCursor and decodeCursor make the opaque keyset cursor: the
// published time and ID of the last article of a page.
func encodeCursor(published, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(published, 10) + "." + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (published, id int64, err error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		p, i, ok := strings.Cut(string(b), ".")
		if ok {
			published, err = strconv.ParseInt(p, 10, 64)
			if err == nil {
				id, err = strconv.ParseInt(i, 10, 64)
			}
			if err == nil {
				return published, id, nil
			}
		}
	}
	return 0, 0, digest.Errorf(digest.EINVALID, "invalid cursor")
}

// entityDriveMax is the number of articles up to which the stories of
// an entity: filter drive the query.
const entityDriveMax = 10_000

// feedDriveMax is the number of sources up to which the feeds of a
// search's feed: filter drive the query.
const feedDriveMax = 10_000

// relevanceKey is the key of the cursor of a search by relevance, whose
// ID is the offset of the next page.
const relevanceKey = math.MinInt64

// maxQueryIDs bounds ArticleQuery.IDs.
const maxQueryIDs = 10_000

// articlePlan is the FROM, WHERE and ORDER BY of a query over one user's
// articles: st is the user's article_states row, a the article.
type articlePlan struct {
	from    string
	where   []string
	args    []any
	sortKey [2]string // the (time or ID, ID) pair the list is ordered by
	desc    bool
	empty   bool // nothing can match
	// stems are the searched words' stems, for snippets; nil without
	// search words.
	stems map[string]bool
	// relevance: ordered by f.rank; pages go by offset.
	relevance bool
	// walk, unless empty, is the search's SearchQuery value, left out
	// of the plan: walkSearch keeps the articles of the plan that match
	// it (see Store.plan), with the dialect whose statements check it
	// (Dialect.searchDialect).
	walk        string
	walkDialect *Dialect
	// later and laterArgs are conditions on st that walkSearch checks
	// on the walked articles that match the search only (costly checks
	// of entity: and author: filters, which every walked article paid).
	later     []string
	laterArgs []any
	laterOK   bool // addLater defers: the search's words are not in most articles
	// listed: a list drives the plan (or a feed's index), whose states
	// are looked up by key; its conditions on the publication time are
	// then written so that no index serves them (published): SQLite
	// otherwise scanned the reader's states in a date range for every
	// listed ID (a filtered search by relevance checking a word's 4,096
	// newest matches against date:2025: 150 ms at 100,000 articles).
	listed bool
}

// published returns the column of the states' publication time as the
// plan's conditions name it (see listed).
func (p *articlePlan) published() string {
	if p.listed {
		return "+st.published"
	}
	return "st.published"
}

// addLater adds a condition that walkSearch checks after the search's
// words when the plan walks them (p.walk) and they are not in most
// articles (p.laterOK), else adds it as add does. Checked first, the
// condition is checked on every article walked; after the words, on
// those that match them, but a walk's batch then holds every article
// and not those that pass the condition, which costs more when most
// articles match ("said entity:London" at 1,000,000 articles: 57 -> 66
// CPU ms; "entity:Germany president": 121-156 -> 71-91).
func (p *articlePlan) addLater(sql string, args ...any) {
	if p.walk == "" || !p.laterOK {
		p.add(sql, args...)
		return
	}
	p.later = append(p.later, sql)
	p.laterArgs = append(p.laterArgs, args...)
}

func (p *articlePlan) add(sql string, args ...any) {
	if sql != "" {
		p.where = append(p.where, sql)
	}
	p.args = append(p.args, args...)
}

// planArticles builds the query of q. limit is the page size the plan is
// for (it only steers the choice of a search plan).
//
// The query is driven by the most selective filter:
//   - a story, a list of IDs, or search words with few matches: their
//     articles are looked up and sorted;
//   - a feed: its sources are walked in the order of the page on the
//     index (feed_id, article_published DESC, article_id DESC) and the
//     walk stops after one page, however many articles the feed has;
//   - otherwise the user's index on (published, article_id) is walked
//     (or the primary key (user_id, article_id) when ordered by ID).
//
// Other filters are checked row by row; search words with many matches
// through an IN list of them, or, when most articles match, by checking
// each article walked (Dialect.SearchCheck). CROSS JOIN fixes the join
// order in SQLite; PostgreSQL plans it freely.
func (s *Store) planArticles(ctx context.Context, q digest.ArticleQuery, limit int) (*articlePlan, error) {
	return s.plan(ctx, q, limit, false)
}

// plan is planArticles; with walk, a search for words many articles
// contain may leave its words out of the plan for walkSearch to check
// (articlePlan.walk), which only Articles does.
func (s *Store) plan(ctx context.Context, q digest.ArticleQuery, limit int, walk bool) (*articlePlan, error) {
	return s.buildPlan(ctx, q, limit, walk, false)
}

// buildPlan is plan; with filtersOnly, the plan of q's filters alone:
// its search words are left for the caller to check (see
// filteredCandidates), its operators kept.
func (s *Store) buildPlan(ctx context.Context, q digest.ArticleQuery, limit int, walk, filtersOnly bool) (*articlePlan, error) {
	if q.UserID == 0 {
		return nil, digest.Errorf(digest.EINVALID, "articles: no user")
	}
	if len(q.IDs) > maxQueryIDs {
		return nil, digest.Errorf(digest.EINVALID, "at most %d article IDs at once", maxQueryIDs)
	}
	p := &articlePlan{sortKey: [2]string{"st.published", "st.article_id"}, desc: !q.Oldest}
	if q.ByID {
		p.sortKey = [2]string{"st.article_id", "st.article_id"}
	}
	var (
		cond   *string // search words: IN list of the matches
		term   string
		driven bool // from already holds the driving subquery
	)
	var sq *search.Query
	var match search.Node
	var excluded []search.Node
	var feeds []int64      // of feed: filters; nil: none
	var entities [][]int64 // of entity: filters
	var inMatches string
	sd := s.d // the dialect whose statements search match
	if strings.TrimSpace(q.Search) != "" {
		var err error
		if sq, err = search.Parse(clean(q.Search), s.now()); err != nil {
			return nil, err
		}
		match = sq.Match
		if pos, neg := search.Split(match); pos == nil && len(neg) > 0 {
			// Exclusions alone: every article but their matches.
			match, excluded = nil, neg
		}
		if feeds, err = s.searchFeedSet(ctx, q.UserID, sq.Feeds); err != nil {
			return nil, err
		}
		var ok bool
		if entities, ok, err = s.searchEntitySets(ctx, sq.Entities); err != nil {
			return nil, err
		} else if !ok {
			p.empty = true
			return p, nil
		}
		switch {
		case feeds == nil:
		case len(feeds) == 0:
			p.empty = true
			return p, nil
		case q.FeedID != 0:
			if !slices.Contains(feeds, q.FeedID) {
				p.empty = true
				return p, nil
			}
			feeds = nil
		case len(feeds) == 1:
			// One feed: its page is walked on its own index, as for
			// ArticleQuery.FeedID.
			q.FeedID, feeds = feeds[0], nil
		}
	}
	if match != nil && !filtersOnly {
		p.stems = search.Stems(match)
		sd = s.d.searchDialect(match)
		inMatches = "st.article_id IN (SELECT id FROM (" + sd.SearchIDs + ") f2)"
		t, ok := sd.SearchQuery(match)
		if !ok {
			p.empty = true
			return p, nil
		}
		term = t
		filtered := false
		if q.Relevance && q.StoryID == 0 && len(q.IDs) == 0 && s.d.SearchRanked != "" {
			var err error
			if filtered, err = s.relevanceFiltered(ctx, q, sq, feeds, entities, sd, term); err != nil {
				return nil, err
			}
		}
		if filtered {
			// The newest matches that pass the filters, ranked (see
			// relevance.go) and listed in their order: every filter was
			// checked on them.
			ranked, err := s.rankFiltered(ctx, q, sq, feeds, entities, sd, match, term, max(filteredRankLeast, q.Offset+limit+1))
			if err != nil {
				return nil, err
			}
			if len(ranked) == 0 {
				p.empty = true
				return p, nil
			}
			p.from = "(" + s.d.SearchRanked + ") f CROSS JOIN article_states st"
			p.add("", rankedList(ranked))
			p.add("st.article_id = f.id")
			p.add("st.user_id = ?", q.UserID)
			p.sortKey, p.desc, p.relevance = [2]string{"f.rank", "st.article_id"}, false, true
			return p, nil
		} else if q.Relevance && q.StoryID == 0 && len(q.IDs) == 0 && s.d.SearchNewest != "" {
			// The newest matches, ranked in Go (see rankMatches) and
			// listed in their order.
			ranked, err := s.rankMatches(ctx, match, term)
			if err != nil {
				return nil, err
			}
			if len(ranked) == 0 {
				p.empty = true
				return p, nil
			}
			p.from = "(" + s.d.SearchRanked + ") f CROSS JOIN article_states st"
			p.add("", rankedList(ranked))
			p.add("st.article_id = f.id")
			driven = true
			p.sortKey, p.desc, p.relevance = [2]string{"f.rank", "st.article_id"}, false, true
		} else {
			// By relevance the ranked matches drive the query (below)
			// however many there are: counting them only cost (the count
			// of "world" read 11,000 documents at 100,000 articles).
			ranked := q.Relevance && q.StoryID == 0 && len(q.IDs) == 0
			// Matches are counted up to the point where a plan changes.
			limitCount, checkMin, walkMin := searchDriveMax, 0, 0
			walk = walk && (sd.SearchRange != "" || sd.SearchAmong != "") && !q.Relevance && q.StoryID == 0 && len(q.IDs) == 0 && q.Offset <= 1000
			if (sd.SearchCheck != "" || walk) && q.StoryID == 0 && len(q.IDs) == 0 {
				var total int64
				if err := s.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM articles`).Scan(&total); err != nil {
					return nil, wrap("articles: search", err)
				}
				if sd.SearchCheck != "" && !q.Relevance {
					checkMin = searchCheckMin(limit, total)
					limitCount = max(limitCount, checkMin)
				}
				if walk {
					// The count stops where walking is cheaper than listing.
					walkMin = searchWalkMin(limit, total)
					limitCount = max(searchDriveMax, walkMin)
				}
			}
			n := 0
			if !ranked {
				var err error
				if n, err = s.countMatches(ctx, sd, term, limitCount); err != nil {
					return nil, err
				}
			}
			cond = &inMatches
			if walk && n >= searchDriveMax && n >= walkMin {
				// Many matches: walkSearch checks the walked articles a
				// stretch at a time.
				p.walk, p.walkDialect, cond = term, sd, nil
				if len(sq.Entities) > 0 && s.d.SearchNewest != "" {
					dense, err := s.denseMatches(ctx, term)
					if err != nil {
						return nil, err
					}
					p.laterOK = !dense
				}
			} else if checkMin > searchDriveMax && n >= checkMin {
				// A word in most articles: the walk finds a page after a few
				// checks, while listing the matches would take them all.
				check := fmt.Sprintf(sd.SearchCheck, "st.article_id")
				cond = &check
			}
			if n < searchDriveMax && !ranked && q.StoryID == 0 && len(q.IDs) == 0 {
				// The matches, listed here: PostgreSQL, planning the match
				// as a subquery on an estimate (4,999 for 561 matches of a
				// rare word at 1,000,000 articles), walked the reader's
				// 600,000 articles checking each (15 s); a list of IDs it
				// looks up by key.
				rows, err := s.query(ctx, sd.SearchIDs+` LIMIT ?`, term, searchDriveMax)
				if err != nil {
					return nil, wrap("articles: search", err)
				}
				ids, err := scanIDs(rows)
				if err != nil {
					return nil, wrap("articles: search", err)
				}
				if len(ids) == 0 {
					p.empty = true
					return p, nil
				}
				in, args := inList(ids)
				p.from = "(SELECT id FROM articles WHERE id IN (" + in + ")) f CROSS JOIN article_states st"
				p.add("", args...)
				p.add("st.article_id = f.id")
				cond, driven = nil, true
			}
			if ranked {
				// The matches are ranked (the 2,000 newest: see
				// Dialect.SearchRank) and sorted by rank.
				p.from = "(" + sd.SearchRank + ") f CROSS JOIN article_states st"
				p.add("", term)
				p.add("st.article_id = f.id")
				cond, driven = nil, true
				p.sortKey, p.desc, p.relevance = [2]string{"f.rank", "st.article_id"}, false, true
			}
		}
	}
	switch {
	case len(q.IDs) > 0:
		in, args := inList(q.IDs)
		p.from = "(SELECT id FROM articles WHERE id IN (" + in + ")) f CROSS JOIN article_states st"
		p.add("", args...)
		p.add("st.article_id = f.id")
		driven = true
		if q.StoryID != 0 {
			p.add("st.article_id IN (SELECT id FROM articles WHERE story_id = ?)", q.StoryID)
		}
	case q.StoryID != 0:
		p.from = "(SELECT id FROM articles WHERE story_id = ?) f CROSS JOIN article_states st"
		p.add("", q.StoryID)
		p.add("st.article_id = f.id")
		driven = true
	}
	if len(entities) > 0 && !driven && !q.ByID {
		// An entity in few stories: their articles are listed and
		// sorted, rather than the user's articles walked until a page of
		// them is found.
		in, args := inList(entities[0])
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+entityArticles(in)+` LIMIT ?) m`,
			append(args, entityDriveMax+1)...).Scan(&n); err != nil {
			return nil, wrap("articles: search", err)
		}
		if n <= entityDriveMax {
			p.from = "(SELECT DISTINCT id FROM (" + entityArticles(in) + ") e) f5 CROSS JOIN article_states st"
			p.add("", args...)
			p.add("st.article_id = f5.id")
			driven = true
			entities = entities[1:]
		}
	}
	if sq != nil && len(sq.Authors) > 0 && !driven && !q.ByID {
		// A rare author: their articles, read by the author index, drive
		// the plan (see searchAuthorDrive).
		d, empty, err := s.searchAuthorDrive(ctx, p, sq.Authors)
		if err != nil {
			return nil, err
		}
		if empty {
			p.empty = true
			return p, nil
		}
		if d {
			driven = true
			authors := *sq
			authors.Authors = nil // the drive keeps only their articles
			sq = &authors
		}
	}
	if len(feeds) > 0 && match != nil && !driven && !q.ByID {
		// Several feeds named by feed:: when they hold few articles,
		// those are listed and sorted, and matches are looked up in the
		// list of the search's matches; walking the user's articles would
		// check many for every one kept.
		in, args := inList(feeds)
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM sources WHERE feed_id IN (`+in+`) LIMIT ?) m`,
			append(args, feedDriveMax+1)...).Scan(&n); err != nil {
			return nil, wrap("articles: search", err)
		}
		if n <= feedDriveMax {
			p.from = "(SELECT DISTINCT article_id AS id FROM sources WHERE feed_id IN (" + in + ")) f4 CROSS JOIN article_states st"
			p.add("", args...)
			p.add("st.article_id = f4.id")
			driven, feeds = true, nil
			if cond != nil {
				cond = &inMatches
			}
		}
	}
	if q.FeedID != 0 {
		if driven || q.ByID {
			p.add("EXISTS (SELECT 1 FROM sources s WHERE s.article_id = st.article_id AND s.feed_id = ?)", q.FeedID)
		} else {
			// A feed may carry an article twice (under two GUIDs): only
			// its source with the least GUID is walked. The check reads
			// the same index as the walk, next to the current entry.
			p.from = "sources s CROSS JOIN article_states st"
			p.add("s.feed_id = ?", q.FeedID)
			p.add("st.article_id = s.article_id")
			p.add(`NOT EXISTS (SELECT 1 FROM sources s2 WHERE s2.feed_id = s.feed_id
					AND s2.article_published = s.article_published AND s2.article_id = s.article_id AND s2.guid < s.guid)`)
			p.sortKey = [2]string{"s.article_published", "s.article_id"}
			driven = true
		}
	}
	if !driven {
		p.from = "article_states st"
	}
	p.add("st.user_id = ?", q.UserID)
	// Articles the user's rules hide are in no list (see rules.go).
	if hides, err := s.hidesAny(ctx, q.UserID); err != nil {
		return nil, wrap("articles", err)
	} else if hides {
		p.add("NOT st.hidden")
	}
	if q.CategoryID != 0 {
		title := ""
		if q.CategoryID > 0 {
			t, err := s.categoryOf(ctx, s.reader(ctx), q.UserID, q.CategoryID)
			if err != nil {
				return nil, wrap("articles", err)
			}
			title = t
		}
		// The category's feeds, listed: each row walked is then one seek
		// of sources (article_id, feed_id).
		feeds, err := s.categoryFeeds(ctx, q.UserID, title)
		if err != nil {
			return nil, wrap("articles", err)
		}
		if len(feeds) == 0 {
			p.empty = true
			return p, nil
		}
		in, args := inList(feeds)
		p.add(`EXISTS (SELECT 1 FROM sources s3 WHERE s3.article_id = st.article_id AND s3.feed_id IN (`+in+`))`, args...)
	}
	p.listed = driven
	if sq != nil {
		// Before the search's condition: these are cheaper to check.
		s.searchFilters(p, sq, feeds, entities)
	}
	if cond != nil {
		p.add(*cond, term)
	}
	if len(excluded) > 0 {
		var n search.Node = search.Or(excluded)
		if len(excluded) == 1 {
			n = excluded[0]
		}
		ed := s.d.searchDialect(n)
		if t, ok := ed.SearchQuery(n); ok {
			p.add("st.article_id NOT IN (SELECT id FROM ("+ed.SearchIDs+") f3)", t)
		}
	}
	if q.Unread {
		p.add("NOT st.read")
	}
	if q.Read {
		p.add("st.read")
	}
	if q.Starred {
		p.add("st.starred")
	}
	if !q.After.IsZero() {
		p.add(p.published()+" > ?", dbTime(q.After))
	}
	if !q.Before.IsZero() {
		p.add(p.published()+" < ?", dbTime(q.Before))
	}
	if q.AfterID != 0 {
		p.add("st.article_id > ?", q.AfterID)
	}
	if q.BeforeID != 0 {
		p.add("st.article_id < ?", q.BeforeID)
	}
	return p, nil
}

// countMatches counts the matches of the search t (of dialect d: see
// Dialect.searchDialect) up to limit, or returns the database's estimate
// (Dialect.SearchEstimate) when that is
// at least limit and ten times searchDriveMax.
func (s *Store) countMatches(ctx context.Context, d *Dialect, t string, limit int) (int, error) {
	if d.SearchEstimate != "" {
		var plan string
		if err := s.queryRow(ctx, d.SearchEstimate, t).Scan(&plan); err != nil {
			return 0, wrap("articles: search", err)
		}
		var p []struct {
			Plan struct {
				Rows float64 `json:"Plan Rows"`
			} `json:"Plan"`
		}
		if err := json.Unmarshal([]byte(plan), &p); err == nil && len(p) == 1 {
			if est := int(p[0].Plan.Rows); est >= limit && est >= 10*searchDriveMax {
				return est, nil
			}
		}
	}
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+d.SearchIDs+` LIMIT ?) m`, t, limit).Scan(&n); err != nil {
		return 0, wrap("articles: search", err)
	}
	return n, nil
}

// searchWalkCost is how many times as much walking one article of the
// reader's (in page order, with its filters) and checking it against a
// search a stretch of IDs at a time (walkSearch) costs as putting one
// match in the list that an IN filter builds.
const searchWalkCost = 4

// searchWalkMin is the number of matches from which walkSearch is
// cheaper than listing every match: the walk visits about (limit+1) *
// total / matches articles.
func searchWalkMin(limit int, total int64) int {
	return int(math.Sqrt(searchWalkCost * float64(limit+1) * float64(total)))
}

// Walks of walkSearch: the first reads walkFirst articles, each next one
// twice as many, up to walkMax.
const (
	walkFirst = 128
	walkMax   = 4096
	// walkGap is the largest gap between two IDs that one SearchRange
	// query spans: a range query costs about as much as reading this
	// many IDs of a word's index.
	walkGap = 2048
)

// walkSearch finds the first need articles of plan p that match the
// search p.walk, after q's cursor: it walks the plan's articles in page
// order, a batch at a time, and keeps those the search index lists
// among them (Dialect.SearchRange over each stretch of close IDs, or
// Dialect.SearchAmong). Articles arrive roughly in order of
// publication, so a batch's IDs are close together and each stretch
// reads a short part of the index, however common the words. It returns
// the plan of the articles found, ordered as p.
func (s *Store) walkSearch(ctx context.Context, p *articlePlan, q digest.ArticleQuery, need int) (*articlePlan, error) {
	w := *p
	w.where, w.args = slices.Clone(p.where), slices.Clone(p.args)
	if q.Cursor != "" {
		key, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, wrap("articles", err)
		}
		w.after(key, id)
	}
	var found []int64
	batch := walkFirst
	for last := (*[2]int64)(nil); len(found) < need; batch = min(batch*2, walkMax) {
		b := w
		b.where, b.args = slices.Clone(w.where), slices.Clone(w.args)
		if last != nil {
			b.after(last[0], last[1])
		}
		rows, err := s.query(ctx, `SELECT st.article_id, `+b.sortKey[0]+` FROM `+b.from+` WHERE `+b.whereSQL()+
			` ORDER BY `+b.orderBy()+` LIMIT ?`, append(b.args, batch)...)
		if err != nil {
			return nil, wrap("articles: search", err)
		}
		var ids []int64
		var key int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return nil, wrap("articles: search", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return nil, wrap("articles: search", err)
		}
		rows.Close()
		if len(ids) == 0 {
			break
		}
		match, err := s.matchAmong(ctx, p.walkDialect, p.walk, ids)
		if err != nil {
			return nil, err
		}
		if len(p.later) > 0 {
			if match, err = s.keepLater(ctx, p, q.UserID, ids, match); err != nil {
				return nil, err
			}
		}
		for _, id := range ids {
			if match[id] {
				if found = append(found, id); len(found) == need {
					break
				}
			}
		}
		if len(ids) < batch {
			break
		}
		last = &[2]int64{key, ids[len(ids)-1]}
	}
	out := &articlePlan{sortKey: [2]string{"st.published", "st.article_id"}, desc: p.desc, stems: p.stems}
	if p.sortKey[0] == p.sortKey[1] {
		out.sortKey = [2]string{"st.article_id", "st.article_id"}
	}
	if len(found) == 0 {
		found = []int64{0} // no article has ID 0
	}
	in, args := inList(found)
	out.from = "(SELECT id FROM articles WHERE id IN (" + in + ")) f CROSS JOIN article_states st"
	out.add("", args...)
	out.add("st.article_id = f.id")
	out.add("st.user_id = ?", q.UserID)
	return out, nil
}

// laterDense is the share of the newest articles from which a search's
// matches are too dense for articlePlan.addLater to defer a condition.
const laterDense = 1.0 / 3

// denseMatches reports whether the search t matches more than
// laterDense of the newest articles: its rankSample newest matches span
// fewer than rankSample / laterDense IDs.
func (s *Store) denseMatches(ctx context.Context, t string) (bool, error) {
	rows, err := s.query(ctx, s.d.SearchNewest, t, rankSample)
	if err != nil {
		return false, wrap("articles: search", err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return false, wrap("articles: search", err)
	}
	return len(ids) == rankSample && float64(ids[0]-ids[len(ids)-1]+1) < rankSample/laterDense, nil
}

// keepLater returns match less the articles of ids that fail the
// conditions p.later.
func (s *Store) keepLater(ctx context.Context, p *articlePlan, userID int64, ids []int64, match map[int64]bool) (map[int64]bool, error) {
	var in []int64
	for _, id := range ids {
		if match[id] {
			in = append(in, id)
		}
	}
	if len(in) == 0 {
		return match, nil
	}
	list, args := inList(in)
	rows, err := s.query(ctx, `SELECT st.article_id FROM article_states st WHERE st.user_id = ? AND st.article_id IN (`+list+`) AND `+
		strings.Join(p.later, " AND "), append(append([]any{userID}, args...), p.laterArgs...)...)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	kept, err := scanIDs(rows)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	out := make(map[int64]bool, len(kept))
	for _, id := range kept {
		out[id] = true
	}
	return out, nil
}

// matchAmong returns which of ids match the search t of dialect d.
func (s *Store) matchAmong(ctx context.Context, d *Dialect, t string, ids []int64) (map[int64]bool, error) {
	match := make(map[int64]bool, len(ids))
	collect := func(q string, args ...any) error {
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return wrap("articles: search", err)
		}
		got, err := scanIDs(rows)
		if err != nil {
			return wrap("articles: search", err)
		}
		for _, id := range got {
			match[id] = true
		}
		return nil
	}
	if d.SearchAmong != "" {
		for _, c := range s.chunks(ids, 1) {
			in, args := inList(c)
			if err := collect(fmt.Sprintf(d.SearchAmong, in), append([]any{t}, args...)...); err != nil {
				return nil, err
			}
		}
		return match, nil
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j]-sorted[j-1] <= walkGap {
			j++
		}
		if err := collect(d.SearchRange, t, sorted[i], sorted[j-1]); err != nil {
			return nil, err
		}
		i = j
	}
	return match, nil
}

// maxCategoryFeeds bounds the feeds of a category filter's IN list.
const maxCategoryFeeds = 5000

// categoryFeeds lists the IDs of the user's feeds in a category ("": in
// none).
func (s *Store) categoryFeeds(ctx context.Context, userID int64, title string) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT feed_id FROM subscriptions WHERE user_id = ? AND category = ? ORDER BY feed_id LIMIT ?`,
		userID, title, maxCategoryFeeds)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// orderBy returns the plan's ORDER BY list.
func (p *articlePlan) orderBy() string {
	dir := " DESC"
	if !p.desc {
		dir = " ASC"
	}
	if p.sortKey[0] == p.sortKey[1] {
		return p.sortKey[0] + dir
	}
	return p.sortKey[0] + dir + ", " + p.sortKey[1] + dir
}

// after adds the condition of a page after the cursor's (key, id).
func (p *articlePlan) after(key, id int64) {
	k0, k1 := p.sortKey[0], p.sortKey[1]
	op, eq := "<", "<="
	if !p.desc {
		op, eq = ">", ">="
	}
	if k0 == k1 {
		p.add(k0+" "+op+" ?", id)
		return
	}
	// The first term gives an index range; the second breaks ties.
	p.add(k0+" "+eq+" ? AND ("+k0+" "+op+" ? OR "+k1+" "+op+" ?)", key, key, id)
}

func (p *articlePlan) whereSQL() string { return strings.Join(p.where, " AND ") }

// withArticles joins the articles (as a) to the plan, for queries that
// read their columns; a count reads the states alone.
func (p *articlePlan) withArticles() {
	p.from += " CROSS JOIN articles a"
	p.where = append(p.where, "a.id = st.article_id")
}

// Articles returns a page of the user's articles (those of their feeds),
// newest published first, ties by descending ID (or as q orders them),
// with sources but without Text, and without Content unless
// q.WithContent. Pages are keyset-paginated: articles inserted while
// paging appear on no later page unless they sort after the cursor, and
// no article is skipped or repeated. Search matches every word of
// q.Search in the title, summary or text. EINVALID for a malformed
// cursor, no user, or too many IDs; ENOTFOUND for a category not the
// user's.
func (s *Store) Articles(ctx context.Context, q digest.ArticleQuery) (*digest.ArticlePage, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 50
	case limit > 500:
		limit = 500
	}
	p, err := s.plan(ctx, q, limit, true)
	if err != nil {
		return nil, err
	}
	if p.empty {
		return &digest.ArticlePage{Articles: []digest.Article{}}, nil
	}
	offset := 0
	if q.Offset > 0 && q.Cursor == "" {
		offset = q.Offset
	}
	walked := p.walk != ""
	if walked {
		// The page's articles are found first, then read by ID.
		if p, err = s.walkSearch(ctx, p, q, offset+limit+1); err != nil {
			return nil, err
		}
		q.Cursor = "" // walkSearch started after it
	}
	if q.Cursor != "" {
		key, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, wrap("articles", err)
		}
		if p.relevance {
			// Ranks are not keys: a relevance page's cursor is an offset.
			if key != relevanceKey || id < 0 || id > math.MaxInt32 {
				return nil, digest.Errorf(digest.EINVALID, "articles: not a cursor of a search by relevance")
			}
			offset = int(id)
		} else {
			p.after(key, id)
		}
	}
	skip := offset // rows the page's statement skips
	if s.d.PageIDsFirst && !p.relevance && !walked && strings.HasPrefix(p.from, "(") {
		// A plan driven by a list (search matches, a story, an entity):
		// its page's IDs first, then their articles, as below.
		// "intitle:earthquake" at 1,000,000 articles sorted its ~1,000
		// matches with their articles' columns: 43-50 CPU ms.
		if p, err = s.listedPage(ctx, p, q.UserID, offset, limit+1); err != nil {
			return nil, err
		}
		skip = 0
	}
	if p.relevance && s.d.SearchNewest != "" {
		// The page's IDs first, then their articles: sorting the ranked
		// matches with their articles' columns read them all (12 of 40
		// CPU ms of "the president" at 100,000 articles).
		if p, err = s.rankedPage(ctx, p, q.UserID, offset, limit+1); err != nil {
			return nil, err
		}
		skip = 0
	}
	// With Dialect.PageWithSources, the page and its articles' sources in
	// one statement (pageSources): on PostgreSQL a second query for the
	// sources was a second round trip, a 50-item IN list to bind and
	// plan, and a quarter of the server's CPU time of /api/v1/articles.
	// It reads the articles' rows for the page alone (see pageSources).
	withSources := s.d.PageWithSources
	if !withSources {
		p.withArticles()
	}
	cols := articleCols + `, st.read, st.starred`
	ncols := 18 // articleDest's 16, read, starred
	if q.WithContent {
		cols += `, a.content`
		ncols++
	}
	if p.stems != nil {
		cols += `, a.text`
		ncols++
	}
	args := append(p.args, limit+1)
	tail := ` LIMIT ?`
	if skip > 0 {
		tail += ` OFFSET ?`
		args = append(args, skip)
	}
	stmt := `SELECT ` + cols + ` FROM ` + p.from + ` WHERE ` + p.whereSQL() + ` ORDER BY ` + p.orderBy() + tail
	if withSources {
		stmt, args = pageSources(cols, ncols, p, tail), append(args, q.UserID, q.UserID)
	}
	rows, err := s.query(ctx, stmt, args...)
	if err != nil {
		return nil, wrap("articles", err)
	}
	defer rows.Close()
	page := &digest.ArticlePage{Articles: make([]digest.Article, 0, min(limit, 64))}
	for rows.Next() {
		var a digest.Article
		var published, updated, created int64
		dest := append(articleDest(&a, &published, &updated, &created), &a.Read, &a.Starred)
		if q.WithContent {
			dest = append(dest, &a.Content)
		}
		var text string
		if p.stems != nil {
			dest = append(dest, &text)
		}
		var src struct {
			feedID, published, iconID    sql.NullInt64
			guid, url, title, feed, site sql.NullString
			original                     sql.NullBool
		}
		var k0, k1 any // the page's sort keys
		if withSources {
			dest = append(dest, &k0, &k1, &src.feedID, &src.guid, &src.url, &src.title, &src.published, &src.original,
				&src.feed, &src.site, &src.iconID)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, wrap("articles", err)
		}
		// Rows come in page order, an article's sources together.
		if n := len(page.Articles); n == 0 || page.Articles[n-1].ID != a.ID {
			setArticleTimes(&a, published, updated, created)
			if p.stems != nil {
				a.Snippet = snippet(p.stems, a.Summary, text)
			}
			page.Articles = append(page.Articles, a)
		}
		if src.feedID.Valid {
			last := &page.Articles[len(page.Articles)-1]
			last.Sources = append(last.Sources, digest.Source{FeedID: src.feedID.Int64, GUID: src.guid.String,
				URL: src.url.String, Title: src.title.String, Published: goTime(src.published.Int64),
				Original: src.original.Bool, FeedTitle: src.feed.String, SiteURL: src.site.String, IconID: src.iconID.Int64})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("articles", err)
	}
	rows.Close()
	if len(page.Articles) > limit {
		page.Articles = page.Articles[:limit]
		last := page.Articles[limit-1]
		key := dbTime(last.Published)
		if q.ByID {
			key = last.ID
		}
		page.Next = encodeCursor(key, last.ID)
		if p.relevance {
			page.Next = encodeCursor(relevanceKey, int64(offset+limit))
		}
	}
	if !withSources {
		if err := s.fillSources(ctx, q.UserID, page.Articles); err != nil {
			return nil, wrap("articles", err)
		}
	}
	return page, nil
}

// pageSources returns the statement of a page of plan p: the page (its
// ncols columns cols, of the articles a and their states st, in p's
// order, then tail: LIMIT and OFFSET) and, for
// each of its articles, its sources in feeds the user follows, as
// fillSources lists them (original first), one row per source and one
// with NULL source columns for an article without one, in page order.
// Its arguments are p's, tail's, then the user's ID twice. The page is a
// common table expression (its columns named c1…, its sort keys k0 and
// k1): its LIMIT keeps it one subquery, read first, whose few rows each
// look up their sources by key. Left joins one table at a time (not a
// nested join of sources, subscriptions and feeds, which SQLite built in
// full for the user's feeds before looking up the page's articles in it).
// The page's states are sorted and cut first, in a subquery of their own,
// and only then joined to their articles: PostgreSQL otherwise read the
// article row of every match before sorting them (a rare word's 2,000
// matches at 1,000,000 articles: 2,000 rows of the widest table read
// from disk to keep 51). p does not join articles (withArticles).
func pageSources(cols string, ncols int, p *articlePlan, tail string) string {
	var b strings.Builder
	b.WriteString("WITH page(")
	for i := 1; i <= ncols; i++ {
		fmt.Fprintf(&b, "c%d, ", i)
	}
	dir := " DESC"
	if !p.desc {
		dir = " ASC"
	}
	b.WriteString("k0, k1) AS (SELECT " + cols + ", st.k0, st.k1 FROM (SELECT st.article_id, st.read, st.starred, " +
		p.sortKey[0] + " AS k0, " + p.sortKey[1] + " AS k1 FROM " + p.from + " WHERE " + p.whereSQL() +
		" ORDER BY " + p.orderBy() + tail + ") st CROSS JOIN articles a WHERE a.id = st.article_id)\n")
	b.WriteString("SELECT page.*, s.feed_id, s.guid, s.url, s.title, s.published, s.original,\n")
	b.WriteString("\tCOALESCE(NULLIF(u.title, ''), f.title), f.site_url, COALESCE(f.icon_id, 0)\n")
	b.WriteString("FROM page LEFT JOIN sources s ON s.article_id = page.c1\n")
	b.WriteString("\tAND EXISTS (SELECT 1 FROM subscriptions u2 WHERE u2.user_id = ? AND u2.feed_id = s.feed_id)\n")
	b.WriteString("LEFT JOIN subscriptions u ON u.user_id = ? AND u.feed_id = s.feed_id LEFT JOIN feeds f ON f.id = s.feed_id\n")
	b.WriteString("ORDER BY page.k0" + dir + ", page.k1" + dir + ", page.c1, s.original DESC, s.created, s.feed_id, s.guid")
	return b.String()
}

// maxRefs bounds one ArticleRefs list.
const maxRefs = 100_000

// ArticleRefs returns the IDs, original feeds, times and state of the
// articles q selects, in q's order, up to q.Limit (<= 0: 1000; at most
// 100,000), after q.Offset. Cursor is ignored.
func (s *Store) ArticleRefs(ctx context.Context, q digest.ArticleQuery) ([]digest.ArticleRef, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 1000
	case limit > maxRefs:
		limit = maxRefs
	}
	p, err := s.planArticles(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	out := []digest.ArticleRef{}
	if p.empty {
		return out, nil
	}
	p.withArticles()
	args := append(p.args, limit)
	tail := ` LIMIT ?`
	if q.Offset > 0 {
		tail += ` OFFSET ?`
		args = append(args, q.Offset)
	}
	rows, err := s.query(ctx, `SELECT st.article_id, COALESCE(a.feed_id, 0), st.published, st.read, st.starred
		FROM `+p.from+` WHERE `+p.whereSQL()+` ORDER BY `+p.orderBy()+tail, args...)
	if err != nil {
		return nil, wrap("article refs", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r digest.ArticleRef
		var published int64
		if err := rows.Scan(&r.ID, &r.FeedID, &published, &r.Read, &r.Starred); err != nil {
			return nil, wrap("article refs", err)
		}
		r.Published = goTime(published)
		out = append(out, r)
	}
	return out, wrap("article refs", rows.Err())
}

// ArticleIDs returns the IDs of the articles q selects, in q's order, up to
// q.Limit (<= 0: 1000; at most 100,000), after q.Offset, without reading
// the articles.
func (s *Store) ArticleIDs(ctx context.Context, q digest.ArticleQuery) ([]int64, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 1000
	case limit > maxRefs:
		limit = maxRefs
	}
	p, err := s.planArticles(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	out := []int64{}
	if p.empty {
		return out, nil
	}
	args := append(p.args, limit)
	tail := ` LIMIT ?`
	if q.Offset > 0 {
		tail += ` OFFSET ?`
		args = append(args, q.Offset)
	}
	rows, err := s.query(ctx, `SELECT st.article_id FROM `+p.from+` WHERE `+p.whereSQL()+` ORDER BY `+p.orderBy()+tail, args...)
	if err != nil {
		return nil, wrap("article ids", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("article ids", err)
		}
		out = append(out, id)
	}
	return out, wrap("article ids", rows.Err())
}

// CountArticles counts the articles q selects, ignoring its Limit, Offset
// and Cursor.
func (s *Store) CountArticles(ctx context.Context, q digest.ArticleQuery) (int, error) {
	p, err := s.planArticles(ctx, q, 50)
	if err != nil {
		return 0, err
	}
	if p.empty {
		return 0, nil
	}
	var n int
	err = s.queryRow(ctx, `SELECT COUNT(*) FROM `+p.from+` WHERE `+p.whereSQL(), p.args...).Scan(&n)
	return n, wrap("count articles", err)
}

// MarkAllRead marks read the user's unread articles that q selects and
// returns how many it marked.
func (s *Store) MarkAllRead(ctx context.Context, q digest.ArticleQuery) (int, error) {
	q.Unread, q.Read, q.Cursor, q.Offset = true, false, "", 0
	total := 0
	for {
		q.Limit = 5000
		refs, err := s.ArticleRefs(ctx, q)
		if err != nil {
			return total, wrap("mark all read", err)
		}
		if len(refs) == 0 {
			return total, nil
		}
		ids := make([]int64, len(refs))
		for i, r := range refs {
			ids[i] = r.ID
		}
		if _, err := s.MarkRead(ctx, q.UserID, ids, true); err != nil {
			return total, err
		}
		total += len(ids)
		if len(refs) < q.Limit {
			return total, nil
		}
	}
}

// UpdateArticle saves an article's title, author, published and updated
// times, site name, language, image, summary, content, text, word count and
// extracted flag. Its URL, feed, story, sources and read state stay.
// ENOTFOUND.
func (s *Store) UpdateArticle(ctx context.Context, a *digest.Article) error {
	published := dbTime(a.Published)
	title, summary, text := clean(a.Title), clean(a.Summary), clean(a.Text)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE articles SET title = ?, author = ?,
			published = CASE WHEN CAST(? AS BIGINT) = 0 THEN published ELSE ? END, updated = ?,
			site_name = ?, lang = ?, image_url = ?, summary = ?, content = ?, text = ?, word_count = ?, extracted = ?
			WHERE id = ?`,
			title, clean(a.Author), published, published, dbTime(a.Updated), clean(a.SiteName), clean(a.Lang),
			clean(a.ImageURL), summary, clean(a.Content), text, a.WordCount, a.Extracted, a.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("article", a.ID)
		}
		if err := s.index(ctx, tx, a.ID, title, summary, text); err != nil {
			return err
		}
		if published != 0 {
			if _, err = s.exec(ctx, tx, `UPDATE article_states SET published = ? WHERE article_id = ? AND published <> ?`,
				published, a.ID, published); err != nil {
				return err
			}
			_, err = s.exec(ctx, tx, `UPDATE sources SET article_published = ? WHERE article_id = ? AND article_published <> ?`,
				published, a.ID, published)
		}
		if err != nil {
			return err
		}
		return s.applyRulesTx(ctx, tx, []int64{a.ID})
	})
	return wrap("update article", err)
}

// MarkRead sets the read flag of the given articles for a user and
// returns how many of them the user sees. Articles the user does not see
// are ignored.
func (s *Store) MarkRead(ctx context.Context, user int64, ids []int64, read bool) (int, error) {
	n, err := s.setFlag(ctx, "read", user, ids, read)
	return n, wrap("mark read", err)
}

// MarkStarred sets the starred flag of the given articles for a user, as
// MarkRead.
func (s *Store) MarkStarred(ctx context.Context, user int64, ids []int64, starred bool) (int, error) {
	n, err := s.setFlag(ctx, "starred", user, ids, starred)
	return n, wrap("mark starred", err)
}

// setFlag sets column (a constant: read or starred) of article states
// and returns how many of ids the user sees.
func (s *Store) setFlag(ctx context.Context, column string, user int64, ids []int64, v bool) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	if user == 0 {
		return 0, digest.Errorf(digest.EINVALID, "no user")
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	seen := 0
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		seen = 0
		for _, c := range s.chunks(ids, 3) {
			in, args := inList(c)
			var n int
			if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM article_states WHERE user_id = ? AND article_id IN (`+in+`)`,
				append([]any{user}, args...)...).Scan(&n); err != nil {
				return err
			}
			seen += n
			if column == "read" {
				if err := s.adjustUnread(ctx, tx, user, in, args, v); err != nil {
					return err
				}
			}
			q := fmt.Sprintf(`UPDATE article_states SET %[1]s = ? WHERE user_id = ? AND %[1]s <> ? AND article_id IN (%[2]s)`, column, in)
			if _, err := s.exec(ctx, tx, q, append([]any{v, user, v}, args...)...); err != nil {
				return err
			}
		}
		return nil
	})
	return seen, err
}

// adjustUnread updates the user's unread counters for the articles (the
// IN list in, with args) about to be marked read (or unread): each feed
// carrying some of them loses (gains) the number of those whose flag will
// flip.
func (s *Store) adjustUnread(ctx context.Context, tx *sql.Tx, user int64, in string, args []any, read bool) error {
	rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT s.feed_id, COUNT(DISTINCT s.article_id)
		FROM article_states st JOIN sources s ON s.article_id = st.article_id
		WHERE st.user_id = ? AND st.read <> ? AND NOT st.hidden AND st.article_id IN (`+in+`)
		GROUP BY s.feed_id`), append([]any{user, read}, args...)...)
	if err != nil {
		return err
	}
	type delta struct{ feed, n int64 }
	var ds []delta
	for rows.Next() {
		var d delta
		if err := rows.Scan(&d.feed, &d.n); err != nil {
			rows.Close()
			return err
		}
		ds = append(ds, d)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range ds {
		if read {
			d.n = -d.n
		}
		if _, err := s.exec(ctx, tx, `UPDATE subscriptions SET unread = unread + ? WHERE user_id = ? AND feed_id = ?`, d.n, user, d.feed); err != nil {
			return err
		}
	}
	return nil
}

// MergeArticles makes dup a syndicated copy of keep: dup's sources move to
// keep; the sources of original (keep or dup) become the Original ones and
// its feed keep's FeedID; every user's read and starred flags are the OR of
// both; keep joins dup's story if it had none; dup is removed. ENOTFOUND if
// either article is missing; EINVALID if keep == dup or original is
// neither.
func (s *Store) MergeArticles(ctx context.Context, keep, dup, original int64) error {
	if keep == dup {
		return digest.Errorf(digest.EINVALID, "cannot merge article %d into itself", keep)
	}
	if original != keep && original != dup {
		return digest.Errorf(digest.EINVALID, "original article %d is neither %d nor %d", original, keep, dup)
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var keepPublished, origFeed int64
		for _, id := range []int64{keep, dup} {
			var published, feed int64
			err := s.txRow(ctx, tx, `SELECT published, COALESCE(feed_id, 0) FROM articles WHERE id = ?`, id).Scan(&published, &feed)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("article", id)
			}
			if err != nil {
				return err
			}
			if id == keep {
				keepPublished = published
			}
			if id == original {
				origFeed = feed
			}
		}
		var feeds []int64
		rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT DISTINCT feed_id FROM sources WHERE article_id IN (?, ?)`), keep, dup)
		if err != nil {
			return err
		}
		for rows.Next() {
			var f int64
			if err := rows.Scan(&f); err != nil {
				rows.Close()
				return err
			}
			feeds = append(feeds, f)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		loser := dup
		if original == dup {
			loser = keep
		}
		steps := []struct {
			q    string
			args []any
		}{
			// Only the losing side's sources stop being original: the
			// winner keeps its own marks (after earlier merges its article
			// also holds copies' sources, which must stay unmarked).
			{`UPDATE sources SET original = FALSE WHERE article_id = ?`, []any{loser}},
			{`UPDATE sources SET article_id = ?, article_published = ? WHERE article_id = ?`, []any{keep, keepPublished, dup}},
			{`UPDATE articles SET feed_id = ?, story_id = COALESCE(story_id, (SELECT story_id FROM articles WHERE id = ?)) WHERE id = ?`,
				[]any{nullID(origFeed), dup, keep}},
			{`INSERT INTO article_states (user_id, article_id, published, read, starred)
				SELECT user_id, CAST(? AS BIGINT), CAST(? AS BIGINT), read, starred FROM article_states WHERE article_id = ?
				ON CONFLICT (user_id, article_id) DO UPDATE SET
				read = (article_states.read OR excluded.read), starred = (article_states.starred OR excluded.starred)`,
				[]any{keep, keepPublished, dup}},
			{`DELETE FROM articles WHERE id = ?`, []any{dup}},
		}
		for _, st := range steps {
			if _, err := s.exec(ctx, tx, st.q, st.args...); err != nil {
				return err
			}
		}
		if err := s.unindex(ctx, tx, dup); err != nil {
			return err
		}
		if err := s.recount(ctx, tx, feeds); err != nil {
			return err
		}
		return s.applyRulesTx(ctx, tx, []int64{keep})
	})
	return wrap("merge articles", err)
}
