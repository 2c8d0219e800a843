package greader_test

import (
	"database/sql"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/occasional-digest/digest/internal/testenv"
	_ "modernc.org/sqlite"
)

// TestAtom: /reader/atom/STREAM, the path escaped as newsboat escapes it,
// is an Atom feed whose entries carry the item ID as <id> and the read
// state as Google Reader categories, which newsboat matches by label.
func TestAtom(t *testing.T) {
	s := newServer(t, testenv.Options{})
	alpha := feedID(t, s.A, "alpha")
	ids := s.articleIDs(t, s.A, alpha)
	if _, err := s.Store.MarkRead(t.Context(), s.A.ID, ids[:1], true); err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, base: s.URL + "/"}
	c.login(s.A.Name, s.A.AppPassword)
	r := c.do("GET", "/reader/atom/feed%2F"+strconv.FormatInt(alpha, 10)+"?n=20", "")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("%d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			ID         string `xml:"id"`
			Title      string `xml:"title"`
			Categories []struct {
				Term   string `xml:"term,attr"`
				Scheme string `xml:"scheme,attr"`
				Label  string `xml:"label,attr"`
			} `xml:"category"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(r.Body), &feed); err != nil {
		t.Fatal(err)
	}
	if feed.Title != "Alpha" || len(feed.Entries) != len(ids) {
		t.Fatalf("title %q, %d entries; want Alpha and %d", feed.Title, len(feed.Entries), len(ids))
	}
	for _, e := range feed.Entries {
		labels := map[string]bool{}
		for _, c := range e.Categories {
			if c.Scheme == "http://www.google.com/reader/" {
				labels[c.Label] = true
			}
		}
		read := e.ID == fmt.Sprintf("tag:google.com,2005:reader/item/%016x", ids[0])
		if labels["read"] != read || labels["fresh"] == read || !labels["News"] {
			t.Fatalf("entry %s (read %v) has labels %v", e.ID, read, labels)
		}
	}
	// The reading list in the path unescaped, and with no stream at all.
	for _, p := range []string{"/reader/atom/user/-/state/com.google/reading-list", "/reader/atom"} {
		feed.Entries = nil
		if err := xml.Unmarshal([]byte(c.ok("GET", p+"?n=100", "")), &feed); err != nil || len(feed.Entries) != 3*s.Items {
			t.Fatalf("%s: %d entries, %v", p, len(feed.Entries), err)
		}
	}
}

// TestNewsboat runs Debian's newsboat as a real client with its Google
// Reader source (urls-source "feedhq"): "newsboat -x reload" signs in,
// lists the subscriptions and fetches each as /reader/atom/feed%2FID; its
// cache must hold every article of A's with A's read state. Then, driven
// under tmux, it opens a feed and toggles an article read, which must
// reach the server. Skipped when newsboat (or, for the second part, tmux)
// is not installed: scripts/test.sh installs both.
func TestNewsboat(t *testing.T) {
	bin, err := exec.LookPath("newsboat")
	if err != nil {
		t.Skip("newsboat is not installed (scripts/test.sh installs it with apt-get): skipping the real-client test")
	}
	s := newServer(t, testenv.Options{})
	ids := s.articleIDs(t, s.A, 0)
	// One article read and one starred on the server before the first
	// sync.
	if _, err := s.Store.MarkRead(t.Context(), s.A.ID, ids[2:3], true); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	urls := filepath.Join(dir, "urls")
	cache := filepath.Join(dir, "cache.db")
	conf := fmt.Sprintf(`urls-source "feedhq"
feedhq-url "%s/"
feedhq-login "%s"
feedhq-password "%s"
feedhq-show-special-feeds "no"
feedhq-min-items 50
show-read-feeds yes
confirm-exit no
`, s.URL, s.A.Name, s.A.AppPassword)
	if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(urls, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir, "TERM=xterm-256color")
	args := []string{"-C", config, "-u", urls, "-c", cache}
	cmd := exec.Command(bin, append(args, "-x", "reload")...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("newsboat -x reload: %v\n%s", err, out)
	}

	// Its cache holds every article of A's, with A's read state.
	db, err := sql.Open("sqlite", "file:"+cache+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type cached struct {
		unread bool
		feed   string
	}
	readCache := func() map[string]cached {
		rows, err := db.Query(`SELECT guid, unread, feedurl FROM rss_item`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]cached{}
		for rows.Next() {
			var guid, feed string
			var unread bool
			if err := rows.Scan(&guid, &unread, &feed); err != nil {
				t.Fatal(err)
			}
			out[guid] = cached{unread, feed}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	items := readCache()
	if len(items) != len(ids) {
		t.Fatalf("newsboat cached %d items, want %d: %v", len(items), len(ids), items)
	}
	for _, id := range ids {
		guid := fmt.Sprintf("tag:google.com,2005:reader/item/%016x", id)
		it, ok := items[guid]
		if !ok {
			t.Fatalf("article %d is not in newsboat's cache", id)
		}
		if it.unread == (id == ids[2]) {
			t.Fatalf("article %d: newsboat has unread=%v", id, it.unread)
		}
		if !strings.Contains(it.feed, "/reader/atom/feed%2F") {
			t.Fatalf("article %d cached from %s", id, it.feed)
		}
	}
	// A read on the server after the sync comes down on the next reload.
	if _, err := s.Store.MarkRead(t.Context(), s.A.ID, ids[:1], true); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, append(args, "-x", "reload")...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("newsboat -x reload: %v\n%s", err, out)
	}
	if it := readCache()[fmt.Sprintf("tag:google.com,2005:reader/item/%016x", ids[0])]; it.unread {
		t.Fatal("a read on the server did not reach newsboat's cache")
	}

	// Interactive: open the first feed and toggle its selected article.
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed: skipping the interactive part")
	}
	session := fmt.Sprintf("greader-test-%d", os.Getpid())
	sock := filepath.Join(dir, "tmux.sock")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tmux, append([]string{"-S", sock}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	line := strings.Join(append([]string{bin}, args...), " ")
	run("new-session", "-d", "-s", session, "-x", "160", "-y", "48", line)
	t.Cleanup(func() { exec.Command(tmux, "-S", sock, "kill-server").Run() })
	screen := func() string { return run("capture-pane", "-p", "-t", session) }
	waitFor := func(what string, ok func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok(screen()) {
			if time.Now().After(deadline) {
				t.Fatalf("newsboat never showed %s; screen:\n%s", what, screen())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("the feed list", func(sc string) bool { return strings.Contains(sc, "Alpha") && strings.Contains(sc, "Shared") })
	readBefore := s.readCount(t)
	run("send-keys", "-t", session, "Enter")
	waitFor("an item list", func(sc string) bool { return strings.Contains(sc, " story ") })
	run("send-keys", "-t", session, "N")
	deadline := time.Now().Add(60 * time.Second)
	for s.readCount(t) != readBefore+1 {
		if time.Now().After(deadline) {
			t.Fatalf("the article newsboat marked read is not read on the server (%d read, %d before); screen:\n%s",
				s.readCount(t), readBefore, screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	run("send-keys", "-t", session, "q", "q")
}

// readCount is the number of A's read articles.
func (s *server) readCount(t testing.TB) int {
	n := 0
	for _, a := range s.Articles(t, s.A) {
		if a.Read {
			n++
		}
	}
	return n
}
