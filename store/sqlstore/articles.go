package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
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
	a.image_url, a.summary, a.word_count, a.extracted, a.created, COALESCE(a.feed_id, 0), COALESCE(a.story_id, 0)`

func articleDest(a *digest.Article, published, updated, created *int64) []any {
	return []any{&a.ID, &a.URL, &a.Title, &a.Author, published, updated, &a.SiteName, &a.Lang,
		&a.ImageURL, &a.Summary, &a.WordCount, &a.Extracted, created, &a.FeedID, &a.StoryID}
}

func setArticleTimes(a *digest.Article, published, updated, created int64) {
	a.Published = goTime(published)
	a.Updated = goTime(updated)
	a.Created = goTime(created)
}

// Article returns one article with its content, its sources (original
// first) and the default user's read state. ENOTFOUND.
func (s *Store) Article(ctx context.Context, id int64) (*digest.Article, error) {
	var a digest.Article
	var published, updated, created int64
	dest := append(articleDest(&a, &published, &updated, &created), &a.Content, &a.Text, &a.Read, &a.Starred)
	err := s.queryRow(ctx, `SELECT `+articleCols+`, a.content, a.text,
		COALESCE(st.read, FALSE), COALESCE(st.starred, FALSE)
		FROM articles a LEFT JOIN article_states st ON st.article_id = a.id AND st.user_id = ?
		WHERE a.id = ?`, digest.DefaultUserID, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("article", id)
	}
	if err != nil {
		return nil, wrap("article", err)
	}
	setArticleTimes(&a, published, updated, created)
	page := []digest.Article{a}
	if err := s.fillSources(ctx, page); err != nil {
		return nil, wrap("article", err)
	}
	return &page[0], nil
}

// fillSources sets the Sources of the articles with one query.
func (s *Store) fillSources(ctx context.Context, as []digest.Article) error {
	if len(as) == 0 {
		return nil
	}
	index := make(map[int64]int, len(as))
	ids := make([]int64, len(as))
	for i := range as {
		index[as[i].ID] = i
		ids[i] = as[i].ID
	}
	for _, c := range s.chunks(ids, 0) {
		in, args := inList(c)
		rows, err := s.query(ctx, `SELECT s.article_id, s.feed_id, s.guid, s.url, s.title, s.published, s.original,
			f.title, f.site_url, COALESCE(f.icon_id, 0)
			FROM sources s JOIN feeds f ON f.id = s.feed_id
			WHERE s.article_id IN (`+in+`)
			ORDER BY s.article_id, s.original DESC, s.created, s.feed_id, s.guid`, args...)
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

// Articles returns a page of the user's articles (those of their feeds),
// newest published first, ties by descending ID, with sources but without
// Content and Text. Pages are keyset-paginated: articles inserted while
// paging appear on no later page unless they sort after the cursor, and no
// article is skipped or repeated. Search matches every word of q.Search in
// the title, summary or text. EINVALID for a malformed cursor.
func (s *Store) Articles(ctx context.Context, q digest.ArticleQuery) (*digest.ArticlePage, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 50
	case limit > 500:
		limit = 500
	}
	// The query is driven by the most selective filter:
	//   - a story, or search words with few matches: their articles are
	//     looked up and sorted;
	//   - a feed: its sources are walked in the order of the page on the
	//     index (feed_id, article_published DESC, article_id DESC) and the
	//     walk stops after one page, however many articles the feed has;
	//   - otherwise the user's index on (published, article_id) is walked.
	// Other filters are checked row by row; search words with many matches
	// through an IN list of them, or, when most articles match, by checking
	// each article walked (Dialect.SearchCheck). CROSS JOIN fixes the join
	// order in SQLite; PostgreSQL plans it freely.
	type cond struct {
		sql  string
		args []any
	}
	var (
		from   string
		conds  []cond
		search *cond // search words: IN list of the matches
		driven bool  // from already holds the driving subquery
	)
	// sortKey is the (published, article_id) pair the page is ordered by,
	// in the driving table.
	sortKey := [2]string{"st.published", "st.article_id"}
	if strings.TrimSpace(q.Search) != "" {
		term, ok := s.d.SearchQuery(clean(q.Search))
		if !ok {
			return &digest.ArticlePage{Articles: []digest.Article{}}, nil
		}
		// Matches are counted up to the point where a plan changes.
		limitCount, checkMin := searchDriveMax, 0
		if s.d.SearchCheck != "" && q.StoryID == 0 {
			var total int64
			if err := s.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM articles`).Scan(&total); err != nil {
				return nil, wrap("articles: search", err)
			}
			checkMin = searchCheckMin(limit, total)
			limitCount = max(limitCount, checkMin)
		}
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+s.d.SearchIDs+` LIMIT ?) m`, term, limitCount).Scan(&n); err != nil {
			return nil, wrap("articles: search", err)
		}
		search = &cond{"st.article_id IN (SELECT id FROM (" + s.d.SearchIDs + ") f2)", []any{term}}
		if checkMin > searchDriveMax && n >= checkMin {
			// A word in most articles: the walk finds a page after a few
			// checks, while listing the matches would take them all.
			search.sql = fmt.Sprintf(s.d.SearchCheck, "st.article_id")
		}
		if n < searchDriveMax && q.StoryID == 0 {
			from = "(" + s.d.SearchIDs + ") f CROSS JOIN article_states st CROSS JOIN articles a"
			conds = append(conds, cond{"", []any{term}}, cond{"st.article_id = f.id", nil})
			search, driven = nil, true
		}
	}
	if q.StoryID != 0 {
		from = "(SELECT id FROM articles WHERE story_id = ?) f CROSS JOIN article_states st CROSS JOIN articles a"
		conds = append(conds, cond{"", []any{q.StoryID}}, cond{"st.article_id = f.id", nil})
		driven = true
	}
	if q.FeedID != 0 {
		if driven {
			conds = append(conds, cond{"EXISTS (SELECT 1 FROM sources s WHERE s.article_id = st.article_id AND s.feed_id = ?)", []any{q.FeedID}})
		} else {
			// A feed may carry an article twice (under two GUIDs): only
			// its source with the least GUID is walked. The check reads
			// the same index as the walk, next to the current entry.
			from = "sources s CROSS JOIN article_states st CROSS JOIN articles a"
			conds = append(conds, cond{"s.feed_id = ?", []any{q.FeedID}}, cond{"st.article_id = s.article_id", nil},
				cond{`NOT EXISTS (SELECT 1 FROM sources s2 WHERE s2.feed_id = s.feed_id
					AND s2.article_published = s.article_published AND s2.article_id = s.article_id AND s2.guid < s.guid)`, nil})
			sortKey = [2]string{"s.article_published", "s.article_id"}
			driven = true
		}
	}
	if !driven {
		from = "article_states st CROSS JOIN articles a"
	}
	conds = append(conds, cond{"st.user_id = ?", []any{userID(q.UserID)}}, cond{"a.id = st.article_id", nil})
	if search != nil {
		conds = append(conds, *search)
	}
	if q.Unread {
		conds = append(conds, cond{"NOT st.read", nil})
	}
	if q.Starred {
		conds = append(conds, cond{"st.starred", nil})
	}
	if q.Cursor != "" {
		p, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, wrap("articles", err)
		}
		// The first term gives an index range; the second breaks ties.
		conds = append(conds, cond{sortKey[0] + " <= ? AND (" + sortKey[0] + " < ? OR " + sortKey[1] + " < ?)", []any{p, p, id}})
	}
	var where []string
	var args []any
	for _, c := range conds {
		if c.sql != "" {
			where = append(where, c.sql)
		}
		args = append(args, c.args...)
	}
	args = append(args, limit+1)
	rows, err := s.query(ctx, `SELECT `+articleCols+`, st.read, st.starred
		FROM `+from+`
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY `+sortKey[0]+` DESC, `+sortKey[1]+` DESC LIMIT ?`, args...)
	if err != nil {
		return nil, wrap("articles", err)
	}
	defer rows.Close()
	page := &digest.ArticlePage{Articles: make([]digest.Article, 0, min(limit, 64))}
	for rows.Next() {
		var a digest.Article
		var published, updated, created int64
		if err := rows.Scan(append(articleDest(&a, &published, &updated, &created), &a.Read, &a.Starred)...); err != nil {
			return nil, wrap("articles", err)
		}
		setArticleTimes(&a, published, updated, created)
		page.Articles = append(page.Articles, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("articles", err)
	}
	rows.Close()
	if len(page.Articles) > limit {
		page.Articles = page.Articles[:limit]
		last := page.Articles[limit-1]
		page.Next = encodeCursor(dbTime(last.Published), last.ID)
	}
	if err := s.fillSources(ctx, page.Articles); err != nil {
		return nil, wrap("articles", err)
	}
	return page, nil
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
			published = CASE WHEN ? = 0 THEN published ELSE ? END, updated = ?,
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
		return err
	})
	return wrap("update article", err)
}

