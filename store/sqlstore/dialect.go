package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/occasional-digest/digest/search"
)

// Dialect is everything that differs between the SQL databases the store
// runs on. Queries are written once, with "?" placeholders and syntax that
// SQLite (3.35+) and PostgreSQL share: ON CONFLICT, RETURNING, row values,
// TRUE/FALSE. Only what cannot be shared lives here.
type Dialect struct {
	// Name is a short name for messages ("sqlite", "postgres").
	Name string
	// Placeholder returns the n-th (1-based) bind parameter, e.g. "$1".
	// Nil means "?", which queries already use.
	Placeholder func(n int) string
	// SearchIDs is a subquery selecting, as column id, the IDs of the
	// articles that match one bind parameter, the value returned by
	// SearchQuery, e.g.
	// "SELECT rowid AS id FROM articles_fts WHERE articles_fts MATCH ?".
	SearchIDs string
	// SearchQuery turns a parsed search (never a *search.Not nor an And
	// of them alone: see search.Split) into the bind value of SearchIDs;
	// ok is false when no article can match.
	SearchQuery func(n search.Node) (query string, ok bool)
	// SearchRank is SearchIDs with a second column, rank: lower for the
	// more relevant matches (SQLite: bm25; PostgreSQL: -ts_rank). Only
	// the 2,000 newest matches (highest IDs) are listed: ranking every
	// match of a word in most articles would take seconds at a million
	// articles, and a reader wants the relevant among recent news.
	SearchRank string
	// SearchNewest, unless empty, makes the store rank a search by
	// relevance itself (rankMatches) instead of with SearchRank: it
	// selects the IDs of the newest matches of the first bind parameter
	// (a SearchQuery value), newest first, at most the second. SQLite's
	// bm25() first counts every match of each term in the whole index
	// (75% of a search's time at 1,000,000 articles); rankMatches needs
	// the candidates, a sample of each term's newest matches, and each
	// term's matches among the candidates (SearchRange, required).
	SearchNewest string
	// SearchBody, required with SearchNewest, turns a SearchQuery value
	// of one term (%s) into one that matches the term outside the title
	// only (SQLite: "{summary text} : %s").
	SearchBody string
	// SearchAnd, required with SearchNewest, is the SearchQuery value
	// that matches both of two (the two %s, in order; SQLite:
	// "(%s) AND (%s)").
	SearchAnd string
	// SearchRanked selects, as columns id and rank, the IDs of a JSON
	// array (the one bind parameter) and their positions in it (SQLite:
	// json_each). Required with SearchNewest.
	SearchRanked string
	// SearchBefore, unless empty, selects the IDs of the newest matches
	// of the first bind parameter (a SearchQuery value) below the second,
	// newest first, at most the third. A filtered search by relevance
	// walks the words' matches with it (see relevance.go).
	SearchBefore string
	// SearchRangeListed, unless empty, is SearchRange with a fourth bind
	// parameter, a JSON array of IDs: only those of the array are
	// selected. The database checks the list as it reads the range
	// (SQLite: "rowid + 0 IN (SELECT value FROM json_each(?))", which
	// FTS5 is not asked to look up one by one), where returning every
	// match of a common word's range to Go cost 1-2 µs a row.
	SearchRangeListed string
	// SearchRankAmong, unless empty, selects as columns id and rank
	// (lower for the more relevant) the articles of a list (%s: its
	// placeholders) ranked for the first bind parameter, a SearchQuery
	// value (PostgreSQL: -ts_rank). Without it the store ranks a filtered
	// search's candidates itself (rankAmong). Either way SearchRanked is
	// required for a filtered search by relevance.
	SearchRankAmong string
	// SearchCheck, unless empty, is a condition true when one article
	// matches the bind value of SearchIDs; %s in it stands for the SQL
	// expression of the article's ID, e.g. "EXISTS (SELECT 1 FROM
	// articles_fts WHERE articles_fts MATCH ? AND rowid = %s)". Searches
	// for words most articles contain use it (see searchCheckCost).
	SearchCheck string
	// SearchRange, unless empty, selects the IDs of the articles between
	// two IDs (the second and third bind parameters, inclusive) that
	// match the first, the value of SearchQuery. Searches for words
	// many articles contain walk the reader's articles in page order and
	// keep those whose ID a range query over each stretch of IDs returns
	// (see walkSearch).
	SearchRange string
	// SearchAmong, used instead of SearchRange where set, selects the IDs
	// of a list that match the first bind parameter, the value of
	// SearchQuery; %s in it stands for the list's placeholders. Suits a
	// database that checks one article cheaply by ID (PostgreSQL), where
	// SearchRange suits an index read in ID order (SQLite FTS5).
	SearchAmong string
	// SearchEstimate, unless empty, is a query returning one JSON text
	// in which "Plan Rows" is the database's estimate of the matches of
	// the bind value of SearchIDs (PostgreSQL: EXPLAIN (FORMAT JSON)).
	// Where counting even a bounded number of matches reads a document
	// per match (PostgreSQL's GIN index cannot stop early), a word the
	// estimate finds common is not counted.
	SearchEstimate string
	// SearchIndex, unless empty, (re)indexes one article for search after
	// it was inserted or its title, summary or text changed. It binds the
	// ID, title, summary and text, or the ID and the document when
	// SearchDocument is set. Empty when the database maintains its index
	// itself.
	SearchIndex string
	// SearchDocument, unless nil, turns an article's title, summary and
	// text into the one value SearchIndex and SearchInsert bind after the
	// ID (PostgreSQL: a tsvector of the words FTS5 would index, built
	// here so that words are cut, folded and matched alike everywhere).
	SearchDocument func(title, summary, text string) string
	// SearchValue, unless nil, is SearchDocument as a value the driver
	// sends in a form cheaper for the database to read (PostgreSQL: a
	// pgtype.TSVector, sent in binary); SaveFetches binds it instead.
	SearchValue func(title, summary, text string) any
	// SearchInsert, unless empty, indexes an article that was just
	// inserted and so has no index entry yet, binding the same parameters
	// as SearchIndex; cheaper where replacing must look for an old entry
	// first (SQLite FTS5). Empty: SearchIndex is used.
	SearchInsert string
	// TitleSearch, unless nil, searches whose every term is intitle:
	// (see titleOnly) use its SearchQuery, SearchIDs, SearchRank,
	// SearchCheck, SearchRange, SearchAmong and SearchEstimate instead of
	// these (PostgreSQL: an index of the titles' words alone, where
	// checking the title's weight in the whole document read every
	// document holding the word anywhere).
	TitleSearch *Dialect
	// SearchUnindex, unless empty, removes one article, bound by ID, from
	// the search index before the article is deleted.
	SearchUnindex string
	// LastInsertID says that sql.Result.LastInsertId reports the ID of an
	// inserted row. The hot insert of SaveFetches uses it instead of
	// RETURNING, which in SQLite opens a savepoint (and so flushes the
	// full-text index) for every row. PostgreSQL (pgx) needs RETURNING.
	LastInsertID bool
	// NextIDs, unless empty, reserves new article IDs: a query binding a
	// count n and returning n unused IDs, one a row (PostgreSQL: nextval
	// of the articles' sequence). With it SaveFetches writes the rows of
	// a feed's new articles with one multi-row statement per table, not
	// one statement per row: on PostgreSQL every statement is a round
	// trip, and per-row statements made a feed's save take 200 ms. SQLite
	// needs none: its statements cost no round trip, and one writing
	// several rows opens a savepoint (see LastInsertID).
	NextIDs string
	// PageIDsFirst makes a page of a plan driven by a list (search
	// matches, a story, an entity's articles) read its IDs from the
	// states first, then its articles: SQLite sorted the whole list with
	// the articles' columns, reading every listed article's row.
	PageIDsFirst bool
	// PageWithSources reads a list's page and its articles' sources with
	// one statement (see pageSources) instead of two (PostgreSQL: each
	// statement is a round trip). SQLite reads them with two: the one
	// statement's wider rows cost it more than the second query does
	// (first page at 100,000 articles: 0.77 → 0.89-1.15 CPU ms).
	PageWithSources bool
	// FeedFactsVersion, unless empty, is a scalar subquery whose value
	// changes with every committed change to a feed's title, site or
	// icon and to subscriptions (SQLite: "(SELECT n FROM
	// feed_facts_version)", a counter raised by triggers). With it the
	// sources of a list of articles are read alone, and the facts of
	// their feeds come from memory while the value is the same
	// (feedfacts.go); without it each source row is joined to its feed.
	FeedFactsVersion string
	// PrepareReads keeps the read queries' statements prepared on the
	// read pools' connections, by query text (stmtcache.go), instead of
	// preparing each query anew (SQLite: parsing and planning took a
	// fifth of a page's CPU time). PostgreSQL's driver keeps its own
	// per-connection cache.
	PrepareReads bool
	// CopyRows, unless nil, writes rows into columns cols of table by the
	// database's bulk protocol (PostgreSQL: COPY, binary) on conn, the
	// driver connection (from sql.Conn.Raw) of the transaction of
	// SaveFetches. With NextIDs, the rows of new articles go through it
	// instead of multi-row INSERTs, which the driver and the server each
	// parsed, bound and copied parameter by parameter.
	CopyRows func(ctx context.Context, conn any, table string, cols []string, rows [][]any) error
	// SaveSetup, unless empty, is a statement run first in the
	// transaction of SaveFetches (PostgreSQL: "SET LOCAL plan_cache_mode
	// = auto", so that the multi-row inserts of NextIDs are not planned
	// anew at each run, which took more time than running them).
	SaveSetup string
	// IsUniqueViolation reports whether err is a unique or primary key
	// constraint violation.
	IsUniqueViolation func(err error) bool
	// ValidUTF8 says that text parameters must be valid UTF-8
	// (PostgreSQL). Texts the store writes always are (see clean); the
	// keys of a feed list's cursor, which may be cut inside a character,
	// are then replaced by valid bounds (see keyArgs).
	ValidUTF8 bool
	// MaxParams is the most bind parameters one statement may have.
	MaxParams int
	// FoldLike, unless empty, is an operator like LIKE that ignores the
	// case of letters (SQLite: "LIKE", which ignores the case of ASCII
	// letters; PostgreSQL: "ILIKE"). Empty: both sides are lower()ed,
	// which costs SQLite a third of a feed search.
	FoldLike string
	// GroupConcat, unless empty, is an aggregate concatenating the text %s
	// over the rows of a group with no separator (SQLite:
	// "group_concat(%s, '')", PostgreSQL: "string_agg(%s, '')"); the
	// expression may use octet_length. Feeds then reads every feed packed
	// in one value, in two thirds of the time (see feedpack.go). Empty:
	// one row per feed.
	GroupConcat string
	// DataVersion, unless empty, is a query returning one integer that
	// changes, when run again on the same connection, whenever any other
	// connection (of this or another process) committed a change to the
	// database in between (SQLite: "PRAGMA data_version"). With it the
	// store caches the feed list and checks the cache on one connection
	// of the read pool, which it keeps for the purpose. Empty: no cache.
	DataVersion string
	// SkipLocked, unless empty, is appended to the subquery that picks
	// the due feeds ClaimFeeds leases (PostgreSQL: " FOR UPDATE SKIP
	// LOCKED"), so that concurrent claims take different feeds without
	// waiting for each other. SQLite needs none: its writes are serial.
	SkipLocked string
	// Arrays says that the driver binds []int64, []int32 and []string as
	// arrays and that the database has unnest (PostgreSQL): then
	// SaveFetchStates writes a batch with one statement whose text does
	// not depend on the batch's size. Otherwise it writes a row per
	// statement, prepared once per batch.
	Arrays bool
	// LockUsers, unless empty, is appended to the query by which
	// SaveFetches reads the subscribers of the feeds it saves, which
	// joins their users as u (PostgreSQL: " FOR KEY SHARE OF u"): a
	// user deleted meanwhile is then skipped, and one not yet deleted
	// stays until the commit, so that no state row outlives its user
	// where no foreign key checks them (store/postgres migration 0023).
	LockUsers string
}

// rebind rewrites a query written with "?" placeholders into the dialect's
// style. Queries of this package never contain "?" inside literals.
func (d *Dialect) rebind(q string) string {
	if d.Placeholder == nil {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString(d.Placeholder(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// IsTokenRune reports whether the search index counts r as part of a
// word (search.IsTokenRune).
func IsTokenRune(r rune) bool { return search.IsTokenRune(r) }

// searchDialect returns the dialect whose search statements answer n:
// TitleSearch when it is set and every term of n is intitle:, else d.
func (d *Dialect) searchDialect(n search.Node) *Dialect {
	if d.TitleSearch != nil && titleOnly(n) {
		return d.TitleSearch
	}
	return d
}

// titleOnly reports whether every term of n looks at titles only.
func titleOnly(n search.Node) bool {
	switch n := n.(type) {
	case *search.Term:
		return n.Title
	case search.And:
		return len(n) > 0 && !slices.ContainsFunc(n, func(c search.Node) bool { return !titleOnly(c) })
	case search.Or:
		return len(n) > 0 && !slices.ContainsFunc(n, func(c search.Node) bool { return !titleOnly(c) })
	case *search.Not:
		return titleOnly(n.Node)
	}
	return false
}
