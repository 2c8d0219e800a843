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

// rankMatches returns the IDs of the newest matches of the search match
// (term is its SearchQuery value), at most searchRankMax, most relevant
// first, the newer first among equals.
//
// The score is BM25's, as FTS5's bm25(articles_fts, 10, 2, 1) computed
// it, from what the search index tells cheaply about these candidates
// alone: for each term (at most rankTerms), whether the article matches
// it and whether in its title (a match there weighs ten times one in
// the text), saturated (k1 1.2), times the term's inverse document
// frequency. Three simplifications make it cheap where bm25() counted
// every match of every term in the whole index first (75% of a search's
// time at 1,000,000 articles): a term's document frequency is estimated
// from the density of its rankSample newest matches among the newest
// articles; a term counts once in the text, however often it occurs
// there (the index cannot count without bm25); lengths are not
// normalised. Each term costs one query over the candidates' span of
// IDs (its matches in titles; Dialect.SearchRange), and one more when
// the search does not require it (OR); a search of one term needs no
// document frequency, which weighs every article alike.
func (s *Store) rankMatches(ctx context.Context, match search.Node, term string) ([]int64, error) {
	rows, err := s.query(ctx, s.d.SearchNewest, term, searchRankMax)
	if err != nil {
		return nil, wrap("articles: search", err)
	}
	ids, err := scanIDs(rows)
	if err != nil || len(ids) == 0 {
		return nil, wrap("articles: search", err)
	}
	terms := rankTermsOf(match)
	if len(terms) > 1 {
		var top int64
		if err := s.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM articles`).Scan(&top); err != nil {
			return nil, wrap("articles: search", err)
		}
		total := float64(max(top, ids[0]))
		for i := range terms {
			df, err := s.termFrequency(ctx, terms[i].term, total)
			if err != nil {
				return nil, err
			}
			terms[i].idf = rankIDF(df, total)
		}
	}
	lo, hi := ids[len(ids)-1], ids[0]
	scores := make(map[int64]float64, len(ids))
	for _, t := range terms {
		// freq per candidate: the term's weighed matches.
		freq := make(map[int64]float64, len(ids))
		q, ok := s.d.SearchQuery(t.term)
		if !ok {
			continue
		}
		if !t.term.Title {
			// Its matches outside the title.
			found, err := s.searchSpan(ctx, fmt.Sprintf(s.d.SearchBody, q), lo, hi)
			if err != nil {
				return nil, err
			}
			for _, id := range found {
				freq[id]++
			}
			title := *t.term
			title.Title = true
			if q, ok = s.d.SearchQuery(&title); !ok {
				continue
			}
		}
		inTitle, err := s.searchSpan(ctx, q, lo, hi)
		if err != nil {
			return nil, err
		}
		for _, id := range inTitle {
			freq[id] += rankTitleWeight
		}
		for id, f := range freq {
			scores[id] += t.idf * f * (rankK1 + 1) / (f + rankK1)
		}
	}
	ranked := slices.Clone(ids)
	// ids are newest first: equal scores keep that order.
	slices.SortStableFunc(ranked, func(a, b int64) int { return cmp.Compare(scores[b], scores[a]) })
	return ranked, nil
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

// rankedList returns the bind value of Dialect.SearchRanked for ids.
func rankedList(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}
