package migrate_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/occasional-digest/digest/internal/pgtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/store/migrate"
	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/sqlite"
)

// demoLike fills a testenv store with what a running digest holds: two
// users (passwords, API keys, app passwords, a session), categories
// (one empty), feeds with fetch state and an icon, articles with content,
// read and starred marks, stories with entities.
func demoLike(t *testing.T) *testenv.Env {
	t.Helper()
	ctx := context.Background()
	e := testenv.New(t, testenv.Options{Items: 12})
	st := e.Store
	data := []byte("\x89PNG fake icon")
	sum := sha256.Sum256(data)
	iconID, err := st.SaveIcon(ctx, &digest.Icon{Hash: hex.EncodeToString(sum[:]), ContentType: "image/png", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetFeedIcon(ctx, e.A.Feeds[0].ID, iconID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCategory(ctx, e.B.ID, "Empty"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := st.CreateSession(ctx, &digest.Session{UserID: e.A.ID, Hash: strings.Repeat("ab", 32), Created: now,
		LastSeen: now, Expires: now.Add(24 * time.Hour), UserAgent: "test", Address: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*testenv.User{e.A, e.B} {
		as := e.Articles(t, u)
		var read, starred []int64
		for i, a := range as {
			if i%3 == 0 {
				read = append(read, a.ID)
			}
			if i%5 == 1 {
				starred = append(starred, a.ID)
			}
		}
		if _, err := st.MarkRead(ctx, u.ID, read, true); err != nil {
			t.Fatal(err)
		}
		if _, err := st.MarkStarred(ctx, u.ID, starred, true); err != nil {
			t.Fatal(err)
		}
	}
	// Stories of up to three articles each, every article in one.
	refs, err := st.ArticleRefs(ctx, digest.ArticleQuery{UserID: e.A.ID, ByID: true, Oldest: true, Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	refsB, err := st.ArticleRefs(ctx, digest.ArticleQuery{UserID: e.B.ID, ByID: true, Oldest: true, Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, r := range append(refs, refsB...) {
		if !seen[r.ID] {
			seen[r.ID] = true
			ids = append(ids, r.ID)
		}
	}
	names := []string{"Ada Lovelace", "Geneva", "United Nations", "Charles Babbage"}
	kinds := []digest.EntityKind{digest.Person, digest.Place, digest.Organization, digest.Person}
	for i := 0; i < len(ids); i += 3 {
		s := &digest.Story{Headline: fmt.Sprintf("Story %d", i), Summary: "What happened.", FirstSeen: now.Add(-time.Duration(i) * time.Hour),
			LastSeen: now.Add(-time.Duration(i) * time.Minute), Importance: float64(i%7) / 3, Outlets: 1 + i%3,
			ArticleIDs: ids[i:min(i+3, len(ids))]}
		for k := range 1 + i%3 {
			j := (i + k) % len(names)
			s.Entities = append(s.Entities, digest.Entity{Name: names[j], Kind: kinds[j], Count: 1 + k})
		}
		if err := st.SaveStory(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// views is everything each user sees, as JSON, to compare two stores.
func views(t *testing.T, st digest.Store, users []*testenv.User) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	put := func(label string, v any) {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %s\n", label, j)
	}
	for _, u := range users {
		for _, q := range []digest.ArticleQuery{
			{UserID: u.ID, WithContent: true, Limit: 7},
			{UserID: u.ID, Unread: true, Limit: 500},
			{UserID: u.ID, Starred: true, Limit: 500},
			{UserID: u.ID, Search: "desk reports", Limit: 500},
			{UserID: u.ID, ByID: true, Limit: 500},
		} {
			for page := 0; ; page++ {
				p, err := st.Articles(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				put(fmt.Sprintf("%s articles %+v page %d", u.Name, q, page), p.Articles)
				if p.Next == "" {
					break
				}
				q.Cursor = p.Next
			}
		}
		fs, err := st.Feeds(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		put(u.Name+" feeds", fs)
		cs, err := st.Categories(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		put(u.Name+" categories", cs)
		ss, err := st.Stories(ctx, u.ID, 500, 0)
		if err != nil {
			t.Fatal(err)
		}
		put(u.Name+" stories", ss)
		for _, s := range ss {
			full, err := st.Story(ctx, u.ID, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			put(fmt.Sprintf("%s story %d", u.Name, s.ID), full)
		}
		_, es, err := st.EntityStories(ctx, u.ID, digest.Person, "Ada Lovelace", 50)
		if err != nil {
			t.Fatal(err)
		}
		put(u.Name+" entity stories", es)
		sess, err := st.Sessions(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		put(u.Name+" sessions", sess)
		for _, kind := range []digest.CredentialKind{digest.APIKey, digest.AppPassword} {
			cr, err := st.Credentials(ctx, u.ID, kind)
			if err != nil {
				t.Fatal(err)
			}
			put(fmt.Sprintf("%s %s", u.Name, kind), cr)
		}
		if ic, err := st.Icon(ctx, u.ID, u.Feeds[0].ID); err == nil {
			put(u.Name+" icon", ic)
		} else if !digest.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	us, err := st.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	put("users", us)
	inv, err := st.Invariants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	put("invariants", inv)
	return b.String()
}

func TestCopyInterruptedThenResumedMovesEverything(t *testing.T) {
	ctx := context.Background()
	e := demoLike(t)
	dsn := pgtest.FreshSchema(t)
	want := views(t, e.Store, []*testenv.User{e.A, e.B})

	// The first run is cut short in the middle of the articles (a key of
	// one column), the second in the middle of the read states (a key of
	// two); the third finishes.
	stops := []struct {
		table string
		batch int
	}{{"articles", 3}, {"article_states", 2}}
	var rep *migrate.Report
	var err error
	var copiedBefore int64
	for run := 0; ; run++ {
		cctx, cancel := context.WithCancel(ctx)
		batches := map[string]int{}
		rep, err = migrate.Copy(cctx, e.Store.Path(), dsn, migrate.Options{BatchRows: 7, AfterBatch: func(table string, rows int) {
			batches[table]++
			if run < len(stops) && table == stops[run].table && batches[table] == stops[run].batch {
				cancel()
			}
		}})
		cancel()
		if run == len(stops) {
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("run %d: %v, want context.Canceled after batch %d of %s", run, err, stops[run].batch, stops[run].table)
		}
		if rep == nil || rep.Copied == 0 {
			t.Fatalf("run %d copied nothing", run)
		}
		copiedBefore += rep.Copied
	}
	if err != nil {
		t.Fatalf("resumed run: %v (report %+v)", err, rep)
	}
	if !rep.Resumed {
		t.Error("the second run did not say it resumed")
	}
	var total int64
	copied := map[string]migrate.TableCount{}
	for _, tc := range rep.Tables {
		copied[tc.Table] = tc
		if tc.Table != "articles_search" && !strings.Contains(tc.Table, ".") {
			total += tc.Target
		}
	}
	if copiedBefore+rep.Copied != total {
		t.Errorf("the runs copied %d + %d rows, want %d: each row once", copiedBefore, rep.Copied, total)
	}
	for _, name := range []string{"users", "sessions", "credentials", "categories", "feeds", "subscriptions", "icons",
		"articles", "articles_search", "sources", "article_states", "stories", "entities", "story_entities",
		"article_states.read", "article_states.starred"} {
		tc, ok := copied[name]
		if !ok || tc.Source == 0 || tc.Source != tc.Target {
			t.Errorf("table %s: %+v, want rows copied and counted alike", name, tc)
		}
	}
	if len(rep.Warnings) > 0 {
		t.Errorf("warnings: %q", rep.Warnings)
	}

	// Every row arrives as it was, column by column.
	sdb, err := sql.Open("sqlite", e.Store.Path()+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	pconn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pconn.Close(ctx)
	for _, tc := range rep.Tables {
		if tc.Table == "articles_search" || strings.Contains(tc.Table, ".") {
			continue
		}
		if got, want := pgRows(t, pconn, tc.Table), sqliteRows(t, sdb, tc.Table); got != want {
			t.Errorf("table %s differs:\n got %.800s\nwant %.800s", tc.Table, got, want)
		}
	}

	pg, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	got := views(t, pg, []*testenv.User{e.A, e.B})
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("PostgreSQL answers otherwise than SQLite; first difference:\n got %.600s\nwant %.600s", gl[i], wl[i])
			}
		}
		t.Fatalf("PostgreSQL answers otherwise than SQLite: %d lines, want %d", len(gl), len(wl))
	}

	// The search documents are the store's own: reindexing an article
	// through the store writes the same one.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	docs := func() map[int64]string {
		rows, err := conn.Query(ctx, `SELECT article_id, doc::text FROM articles_search ORDER BY article_id`)
		if err != nil {
			t.Fatal(err)
		}
		m, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (kv [2]any, err error) {
			var id int64
			var d string
			err = r.Scan(&id, &d)
			return [2]any{id, d}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]string{}
		for _, kv := range m {
			out[kv[0].(int64)] = kv[1].(string)
		}
		return out
	}
	before := docs()
	for id := range before {
		a, err := pg.StoredArticle(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := pg.UpdateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	after := docs()
	for id, d := range before {
		if after[id] != d {
			t.Fatalf("article %d: copied search document %q, the store writes %q", id, d, after[id])
		}
	}

	// The indexes and foreign keys dropped for the load are all back, as
	// a fresh database has them.
	fresh := pgtest.FreshSchema(t)
	fp, err := postgres.Open(ctx, fresh, nil)
	if err != nil {
		t.Fatal(err)
	}
	fp.Close()
	fconn, err := pgx.Connect(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer fconn.Close(ctx)
	if got, want := catalog(t, conn), catalog(t, fconn); got != want {
		t.Errorf("the copy's indexes and constraints:\n%s\nwant, as a fresh database's:\n%s", got, want)
	}

	// New rows take IDs after the copied ones.
	var maxFeed int64
	if err := conn.QueryRow(ctx, `SELECT MAX(id) FROM feeds`).Scan(&maxFeed); err != nil {
		t.Fatal(err)
	}
	f := &digest.Feed{URL: "https://new.example/feed.xml"}
	if err := pg.CreateFeed(ctx, e.A.ID, f); err != nil {
		t.Fatal(err)
	}
	if f.ID != maxFeed+1 {
		t.Errorf("a new feed took ID %d, want %d", f.ID, maxFeed+1)
	}
	var progress bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, migrate.ProgressTable).Scan(&progress); err != nil {
		t.Fatal(err)
	}
	if progress {
		t.Error("the progress table is left after a finished copy")
	}

	// A finished copy is data: a third run refuses the target.
	if _, err := migrate.Copy(ctx, e.Store.Path(), dsn, migrate.Options{}); !errors.Is(err, migrate.ErrTargetNotEmpty) {
		t.Errorf("a run into a filled target: %v, want ErrTargetNotEmpty", err)
	}
}

func TestCopyRefusesTargetWithOtherData(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.FreshSchema(t)
	pg, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.CreateUser(ctx, &digest.User{Name: "someone", Role: digest.RoleUser}); err != nil {
		t.Fatal(err)
	}
	pg.Close()
	src := filepath.Join(t.TempDir(), "digest.db")
	st, err := sqlite.Open(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, err = migrate.Copy(ctx, src, dsn, migrate.Options{})
	if !errors.Is(err, migrate.ErrTargetNotEmpty) || !strings.Contains(err.Error(), "users") {
		t.Fatalf("Copy into a target with a user: %v, want ErrTargetNotEmpty naming users", err)
	}
}

func TestCopyRefusesAnotherSourcesUnfinishedCopy(t *testing.T) {
	ctx := context.Background()
	e := demoLike(t)
	dsn := pgtest.FreshSchema(t)
	cctx, cancel := context.WithCancel(ctx)
	_, err := migrate.Copy(cctx, e.Store.Path(), dsn, migrate.Options{BatchRows: 5, AfterBatch: func(string, int) { cancel() }})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v", err)
	}
	other := filepath.Join(t.TempDir(), "other.db")
	st, err := sqlite.Open(ctx, other, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := migrate.Copy(ctx, other, dsn, migrate.Options{}); !errors.Is(err, migrate.ErrTargetNotEmpty) {
		t.Fatalf("another source into an unfinished copy: %v, want ErrTargetNotEmpty", err)
	}
}

func TestCopyMissingSource(t *testing.T) {
	_, err := migrate.Copy(context.Background(), filepath.Join(t.TempDir(), "none.db"), "postgres://nobody@127.0.0.1:1/none", migrate.Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Copy of a missing file: %v, want ErrNotExist", err)
	}
}

// TestCopyTablesItDoesNotKnow: a table another version added is copied
// when both databases have it (after the tables it refers to), and a
// table or column the target lacks is skipped with a warning.
func TestCopyTablesItDoesNotKnow(t *testing.T) {
	ctx := context.Background()
	e := demoLike(t)
	dsn := pgtest.FreshSchema(t)
	src := filepath.Join(t.TempDir(), "src.db")
	if _, err := migrate.Backup(ctx, e.Store.Path(), src); err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("sqlite", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		// Sorts before "users" but refers to it.
		`CREATE TABLE aa_notes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), note TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 0, local TEXT)`,
		`INSERT INTO aa_notes (user_id, note, pinned, local) SELECT id, 'note of ' || name, id % 2, 'x' FROM users`,
		// Sorts before the table it refers to.
		`CREATE TABLE zz_parent (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE ab_child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES zz_parent (id))`,
		`INSERT INTO zz_parent VALUES (1), (2)`,
		`INSERT INTO ab_child (parent_id) VALUES (2), (1), (2)`,
		`CREATE TABLE lite_only (k TEXT PRIMARY KEY)`,
		`INSERT INTO lite_only VALUES ('a')`,
	} {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	sdb.Close()
	pg, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	pg.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE aa_notes (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
		user_id BIGINT NOT NULL REFERENCES users (id), note TEXT NOT NULL, pinned BOOLEAN NOT NULL DEFAULT FALSE);
		CREATE TABLE zz_parent (id BIGINT PRIMARY KEY);
		CREATE TABLE ab_child (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES zz_parent (id))`); err != nil {
		t.Fatal(err)
	}

	rep, err := migrate.Copy(ctx, src, dsn, migrate.Options{BatchRows: 5})
	if err != nil {
		t.Fatalf("Copy: %v (%+v)", err, rep)
	}
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, "lite_only") || !strings.Contains(w, "aa_notes") || !strings.Contains(w, "local") {
		t.Errorf("warnings %q, want the missing table and column named", rep.Warnings)
	}
	var notes, pinned int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE pinned) FROM aa_notes`).Scan(&notes, &pinned); err != nil {
		t.Fatal(err)
	}
	if notes != 2 || pinned != 1 {
		t.Errorf("aa_notes: %d rows, %d pinned; want 2 and 1", notes, pinned)
	}
	var children int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM ab_child`).Scan(&children); err != nil || children != 3 {
		t.Errorf("ab_child: %d rows (%v), want 3", children, err)
	}
	var next int64
	if err := conn.QueryRow(ctx, `INSERT INTO aa_notes (user_id, note) VALUES ($1, 'new') RETURNING id`, e.A.ID).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if next != 3 {
		t.Errorf("a new note took ID %d, want 3", next)
	}
}

// catalog lists the indexes and constraints of the connection's schema,
// without the schema's name.
func catalog(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, `SELECT tablename || ' ' || indexname || ' ' || replace(indexdef, schemaname || '.', '')
		FROM pg_indexes WHERE schemaname = current_schema()
		UNION ALL
		SELECT t.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
		FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema()
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func TestCopyOfAFileThatIsNoDigestDatabase(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE notes (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := migrate.Copy(ctx, src, "postgres://nobody@127.0.0.1:1/none", migrate.Options{}); err == nil || !strings.Contains(err.Error(), "not a digest database") {
		t.Fatalf("Copy of another program's database: %v", err)
	}
	db, err = sql.Open("sqlite", src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the other database now holds %d objects (%v), want its one table", n, err)
	}
}

// sqliteRows renders every row of a SQLite table, in primary key order.
func sqliteRows(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + table + `" ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			fmt.Fprintf(&b, "%s=%s ", cols[i], render(v))
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// pgRows renders every row of a PostgreSQL table as sqliteRows does, the
// columns in SQLite's order (the same migrations add them in the same
// order).
func pgRows(t *testing.T, conn *pgx.Conn, table string) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT * FROM "`+table+`" ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range rows.FieldDescriptions() {
			fmt.Fprintf(&b, "%s=%s ", f.Name, render(vals[i]))
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// render writes a value alike whichever database gave it: booleans as
// SQLite's 0 and 1, bytes as text.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "1"
		}
		return "0"
	case []byte:
		return fmt.Sprintf("%q", x)
	case string:
		return fmt.Sprintf("%q", x)
	case float64:
		return fmt.Sprint(x)
	case float32:
		return fmt.Sprint(float64(x))
	}
	return fmt.Sprint(v)
}