// MarkRead sets the read flag of the given articles for a user (0: the
// default user). Articles the user does not see are ignored.
func (s *Store) MarkRead(ctx context.Context, user int64, ids []int64, read bool) error {
	return wrap("mark read", s.setFlag(ctx, "read", user, ids, read))
}

// MarkStarred sets the starred flag of the given articles for a user (0:
// the default user). Articles the user does not see are ignored.
func (s *Store) MarkStarred(ctx context.Context, user int64, ids []int64, starred bool) error {
	return wrap("mark starred", s.setFlag(ctx, "starred", user, ids, starred))
}

// setFlag sets column (a constant: read or starred) of article states.
func (s *Store) setFlag(ctx context.Context, column string, user int64, ids []int64, v bool) error {
	if len(ids) == 0 {
		return nil
	}
	user = userID(user)
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, c := range s.chunks(ids, 3) {
			in, args := inList(c)
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
}

// adjustUnread updates the user's unread counters for the articles (the
// IN list in, with args) about to be marked read (or unread): each feed
// carrying some of them loses (gains) the number of those whose flag will
// flip.
func (s *Store) adjustUnread(ctx context.Context, tx *sql.Tx, user int64, in string, args []any, read bool) error {
	rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT s.feed_id, COUNT(DISTINCT s.article_id)
		FROM article_states st JOIN sources s ON s.article_id = st.article_id
		WHERE st.user_id = ? AND st.read <> ? AND st.article_id IN (`+in+`)
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
		return s.recount(ctx, tx, feeds)
	})
	return wrap("merge articles", err)
}
