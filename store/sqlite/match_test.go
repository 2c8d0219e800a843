package sqlite

import (
	"database/sql"
	"testing"
	"time"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/search"
)

// stemWords are words whose stems the Go stemmer must compute as FTS5's
// porter tokenizer does: Porter's examples, each suffix the rules know
// on stems of several shapes, words with y, digits and other scripts.
func stemWords() []string {
	words := []string{"caresses", "ponies", "ties", "feed", "agreed", "sized", "hopping", "filing", "happy",
		"sky", "yes", "yyy", "syzygy", "eyed", "dying", "1990s", "3d", "a1s", "café", "naïve", "straße",
		"москвы", "東京", "ies", "sses", "eed", "ing", "bled", "earthquakes", "voted", "elections",
		"generalizations", "oscillators", "controlling", "rolling", "probate", "cease", "abysses"}
	stems := []string{"b", "tr", "con", "relat", "hop", "fizz", "agre", "happ", "sens", "electr", "vot",
		"analog", "gener", "y", "ay", "oy", "bay", "tol", "formal", "digit", "iz", "at", "bl", "cry"}
	suffixes := []string{"s", "es", "ies", "sses", "ed", "eed", "ing", "y", "ational", "tional", "enci",
		"anci", "izer", "bli", "alli", "entli", "eli", "ousli", "ization", "ation", "ator", "alism",
		"iveness", "fulness", "ousness", "aliti", "iviti", "biliti", "logi", "icate", "ative", "alize",
		"iciti", "ical", "ful", "ness", "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement",
		"ment", "ent", "sion", "tion", "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize", "e", "ll",
		"ated", "bling", "izing", "ened", "ings", "ations", "fully", "lessness"}
	for _, s := range stems {
		for _, x := range suffixes {
			words = append(words, s+x)
		}
	}
	return words
}

// TestStemMatchesFTS5 indexes words with FTS5's porter tokenizer and
// compares the terms it stored with search.Stem: PostgreSQL's documents
// and queries, stemmed in Go, then match what SQLite's index matches.
func TestStemMatchesFTS5(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'porter unicode61 remove_diacritics 2');
		CREATE VIRTUAL TABLE v USING fts5vocab (t, instance)`); err != nil {
		t.Fatal(err)
	}
	words := stemWords()
	for i, w := range words {
		if _, err := db.Exec(`INSERT INTO t (rowid, x) VALUES (?, ?)`, i+1, w); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Query(`SELECT doc, term FROM v`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int]string{}
	for rows.Next() {
		var doc int
		var term string
		if err := rows.Scan(&doc, &term); err != nil {
			t.Fatal(err)
		}
		got[doc] = term
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for i, w := range words {
		var want string
		search.Words(w, func(_, _ int, f string) { want = search.Stem(f) })
		if got[i+1] != want {
			t.Errorf("%q: FTS5 indexes %q, search.Stem gives %q", w, got[i+1], want)
		}
	}
}

// FuzzFTSMatch checks that any search text either fails to parse with
// EINVALID or becomes a MATCH expression FTS5 accepts.
func FuzzFTSMatch(f *testing.F) {
	for _, s := range []string{"budget vote", `"unbalanced`, "NEAR(a b, 3)", "title:x", "-x ^y", "a*",
		"\x00\xff", "Ünïcödé 中文", `intitle:"a b" OR c -d -"e f"`, "a OR b OR intitle:c", "x -y -z"} {
		f.Add(s)
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5 (title, summary, text, tokenize = 'porter unicode61 remove_diacritics 2');
		INSERT INTO t (title, summary, text) VALUES ('budget vote', '', 'Ünïcödé 中文')`); err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return // the store makes text valid first
		}
		q, err := search.Parse(text, now)
		if err != nil {
			if digest.ErrorCode(err) != digest.EINVALID {
				t.Fatalf("Parse(%q): %v", text, err)
			}
			return
		}
		n := q.Match
		if pos, neg := search.Split(n); pos == nil && len(neg) > 0 {
			n = search.Or(neg)
		}
		if n == nil {
			return
		}
		m, ok := ftsMatch(n)
		if !ok {
			return
		}
		rows, err := db.Query(`SELECT rowid FROM t WHERE t MATCH ?`, m)
		if err != nil {
			t.Fatalf("FTS5 refused %q (from %q): %v", m, text, err)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("FTS5 refused %q (from %q): %v", m, text, err)
		}
		rows.Close()
	})
}

func TestFTSMatch(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	tests := map[string]string{
		"budget vote":                   `("budget" AND "vote")`,
		`intitle:"budget vote" OR rain`: `(title : "budget vote" OR "rain")`,
		"storm -rain -hail":             `("storm" NOT ("rain" OR "hail"))`,
		"covid-19":                      `"covid-19"`,
	}
	for in, want := range tests {
		q, err := search.Parse(in, now)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := ftsMatch(q.Match); got != want {
			t.Errorf("ftsMatch(%q) = %s, want %s", in, got, want)
		}
	}

}
