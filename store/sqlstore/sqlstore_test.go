package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	_ "modernc.org/sqlite"

	digest "github.com/occasional-digest/digest"
)

var testDialect = Dialect{Name: "sqlite", IsUniqueViolation: func(error) bool { return false }}

func openRaw(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestReadMigrations(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{"sorted by number, not by name", fstest.MapFS{
			"m/0010_ten.sql": {Data: []byte("x")}, "m/0002_two.sql": {Data: []byte("x")}, "m/README": {Data: []byte("not sql")},
		}, []int{2, 10}, ""},
		{"name without number is refused", fstest.MapFS{"m/init.sql": {Data: []byte("x")}}, nil, "bad file name"},
		{"version zero is refused", fstest.MapFS{"m/0000_zero.sql": {Data: []byte("x")}}, nil, "bad file name"},
		{"duplicate version is refused", fstest.MapFS{"m/0001_a.sql": {Data: []byte("x")}, "m/1_b.sql": {Data: []byte("x")}}, nil, "same version"},
		{"missing directory is an error", fstest.MapFS{}, nil, "read migrations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := ReadMigrations(tc.files, "m")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			if len(got) != len(tc.want) || got[0] != tc.want[0] || got[1] != tc.want[1] {
				t.Errorf("versions = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	db := openRaw(t)
	ms := []Migration{
		{Version: 1, Name: "0001_a.sql", SQL: "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);"},
		{Version: 2, Name: "0002_b.sql", SQL: "CREATE TABLE b (x INTEGER);"},
	}
	if err := Migrate(ctx, db, &testDialect, ms, nil); err != nil {
		t.Fatal(err)
	}
	// Applying again changes nothing (the INSERT would duplicate the row).
	if err := Migrate(ctx, db, &testDialect, ms, nil); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM a`).Scan(&n); err != nil || n != 1 {
		t.Errorf("migration 1 ran %d times (%v)", n, err)
	}
	// A failing migration leaves nothing behind: not its first statement,
	// not its record.
	bad := append(ms, Migration{Version: 3, Name: "0003_bad.sql", SQL: "CREATE TABLE c (x INTEGER); THIS IS NOT SQL;"})
	if err := Migrate(ctx, db, &testDialect, bad, nil); err == nil || !strings.Contains(err.Error(), "0003_bad.sql") {
		t.Fatalf("bad migration: %v, want an error naming it", err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("failed migration left table c (%d, %v)", n, err)
	}
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&n); err != nil || n != 2 {
		t.Errorf("schema version %d after failed migration, want 2 (%v)", n, err)
	}
	// A program that knows only migration 1 refuses the database.
	err := Migrate(ctx, db, &testDialect, ms[:1], nil)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("older program: %v, want a refusal", err)
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"valid text is kept", "Crème brûlée", "Crème brûlée"},
		{"NUL bytes are removed", "a\x00b\x00", "ab"},
		{"invalid UTF-8 becomes one U+FFFD per run", "a\xff\xfeb", "a\uFFFDb"},
		{"both at once", "\x00\xc3", "\uFFFD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := clean(tc.in); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzCursor checks that any cursor string is either decoded into what
// encodes back to it or refused with EINVALID, without panicking.
func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor(1772366400000000, 42))
	f.Add(encodeCursor(0, 0))
	f.Add(encodeCursor(-5, 9223372036854775807))
	f.Add("")
	f.Add("not base64!")
	f.Add("MTIz")
	f.Fuzz(func(t *testing.T, c string) {
		p, id, err := decodeCursor(c)
		if err != nil {
			if !strings.Contains(err.Error(), "invalid cursor") {
				t.Fatalf("decodeCursor(%q): unexpected error %v", c, err)
			}
			return
		}
		p2, id2, err := decodeCursor(encodeCursor(p, id))
		if err != nil || p2 != p || id2 != id {
			t.Fatalf("round trip of (%d, %d) from %q gave (%d, %d, %v)", p, id, c, p2, id2, err)
		}
	})
}

func TestSearchSummary(t *testing.T) {
	tests := []struct {
		name, summary, text, want string
	}{
		{"summary equal to the text is not indexed again", "Storm hits coast.", "Storm hits coast.", ""},
		{"summary cut at a word's end with an ellipsis", "Cranes stand idle…", "Cranes stand idle, after the strike.", ""},
		{"summary cut before a space", "Cranes stand…", "Cranes stand idle.", ""},
		{"empty summary", "", "Some text.", ""},
		{"summary cut in a word is indexed", "Senators debate elect…", "Senators debate electoral reform.", "Senators debate elect…"},
		{"summary of other words is indexed", "Crème brûlée on the menu", "Nothing to see.", "Crème brûlée on the menu"},
		{"summary longer than the text is indexed", "Short text and more", "Short text", "Short text and more"},
		{"summary of sentences from the text", "Rain fell. Wind rose…", "Night came. Wind rose. Rain fell. Roads closed.", ""},
		{"word with another case is indexed", "RAIN fell", "Rain fell", "RAIN fell"},
		{"word only inside a longer word is indexed", "port", "airport opens", "port"},
		{"word with a combining mark is not the bare word", "cafe", "cafe\u0301 opens", "cafe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SearchSummary(tc.summary, tc.text); got != tc.want {
				t.Errorf("SearchSummary(%q, %q) = %q, want %q", tc.summary, tc.text, got, tc.want)
			}
		})
	}
}

// FuzzSearchSummary checks that a summary left out of the search index
// has no word that the text lacks.
func FuzzSearchSummary(f *testing.F) {
	f.Add("Cranes stand idle…", "Cranes stand idle, after the strike.")
	f.Add("Senators debate elect…", "Senators debate electoral reform.")
	f.Add("a", "ab")
	f.Add("Rain fell. Wind rose…", "Night came. Wind rose. Rain fell.")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, summary, text string) {
		if SearchSummary(summary, text) != "" {
			return
		}
		words := map[string]bool{}
		for _, w := range strings.FieldsFunc(text, notTokenRune) {
			words[w] = true
		}
		for _, w := range strings.FieldsFunc(summary, notTokenRune) {
			if !words[w] {
				t.Fatalf("summary %q left out, but its word %q is not in text %q", summary, w, text)
			}
		}
	})
}

// FuzzWordCount checks wordCount against strings.Fields.
func FuzzWordCount(f *testing.F) {
	for _, s := range []string{"", " ", "one", " two  words ", "tab\tand\nnewline", "nbsp\u00a0split", "\xff bad"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := wordCount(s), len(strings.Fields(s)); got != want {
			t.Fatalf("wordCount(%q) = %d, want %d", s, got, want)
		}
	})
}

func BenchmarkSearchSummary(b *testing.B) {
	text := strings.Repeat("Officials said the merger had already cost the City Council more than 69 million. ", 8)
	cases := map[string]string{
		"lead":      text[:289] + "…",
		"cut word":  text[:290] + "…",
		"sentences": text[84:250] + " " + text[:80],
		"other":     "An editor's standfirst with words the text lacks.",
	}
	for name, summary := range cases {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				SearchSummary(summary, text)
			}
		})
	}
}

func TestSortFeeds(t *testing.T) {
	fs := []digest.Feed{
		{ID: 5, Category: "News", Title: "beta"},
		{ID: 1, Category: "", Title: "Zulu"},
		{ID: 9, Category: "News", Title: "Alpha"},
		{ID: 2, Category: "News", Title: "alpha"},
		{ID: 3, Category: "Tech", Title: "Émile"},
		{ID: 4, Category: "Tech", Title: "Zed"},
		{ID: 7, Category: "News", Title: "ALPHA"},
	}
	sortFeeds(fs)
	var got []int64
	for _, f := range fs {
		got = append(got, f.ID)
	}
	// Category first, then title ignoring ASCII case (É sorts after Z,
	// as bytes), then ID.
	if want := []int64{1, 2, 7, 9, 5, 4, 3}; !slices.Equal(got, want) {
		t.Errorf("sorted IDs %v, want %v", got, want)
	}
}

func TestCompareFold(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"abc", "ABC", 0},
		{"abc", "abd", -1},
		{"ab", "abc", -1},
		{"Zeta", "alpha", 1},
		{"[", "a", -1}, // '[' sorts before letters once they are lowered
		{"é", "É", 1},  // non-ASCII letters keep their case
		{"", "", 0},
	}
	for _, tc := range tests {
		if got := compareFold(tc.a, tc.b); got != tc.want {
			t.Errorf("compareFold(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// pack packs a feed as packedFeed does in SQL.
func pack(f digest.Feed) string {
	var b strings.Builder
	for _, n := range []int64{f.ID, f.IconID, dbTime(f.Created), dbTime(f.LastCheck), dbTime(f.NextCheck), int64(f.ErrorCount), int64(f.Interval), int64(f.Unread)} {
		b.WriteString(strconv.FormatInt(n, 10) + ",")
	}
	for _, s := range []string{f.URL, f.SiteURL, f.Title, f.Category, string(f.Fetch), f.ETag, f.LastModified, f.LastError} {
		b.WriteString(strconv.Itoa(len(s)) + ":" + s)
	}
	return b.String()
}

// FuzzUnpackFeeds reads arbitrary packed values: an error or feeds, never a
// panic; and feeds packed with any texts read back as they were.
func FuzzUnpackFeeds(f *testing.F) {
	f.Add("", "Title", "1:2,3")
	f.Add("1,0,0,0,0,0,0,0,0:0:0:0:0:0:0:0:", "", ":")
	f.Add("9,9,9,9,9,9,9,9,3:abc", "a\x00b", "")
	f.Add("-1,2,3,4,5,6,7,8,99999999999999999999:x", ",", "\xff")
	f.Fuzz(func(t *testing.T, p, title, lastError string) {
		if fs, err := unpackFeeds(p, nil); err != nil && fs != nil {
			t.Fatalf("unpackFeeds(%q) returned feeds and an error", p)
		}
		want := []digest.Feed{
			{ID: 7, URL: "https://a.example/", Title: title, Category: title, Fetch: digest.FetchShort, Unread: 3,
				FetchState: digest.FetchState{LastError: lastError, ErrorCount: 2, Interval: time.Hour, LastCheck: time.UnixMicro(1234567).UTC()}},
			{ID: 8, Title: lastError, Fetch: digest.FetchMode(title), FetchState: digest.FetchState{ETag: title + lastError}},
		}
		got, err := unpackFeeds(pack(want[0])+pack(want[1]), nil)
		if err != nil {
			t.Fatalf("unpack: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("unpacked %+v, want %+v", got, want)
		}
	})
}

func TestKeysOf(t *testing.T) {
	tests := []struct {
		name             string
		kind             digest.EntityKind
		in               string
		key, base, first string
		last             string
	}{
		{"an organisation has its key only", digest.Organization, "NATO's", "O:nato", "O:nato", "", ""},
		{"a place shares the organisations' class", digest.Place, "Lindenfeld", "O:lindenfeld", "O:lindenfeld", "", ""},
		{"a one-word person has no words to be found by", digest.Person, "Mr Xi", "P:xi", "P:xi", "", ""},
		{"a full name is found by its first and last word", digest.Person, "Xi Jinping", "P:xi jinping", "P:xi jinping", "P:xi", "P:jinping"},
		{"a middle initial is dropped from the base", digest.Person, "President Donald J. Trump", "P:donald j trump", "P:donald trump", "P:donald", "P:trump"},
		{"two middle initials are dropped", digest.Person, "George H. W. Bush", "P:george h w bush", "P:george bush", "P:george", "P:bush"},
		{"initials that are the first name stay", digest.Person, "J. K. Rowling", "P:j k rowling", "P:j k rowling", "", "P:rowling"},
		{"a generational suffix is not the surname", digest.Person, "Donald Trump Jr.", "P:donald trump jr", "P:donald trump jr", "P:donald", "P:trump"},
		{"a middle name of several letters stays", digest.Person, "Hillary Rodham Clinton", "P:hillary rodham clinton", "P:hillary rodham clinton", "P:hillary", "P:clinton"},
		{"no letter gives no key", digest.Person, "...", "", "", "", ""},
		{"invalid UTF-8 does not panic", digest.Person, "\xff\xfe Ab", "P:ab", "P:ab", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := keysOf(tc.kind, tc.in)
			want := entityKeys{tc.key, tc.base, tc.first, tc.last}
			if got != want {
				t.Errorf("keysOf(%s, %q) = %+v, want %+v", tc.kind, tc.in, got, want)
			}
		})
	}
}

// FuzzKeysOf: any name gives lookup keys without panicking: the base is
// the key with words removed from its middle only, and the words a person
// is found by are single words of the base.
func FuzzKeysOf(f *testing.F) {
	for _, s := range []string{"Donald J. Trump", "Mr Xi", "George H. W. Bush", "J. K. Rowling", "Donald Trump Jr.", "NATO's", "\xff", "a  b  c  d", "Ⅻ Ünïcødé Ñame"} {
		f.Add(s, uint8(0))
	}
	kinds := []digest.EntityKind{digest.Person, digest.Organization, digest.Place, digest.Misc}
	f.Fuzz(func(t *testing.T, name string, k uint8) {
		kind := kinds[int(k)%len(kinds)]
		ek := keysOf(kind, name)
		if ek.key == "" {
			if ek != (entityKeys{}) {
				t.Fatalf("no key but %+v", ek)
			}
			return
		}
		if kind != digest.Person {
			if ek.base != ek.key || ek.first != "" || ek.last != "" {
				t.Fatalf("%s %q: %+v", kind, name, ek)
			}
			return
		}
		kw, bw := strings.Fields(strings.TrimPrefix(ek.key, personPrefix)), strings.Fields(strings.TrimPrefix(ek.base, personPrefix))
		if !strings.HasPrefix(ek.base, personPrefix) || len(bw) == 0 || bw[0] != kw[0] || bw[len(bw)-1] != kw[len(kw)-1] || len(bw) > len(kw) {
			t.Fatalf("%q: base %q of key %q", name, ek.base, ek.key)
		}
		for _, w := range []string{ek.first, ek.last} {
			if w == "" {
				continue
			}
			word, ok := strings.CutPrefix(w, personPrefix)
			if !ok || word == "" || strings.Contains(word, " ") || !slices.Contains(bw, word) {
				t.Fatalf("%q: word %q not a word of base %q", name, w, ek.base)
			}
		}
	})
}
