package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/occasional-digest/digest/search"
)

// searchRankMax is the number of a search's newest matches that are
// ranked by relevance (see Dialect.SearchRank; web/API.md says so).
const searchRankMax = 2000

// rankSample is the number of a term's newest matches from which its
// document frequency is estimated (rankMatches).
const rankSample = 200

// rankTerms is the number of a search's terms rankMatches weighs; the
// others count for nothing in the order.
const rankTerms = 16

// BM25 as FTS5's bm25(): k1, and the weight of a match in the title
// against one elsewhere.
const (
	rankK1          = 1.2
	rankTitleWeight = 10
)

// rankTerm is one term of a search being ranked.
type rankTerm struct {
	term *search.Term
	idf  float64
}

// weighTerms sets each term's rarity (rankIDF) when there are several to
// weigh against each other, out of the articles up to the highest ID
// (newest, the highest of the candidates, when the table's is lower).
func (s *Store) weighTerms(ctx context.Context, terms []rankTerm, newest int64) error {
	if len(terms) <= 1 {
		return nil
	}
	var top int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM articles`).Scan(&top); err != nil {
		return wrap("articles: search", err)
	}
	total := float64(max(top, newest))
	for i := range terms {
		df, err := s.termFrequency(ctx, terms[i].term, total)
		if err != nil {
			return err
		}
		terms[i].idf = rankIDF(df, total)
	}
	return nil
}

// rankMatches returns the IDs of the newest matches of the search match
// (term is its SearchQuery value), at most searchRankMax, most relevant
// first, the newer first among equals.
//
// The score is BM25's, as FTS5's bm25(articles_fts, 10, 2, 1) computed
// it, from what the search index tells cheaply about these candidates
// alone: for each term (at most rankTerms), whether the article matches
// it in its title and whether elsewhere (a match in the title weighs ten
// times one in the summary or text), saturated (k1 1.2), times the
// term's inverse document frequency. Three simplifications make it
// cheap where bm25() counted every match of every term in the whole
// index first (75% of a search's time at 1,000,000 articles): a term's
// document frequency is estimated from the density of its rankSample
// newest matches among the newest articles; a term counts once in a
// place, however often it occurs there (the index cannot count without
// bm25); lengths are not normalised. Each term costs two queries over
// the candidates' span of IDs (Dialect.SearchRange, SearchBody), each
// with the search itself (SearchAnd: the index then skips to the
// candidates, where a rare search's span is most of the index: 118 ms
// CPU of "earthquake victims" at 1,000,000 articles without) and, in
// a search of several terms, one for its frequency; a search of one term
// needs no frequency, which weighs every article alike, and finds its
// candidates with the two.
func (s *Store) rankMatches(ctx context.Context, match search.Node, term string) ([]int64, error) {
	terms := rankTermsOf(match)
	if t, ok := match.(*search.Term); ok && len(terms) == 1 && !t.Title {
		return s.rankTerm(ctx, t)
	}
	rows, err := s.query(ctx, s.d.SearchNewest, term, searchRankMax)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	ids, err := scanIDs(rows)
	if err != nil || len(ids) == 0 {
		return nil, wrap("articles: search", err)
	}
	if err := s.weighTerms(ctx, terms, ids[0]); err != nil {
		return nil, err
	}
	lo, hi := ids[len(ids)-1], ids[0]
	scores := make(map[int64]float64, len(ids))
	for _, t := range terms {
		freq := map[int64]float64{}
		q, ok := s.d.SearchQuery(t.term)
		if !ok {
			continue
		}
		if !t.term.Title {
			body, err := s.searchSpan(ctx, fmt.Sprintf(s.d.SearchAnd, fmt.Sprintf(s.d.SearchBody, q), term), lo, hi)
			if err != nil {
				return nil, err
			}
			for _, id := range body {
				freq[id]++
			}
			title := *t.term
			title.Title = true
			if q, ok = s.d.SearchQuery(&title); !ok {
				continue
			}
		}
		inTitle, err := s.searchSpan(ctx, fmt.Sprintf(s.d.SearchAnd, q, term), lo, hi)
		if err != nil {
			return nil, err
		}
		for _, id := range inTitle {
			freq[id] += rankTitleWeight
		}
		for id, f := range freq {
			scores[id] += t.idf * rankTF(f)
		}
	}
	return rankOrder(ids, scores), nil
}

// rankTerm is rankMatches for a search of one term t, matched anywhere:
// its candidates are its newest matches outside the title and its
// matches in titles from the oldest of these on, the newest first, which
// is one walk of the index less.
func (s *Store) rankTerm(ctx context.Context, t *search.Term) ([]int64, error) {
	q, ok := s.d.SearchQuery(t)
	if !ok {
		return nil, nil
	}
	rows, err := s.query(ctx, s.d.SearchNewest, fmt.Sprintf(s.d.SearchBody, q), searchRankMax)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	body, err := scanIDs(rows)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	// Every match from lo on: all if the body's are fewer than the
	// candidates.
	lo := int64(math.MinInt64)
	if len(body) == searchRankMax {
		lo = body[len(body)-1]
	}
	title := *t
	title.Title = true
	if q, ok = s.d.SearchQuery(&title); !ok {
		return nil, nil
	}
	inTitle, err := s.searchSpan(ctx, q, lo, math.MaxInt64)
	if err != nil {
		return nil, err
	}
	freq := make(map[int64]float64, len(body)+len(inTitle))
	for _, id := range body {
		freq[id]++
	}
	for _, id := range inTitle {
		freq[id] += rankTitleWeight
	}
	ids := make([]int64, 0, len(freq))
	for id, f := range freq {
		ids = append(ids, id)
		freq[id] = rankTF(f)
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	return rankOrder(ids[:min(len(ids), searchRankMax)], freq), nil
}

// rankTF is BM25's saturation of a term's weighed matches f.
func rankTF(f float64) float64 { return f * (rankK1 + 1) / (f + rankK1) }

// rankOrder returns ids (newest first) by descending score, the newer
// first among equals.
func rankOrder(ids []int64, scores map[int64]float64) []int64 {
	ranked := slices.Clone(ids)
	slices.SortStableFunc(ranked, func(a, b int64) int { return cmp.Compare(scores[b], scores[a]) })
	return ranked
}

// rankTermsOf returns the terms match looks for (not those it excludes),
// at most rankTerms, with idf 1.
func rankTermsOf(match search.Node) []rankTerm {
	var terms []rankTerm
	var walk func(n search.Node)
	walk = func(n search.Node) {
		switch n := n.(type) {
		case *search.Term:
			if len(terms) < rankTerms {
				terms = append(terms, rankTerm{term: n, idf: 1})
			}
		case search.And:
			for _, c := range n {
				walk(c)
			}
		case search.Or:
			for _, c := range n {
				walk(c)
			}
		}
	}
	walk(match)
	return terms
}

// rankIDF is FTS5's inverse document frequency of a term that df of
// total articles match.
func rankIDF(df, total float64) float64 {
	idf := math.Log((total - df + 0.5) / (df + 0.5))
	if idf <= 1e-6 || math.IsNaN(idf) {
		return 1e-6
	}
	return idf
}

// termFrequency estimates the number of articles, of total, that match
// t: its matches if fewer than rankSample, else rankSample over the
// share of the newest articles its rankSample newest matches span.
func (s *Store) termFrequency(ctx context.Context, t *search.Term, total float64) (float64, error) {
	q, ok := s.d.SearchQuery(t)
	if !ok {
		return 0, nil
	}
	rows, err := s.query(ctx, s.d.SearchNewest, q, rankSample)
	if err != nil {
		return 0, wrap("articles: search", err)
	}
	sample, err := scanIDs(rows)
	if err != nil {
		return 0, wrap("articles: search", err)
	}
	if len(sample) < rankSample {
		return float64(len(sample)), nil
	}
	span := total - float64(sample[len(sample)-1]) + 1
	return min(total, total*rankSample/max(span, rankSample)), nil
}

// searchSpan returns the IDs from lo to hi of the articles that match q
// (a SearchQuery value).
func (s *Store) searchSpan(ctx context.Context, q string, lo, hi int64) ([]int64, error) {
	rows, err := s.query(ctx, s.d.SearchRange, q, lo, hi)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	ids, err := scanIDs(rows)
	return ids, wrap("articles: search", err)
}

// rankedPage returns the plan of the n articles of plan p (ordered by
// rank: SearchNewest) after the first offset: their IDs, read from the
// states alone, listed in page order.
func (s *Store) rankedPage(ctx context.Context, p *articlePlan, userID int64, offset, n int) (*articlePlan, error) {
	rows, err := s.query(ctx, `SELECT st.article_id FROM `+p.from+` WHERE `+p.whereSQL()+` ORDER BY `+p.orderBy()+
		` LIMIT ? OFFSET ?`, append(slices.Clone(p.args), n, offset)...)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	out := &articlePlan{sortKey: p.sortKey, desc: p.desc, stems: p.stems, relevance: true}
	out.from = "(" + s.d.SearchRanked + ") f CROSS JOIN article_states st"
	out.add("", rankedList(ids))
	out.add("st.article_id = f.id")
	out.add("st.user_id = ?", userID)
	return out, nil
}

// listedPage returns the plan of the n articles of plan p after the
// first offset, in p's order: their IDs, read from the states alone,
// listed.
func (s *Store) listedPage(ctx context.Context, p *articlePlan, userID int64, offset, n int) (*articlePlan, error) {
	rows, err := s.query(ctx, `SELECT st.article_id FROM `+p.from+` WHERE `+p.whereSQL()+` ORDER BY `+p.orderBy()+
		` LIMIT ? OFFSET ?`, append(slices.Clone(p.args), n, offset)...)
	if err != nil {
		return nil, wrap("articles", err)
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, wrap("articles", err)
	}
	if len(ids) == 0 {
		ids = []int64{0} // no article has ID 0
	}
	out := &articlePlan{sortKey: p.sortKey, desc: p.desc, stems: p.stems}
	in, args := inList(ids)
	out.from = "(SELECT id FROM articles WHERE id IN (" + in + ")) f CROSS JOIN article_states st"
	out.add("", args...)
	out.add("st.article_id = f.id")
	out.add("st.user_id = ?", userID)
	return out, nil
}

// rankedList returns the bind value of Dialect.SearchRanked for ids.
func rankedList(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}
