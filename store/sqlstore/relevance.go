package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/search"
)

// A search by relevance with filters (date:, feed:, author:, entity:,
// the query's feed, category and flags, the reader's rules, a reader of
// few feeds) ranks the newest matches that pass the filters, at most
// filteredRankMax: ranking the words' newest matches first and filtering
// them afterwards found nothing where the filters keep older articles
// only ("president date:2026-06-01..2026-06-30" by relevance found none
// of the 50 found newest first).
//
// The candidates are found by whichever of two walks finishes first,
// taken in turns by the time each has taken so far
// (filteredCandidates): one walks the words' matches, newest first, and
// keeps those that pass the filters (cheap when the filters keep most
// matches); the other walks the articles of the filters, newest first
// (the smallest list of a feed:, entity: or author: filter, or the plan
// a search without words would use: a feed's index, the reader's
// articles in a date range) and keeps those that match the words (cheap
// when the filters select fewer articles than the words). Each ends
// when it has the candidates or runs out, so the time is about twice the
// cheaper one's. Counting rows does not tell the cost: a walk of the
// reader's articles checks an entity: or author: filter on every article
// it passes, and which it returns tells nothing of how many it passed
// ("entity:Germany president" at 1,000,000 articles: 350 ms for a
// batch of 128). Both walks keep their matches newest first, so what
// either found so far is the newest of all (by ID; by publication for
// the plan's walk): the time taken decides which is returned, not
// whether it is right.

// filteredRankMax is the number of candidates a filtered search by
// relevance ranks: fewer than searchRankMax, as finding each costs more
// where the filters and the words are both common (at 1,000,000
// articles "police feed:\"Daily 42\"" walks about 4 feed articles for
// each match it keeps).
const filteredRankMax = 500

// filteredRankLeast is the fewest candidates a filtered search by
// relevance ranks when there are as many, however much finding them
// costs (see rankBudget).
const filteredRankLeast = 50

// rankBudget is the time after which the walks stop as soon as one has
// found filteredRankLeast candidates: a word in most articles with a
// filter keeping a few percent of them reads tens of thousands of
// matches for 500 candidates at 1,000,000 articles.
const rankBudget = 20 * time.Millisecond

// relevanceFiltered reports whether a search by relevance of q (the
// search term, of dialect sd) has filters beyond the words: the
// search's operators other than words (sq; feeds and entities
// resolved), q's own filters, rules that hide articles from the reader,
// or a reader of at most half the feeds who sees fewer than half of the
// words' rankSample newest matches (whose articles are then a small part
// of the words' matches).
func (s *Store) relevanceFiltered(ctx context.Context, q digest.ArticleQuery, sq *search.Query, feeds []int64, entities [][]int64,
	sd *Dialect, term string) (bool, error) {
	if sq != nil && (len(sq.Dates) > 0 || len(sq.Authors) > 0 || len(entities) > 0 || feeds != nil) {
		return true, nil
	}
	if q.FeedID != 0 || q.CategoryID != 0 || q.Unread || q.Read || q.Starred || !q.After.IsZero() || !q.Before.IsZero() ||
		q.AfterID != 0 || q.BeforeID != 0 {
		return true, nil
	}
	if hides, err := s.hidesAny(ctx, q.UserID); err != nil || hides {
		return hides, wrap("articles: search", err)
	}
	if sd.SearchBefore == "" {
		return false, nil
	}
	// A reader of more than half the feeds is not sampled: the sample
	// costs a search of its own (intitle:"new york": 5-10 ms CPU at
	// 1,000,000 articles).
	var few bool
	if err := s.queryRow(ctx, `SELECT 2 * (SELECT COUNT(*) FROM subscriptions WHERE user_id = ?) <= (SELECT COUNT(*) FROM feeds)`,
		q.UserID).Scan(&few); err != nil || !few {
		return false, wrap("articles: search", err)
	}
	rows, err := s.query(ctx, sd.SearchBefore, term, int64(math.MaxInt64), rankSample)
	if err != nil {
		return false, wrap("articles: search", err)
	}
	sample, err := scanIDs(rows)
	if err != nil || len(sample) == 0 {
		return false, wrap("articles: search", err)
	}
	var seen int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+s.d.SearchRanked+`) f CROSS JOIN article_states st
		WHERE st.article_id = f.id AND st.user_id = ?`, rankedList(sample), q.UserID).Scan(&seen); err != nil {
		return false, wrap("articles: search", err)
	}
	return 2*seen < len(sample), nil
}

