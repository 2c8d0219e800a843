package miniflux_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	_ "modernc.org/sqlite"
)

// TestNewsboat runs newsboat (Debian's package; scripts/test.sh installs
// it) headless with its Miniflux source against /v1/: `newsboat -x
// reload` must fetch user A's feeds, and its cache must hold A's articles
// with A's read state, and nothing of B's; a second reload picks up an
// article read on the server since.
func TestNewsboat(t *testing.T) {
	bin, err := exec.LookPath("newsboat")
	if err != nil {
		t.Skip("newsboat is not installed (scripts/test.sh installs it): skipping the real-client test")
	}
	e := newEnv(t, 4)
	ctx := context.Background()
	all := e.articles(e.A.User.ID, digest.ArticleQuery{})
	read := []int64{all[0], all[len(all)-1]}
	if _, err := e.Store.MarkRead(ctx, e.A.User.ID, read, true); err != nil {
		t.Fatal(err)
	}
	// B reads everything: A's state must not follow.
	if _, err := e.Store.MarkAllRead(ctx, digest.ArticleQuery{UserID: e.B.User.ID}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	conf := fmt.Sprintf("urls-source \"miniflux\"\nminiflux-url %q\nminiflux-login %q\nminiflux-password %q\n",
		e.URL+"/", e.A.User.Name, e.A.AppPassword) // with the trailing slash users paste: newsboat asks for //v1/...
	if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	urls := filepath.Join(dir, "urls")
	if err := os.WriteFile(urls, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache.db")
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	reload := func() {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, "-x", "reload", "-C", config, "-u", urls, "-c", cache,
			"-d", filepath.Join(dir, "log"), "-l", "4")
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("newsboat -x reload: %v\n%s\nlog:\n%s", err, out, log)
		}
	}
	check := func(read []int64) {
		t.Helper()
		got, feeds := readCache(t, cache)
		t.Logf("newsboat cached %d items of %d feeds", len(got), len(feeds))
		if len(got) != len(all) {
			t.Errorf("newsboat cached %d articles, want A's %d", len(got), len(all))
		}
		for _, id := range all {
			unread, ok := got[id]
			if !ok {
				t.Errorf("article %d missing from newsboat's cache", id)
				continue
			}
			if want := !slices.Contains(read, id); unread != want {
				t.Errorf("article %d: unread %v in newsboat, want %v", id, unread, want)
			}
		}
		if len(feeds) != len(e.FeedsA) {
			t.Errorf("newsboat has items of %d feeds, want %d: %v", len(feeds), len(e.FeedsA), feeds)
		}
		for _, id := range e.articles(e.B.User.ID, digest.ArticleQuery{FeedID: e.FeedsB[1]}) {
			if _, ok := got[id]; ok {
				t.Errorf("article %d of B's own feed is in A's newsboat", id)
			}
		}
	}
	reload()
	check(read)

	// Read one more on the server: the next reload shows it read.
	read = append(read, all[1])
	if _, err := e.Store.MarkRead(ctx, e.A.User.ID, all[1:2], true); err != nil {
		t.Fatal(err)
	}
	reload()
	check(read)
}

// readCache returns newsboat's cached items (article ID → unread) and
// the number of items per feed.
func readCache(t *testing.T, cache string) (map[int64]bool, map[string]int) {
	t.Helper()
	db, err := sql.Open("sqlite", cache)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT guid, feedurl, unread FROM rss_item`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int64]bool{}
	feeds := map[string]int{}
	for rows.Next() {
		var guid, feedURL string
		var unread bool
		if err := rows.Scan(&guid, &feedURL, &unread); err != nil {
			t.Fatal(err)
		}
		id, err := strconv.ParseInt(guid, 10, 64)
		if err != nil {
			t.Fatalf("guid %q is not an entry ID", guid)
		}
		got[id] = unread
		feeds[feedURL]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got, feeds
}