// rankFiltered returns the IDs of the newest matches of the search term
// (match, of dialect sd) among the articles that pass q's filters, at
// most filteredRankMax, most relevant first.
//
// Past a budget of work it ranks fewer, but at least least (the page
// asked for and the ones before it) when there are as many.
func (s *Store) rankFiltered(ctx context.Context, q digest.ArticleQuery, sq *search.Query, feeds []int64, entities [][]int64,
	sd *Dialect, match search.Node, term string, least int) ([]int64, error) {
	ids, err := s.filteredCandidates(ctx, q, sq, feeds, entities, sd, term, filteredRankMax, least)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	if s.d.SearchRankAmong != "" {
		return s.rankAmongByDB(ctx, term, ids)
	}
	return s.rankAmong(ctx, sd, match, term, ids)
}

// walker is one of the walks of filteredCandidates.
type walker struct {
	found []int64
	cost  time.Duration // the time its steps took
	done  bool
	step  func() error
}

// relevanceListMax is the number of articles up to which the articles
// of a feed:, entity: or author: filter (or the query's feed) are
// listed for a filtered search by relevance (filterList).
const relevanceListMax = 10_000

// filteredCandidates returns up to need articles of q's filters (q's
// search words left out; sq its parsed search, feeds and entities its
// filters resolved) that match term, newest first, by whichever walk
// finishes first (see the comment at the top of this file).
//
// Past rankBudget, the walks stop once one has found least candidates.
func (s *Store) filteredCandidates(ctx context.Context, q digest.ArticleQuery, sq *search.Query, feeds []int64, entities [][]int64,
	sd *Dialect, term string, need, least int) ([]int64, error) {
	fq := q
	fq.Relevance, fq.Cursor, fq.Offset = false, "", 0
	// Every filter as a condition on a list of IDs (bound as one value,
	// SearchRanked) in place of the IDs of q.IDs.
	cq := fq
	cq.IDs = []int64{0}
	cp, err := s.buildPlan(ctx, cq, need, false, true)
	if err != nil || cp.empty {
		return nil, err
	}
	from := "(" + s.d.SearchRanked + ") f CROSS JOIN article_states st"
	check := func(ids []int64) (map[int64]bool, error) {
		args := append([]any{rankedList(ids)}, cp.args[1:]...)
		rows, err := s.query(ctx, `SELECT st.article_id FROM `+from+` WHERE `+cp.whereSQL(), args...)
		if err != nil {
			return nil, wrap("articles: search", err)
		}
		kept, err := scanIDs(rows)
		if err != nil {
			return nil, wrap("articles: search", err)
		}
		keep := make(map[int64]bool, len(kept))
		for _, id := range kept {
			keep[id] = true
		}
		return keep, nil
	}
	gap, err := s.matchGap(ctx, sd, term)
	if err != nil {
		return nil, err
	}
	var walkers []*walker
	list, listed, err := s.filterList(ctx, q, sq, feeds, entities)
	if err != nil {
		return nil, err
	}
	if listed {
		if len(list) == 0 {
			return nil, nil
		}
		// The articles of the smallest list filter, newest first: the
		// words checked on a batch of them, a stretch of IDs at a time,
		// then the filters on those that match.
		byList := &walker{}
		batch, walked := walkFirst, 0
		byList.step = func() error {
			ids := list[:min(batch, len(list))]
			list = list[len(ids):]
			match, err := s.matchSpans(ctx, sd, term, ids, gap)
			if err != nil {
				return err
			}
			var hits []int64
			for _, id := range ids {
				if match[id] {
					hits = append(hits, id)
				}
			}
			if len(hits) > 0 {
				keep, err := check(hits)
				if err != nil {
					return err
				}
				for _, id := range hits {
					if keep[id] && len(byList.found) < need {
						byList.found = append(byList.found, id)
					}
				}
			}
			walked += len(ids)
			byList.done = len(list) == 0 || len(byList.found) >= need
			batch = nextBatch(batch, walked, len(byList.found), need)
			return nil
		}
		walkers = append(walkers, byList)
	} else if !listable(q, sq, feeds, entities) || sd.SearchBefore == "" {
		// The plan of the filters (the reader's articles in a date
		// range, ...), walked in page order. Not with a feed:, entity:
		// or author: filter of too many articles: the plan would walk
		// the reader's articles checking it on each, the words'
		// matches are fewer ("said entity:London" at 1,000,000
		// articles: 77 ms CPU for the plan's first 16 articles).
		fp, err := s.buildPlan(ctx, fq, need, false, true)
		if err != nil || fp.empty {
			return nil, err
		}
		// Its first batch is small: the plan may pass many articles for
		// each it returns, and the other walk takes over when it does.
		byPlan := &walker{}
		batch := walkFirst / 8
		last := &[2]int64{math.MinInt64, math.MinInt64} // none yet
		byPlan.step = func() error {
			ids, err := s.walkBatch(ctx, fp, last, batch)
			if err != nil {
				return err
			}
			if len(ids) > 0 {
				match, err := s.matchSpans(ctx, sd, term, ids, gap)
				if err != nil {
					return err
				}
				for _, id := range ids {
					if match[id] && len(byPlan.found) < need {
						byPlan.found = append(byPlan.found, id)
					}
				}
			}
			byPlan.done = len(ids) < batch || len(byPlan.found) >= need
			batch = min(batch*2, walkMax)
			return nil
		}
		walkers = append(walkers, byPlan)
	}
	if sd.SearchBefore != "" {
		// The words' matches, newest first, the filters checked on a
		// batch of them at a time.
		byWords := &walker{}
		before, batch, walked := int64(math.MaxInt64), 2*walkFirst, 0
		byWords.step = func() error {
			rows, err := s.query(ctx, sd.SearchBefore, term, before, batch)
			if err != nil {
				return wrap("articles: search", err)
			}
			ids, err := scanIDs(rows)
			if err != nil {
				return wrap("articles: search", err)
			}
			if len(ids) > 0 {
				keep, err := check(ids)
				if err != nil {
					return err
				}
				for _, id := range ids {
					if keep[id] && len(byWords.found) < need {
						byWords.found = append(byWords.found, id)
					}
				}
				before = ids[len(ids)-1]
			}
			walked += len(ids)
			byWords.done = len(ids) < batch || len(byWords.found) >= need
			batch = nextBatch(batch, walked, len(byWords.found), need)
			return nil
		}
		walkers = append(walkers, byWords)
	}
	for {
		w := walkers[0]
		for _, o := range walkers[1:] {
			if o.cost < w.cost {
				w = o
			}
		}
		start := time.Now()
		if err := w.step(); err != nil {
			return nil, err
		}
		w.cost += time.Since(start)
		if w.done {
			return w.found, nil
		}
		// Past the budget, the longer of the lists found so far: each
		// walk keeps its matches newest first, so what it found is the
		// newest of all.
		spent, best := time.Duration(0), w
		for _, o := range walkers {
			spent += o.cost
			if len(o.found) > len(best.found) {
				best = o
			}
		}
		if spent >= rankBudget && len(best.found) >= least {
			return best.found, nil
		}
	}
}

// nextBatch returns the size of a walk's next batch: twice the last
// (at most walkMax), or less when the share of the articles walked so
// far that were kept says that fewer will do.
func nextBatch(last, walked, found, need int) int {
	n := min(last*2, walkMax)
	if found > 0 && walked > 0 {
		n = min(n, max(walkFirst, (need-found)*walked/found*5/4))
	}
	return n
}

// listable reports whether q has filters that filterList may list.
func listable(q digest.ArticleQuery, sq *search.Query, feeds []int64, entities [][]int64) bool {
	return q.FeedID != 0 || len(feeds) > 0 || len(entities) > 0 || (sq != nil && len(sq.Authors) > 0)
}

// filterList returns the IDs of the articles of the most selective of
// q's filters that list articles (the query's feed, feed:, entity:,
// author:), highest first, and whether one lists at most
// relevanceListMax articles. The list is empty when a filter matches
// nothing.
func (s *Store) filterList(ctx context.Context, q digest.ArticleQuery, sq *search.Query, feeds []int64, entities [][]int64) ([]int64, bool, error) {
	type source struct {
		sql  string
		args []any
	}
	var sources []source
	if q.FeedID != 0 {
		sources = append(sources, source{"SELECT article_id AS id FROM sources WHERE feed_id = ?", []any{q.FeedID}})
	}
	if len(feeds) > 0 {
		in, args := inList(feeds)
		sources = append(sources, source{"SELECT article_id AS id FROM sources WHERE feed_id IN (" + in + ")", args})
	}
	for _, set := range entities {
		// Listing an entity's articles reads each through its story:
		// one whose stories, at the average number of articles per
		// story, hold more than the list may is not listed ("said
		// entity:London" at 1,000,000 articles read 10,001 articles of
		// 2,590 stories, 20 ms, to find that it could not be listed).
		in, args := inList(set)
		var stories int
		var perStory float64
		if err := s.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM story_entities WHERE entity_id IN (`+in+`) LIMIT ?) n),
			(SELECT COALESCE(MAX(id), 0) FROM articles) * 1.0 / (SELECT COALESCE(MAX(id), 0) + 1 FROM stories)`,
			append(slices.Clone(args), relevanceListMax+1)...).Scan(&stories, &perStory); err != nil {
			return nil, false, wrap("articles: search", err)
		}
		if float64(stories)*perStory > relevanceListMax {
			continue
		}
		sources = append(sources, source{entityArticles(in), args})
	}
	if sq != nil && len(sq.Authors) > 0 {
		names, ok, err := s.authorNames(ctx, sq.Authors)
		if err != nil {
			return nil, false, err
		}
		if ok && len(names) == 0 {
			return nil, true, nil
		}
		if ok {
			in := strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")
			args := make([]any, len(names))
			for i, n := range names {
				args[i] = n
			}
			sources = append(sources, source{"SELECT id FROM articles WHERE author IN (" + in + ")", args})
		}
	}
	var best []int64
	found := false
	for _, src := range sources {
		rows, err := s.query(ctx, `SELECT id FROM (`+src.sql+`) l LIMIT ?`, append(src.args, relevanceListMax+1)...)
		if err != nil {
			return nil, false, wrap("articles: search", err)
		}
		ids, err := scanIDs(rows)
		if err != nil {
			return nil, false, wrap("articles: search", err)
		}
		if len(ids) <= relevanceListMax && (!found || len(ids) < len(best)) {
			best, found = ids, true
		}
	}
	slices.SortFunc(best, func(a, b int64) int { return cmp.Compare(b, a) })
	return slices.Compact(best), found, nil
}

// matchGap returns the largest gap between two IDs of a list that one
// range query of the search term should span (matchSpans): reading a
// match of a range costs about a 500th of a query, so the gap is 500
// over the share of articles that match, estimated from the term's
// rankSample newest matches. A rare word's ranges cover the list at
// once, a common word's stay close to the listed IDs.
func (s *Store) matchGap(ctx context.Context, sd *Dialect, term string) (int64, error) {
	if sd.SearchBefore == "" || sd.SearchAmong != "" {
		return walkGap, nil
	}
	rows, err := s.query(ctx, sd.SearchBefore, term, int64(math.MaxInt64), rankSample)
	if err != nil {
		return 0, wrap("articles: search", err)
	}
	sample, err := scanIDs(rows)
	if err != nil {
		return 0, wrap("articles: search", err)
	}
	if len(sample) < rankSample {
		return math.MaxInt64, nil
	}
	span := sample[0] - sample[len(sample)-1] + 1
	return max(walkGap/4, 500*span/rankSample), nil
}

// matchSpans returns which of ids match the search t of dialect d, as
// matchAmong does, with range queries spanning gaps up to gap.
func (s *Store) matchSpans(ctx context.Context, d *Dialect, t string, ids []int64, gap int64) (map[int64]bool, error) {
	if d.SearchAmong != "" || d.SearchRange == "" {
		return s.matchAmong(ctx, d, t, ids)
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	match := make(map[int64]bool, len(ids))
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j]-sorted[j-1] <= gap {
			j++
		}
		var rows *sql.Rows
		var err error
		if d.SearchRangeListed != "" {
			rows, err = s.query(ctx, d.SearchRangeListed, t, sorted[i], sorted[j-1], rankedList(sorted[i:j]))
		} else {
			rows, err = s.query(ctx, d.SearchRange, t, sorted[i], sorted[j-1])
		}
		if err != nil {
			return nil, wrap("articles: search", err)
		}
		got, err := scanIDs(rows)
		if err != nil {
			return nil, wrap("articles: search", err)
		}
		for _, id := range got {
			match[id] = true
		}
		i = j
	}
	return match, nil
}

// rankAmongByDB orders ids (newest first) by the database's rank of
// the search term (Dialect.SearchRankAmong), the newer first among
// equals.
func (s *Store) rankAmongByDB(ctx context.Context, term string, ids []int64) ([]int64, error) {
	scores := make(map[int64]float64, len(ids))
	for _, c := range s.chunks(ids, 1) {
		in, args := inList(c)
		rows, err := s.query(ctx, fmt.Sprintf(s.d.SearchRankAmong, in), append([]any{term}, args...)...)
		if err != nil {
			return nil, wrap("articles: search", err)
		}
		for rows.Next() {
			var id int64
			var rank float64
			if err := rows.Scan(&id, &rank); err != nil {
				rows.Close()
				return nil, wrap("articles: search", err)
			}
			scores[id] = -rank
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrap("articles: search", err)
		}
	}
	return rankOrder(ids, scores), nil
}

// rankAmong orders ids (newest first), the candidates of a filtered
// search by relevance, as rankMatches orders its candidates (BM25 of
// matches in titles and elsewhere, a term's frequency estimated from its
// newest matches), and the newer first among equals. Titles are read
// and their words matched here: asking the index which candidates hold
// a term in their title reads every match of the term between the
// oldest candidate and the newest, which for candidates scattered over
// the whole index (a feed's, an entity's) is every match of a common
// word. A term every match must hold (not under OR) is counted as
// present outside the title too, without asking: an article whose title
// holds it almost always says it again, and a second match weighs little
// beside the title's (BM25 saturates: 1.96 against 1.98). A term under
// OR is looked up in the index over the candidates' stretches of IDs.
func (s *Store) rankAmong(ctx context.Context, sd *Dialect, match search.Node, term string, ids []int64) ([]int64, error) {
	terms := rankTermsOf(match)
	required := requiredTerms(match)
	if err := s.weighTerms(ctx, terms, ids[0]); err != nil {
		return nil, err
	}
	titles := make(map[int64][]string, len(ids))
	rows, err := s.query(ctx, `SELECT a.id, a.title FROM (`+s.d.SearchRanked+`) f CROSS JOIN articles a WHERE a.id = f.id`, rankedList(ids))
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	for rows.Next() {
		var id int64
		var title string
		if err := rows.Scan(&id, &title); err != nil {
			rows.Close()
			return nil, wrap("articles: search", err)
		}
		titles[id] = titleStems(title)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("articles: search", err)
	}
	scores := make(map[int64]float64, len(ids))
	for _, t := range terms {
		stems := make([]string, len(t.term.Words))
		for i, w := range t.term.Words {
			stems[i] = search.Stem(w)
		}
		var body map[int64]bool
		if !t.term.Title && !required[t.term] {
			q, ok := sd.SearchQuery(t.term)
			if !ok {
				continue
			}
			var err error
			if body, err = s.matchAmong(ctx, sd, fmt.Sprintf(s.d.SearchBody, q), ids); err != nil {
				return nil, err
			}
		}
		for _, id := range ids {
			var f float64
			if !t.term.Title && (required[t.term] || body[id]) {
				f++
			}
			if containsRun(titles[id], stems) {
				f += rankTitleWeight
			}
			if f > 0 {
				scores[id] += t.idf * rankTF(f)
			}
		}
	}
	return rankOrder(ids, scores), nil
}

// requiredTerms returns the terms of match every match holds: those not
// under an OR (nor excluded).
func requiredTerms(match search.Node) map[*search.Term]bool {
	out := map[*search.Term]bool{}
	var walk func(n search.Node)
	walk = func(n search.Node) {
		switch n := n.(type) {
		case *search.Term:
			out[n] = true
		case search.And:
			for _, c := range n {
				walk(c)
			}
		}
	}
	walk(match)
	return out
}

// titleStems returns the stems of a title's words, as the search index
// cuts, folds and stems them.
func titleStems(title string) []string {
	var out []string
	search.Words(title, func(_, _ int, w string) { out = append(out, search.Stem(w)) })
	return out
}

// containsRun reports whether words holds run, in a row.
func containsRun(words, run []string) bool {
	if len(run) == 0 {
		return false
	}
	for i := 0; i+len(run) <= len(words); i++ {
		if slices.Equal(words[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

// walkBatch returns the IDs of the next n articles of plan p after
// *last (nil: from the first), and sets *last to the last one's keys.
func (s *Store) walkBatch(ctx context.Context, p *articlePlan, last *[2]int64, n int) ([]int64, error) {
	b := *p
	b.where, b.args = slices.Clone(p.where), slices.Clone(p.args)
	if last[0] != math.MinInt64 || last[1] != math.MinInt64 {
		b.after(last[0], last[1])
	}
	rows, err := s.query(ctx, `SELECT st.article_id, `+b.sortKey[0]+` FROM `+b.from+` WHERE `+b.whereSQL()+
		` ORDER BY `+b.orderBy()+` LIMIT ?`, append(b.args, n)...)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	defer rows.Close()
	var ids []int64
	var key int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &key); err != nil {
			return nil, wrap("articles: search", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("articles: search", err)
	}
	if len(ids) > 0 {
		*last = [2]int64{key, ids[len(ids)-1]}
	}
	return ids, nil
}
