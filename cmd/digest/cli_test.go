package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// digestCLI runs a command line in-process as main would and returns what
// it printed and its exit status.
func digestCLI(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	env, out, errb := testEnv(vars)
	status = cli(context.Background(), env, args)
	return out.String(), errb.String(), status
}

// wantRun checks a command's exit status and that its stderr says each of
// want (and none of unwanted).
func wantRun(t *testing.T, status, wantStatus int, stderr string, want []string, unwanted ...string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("exit status %d, want %d; stderr:\n%s", status, wantStatus, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not say %q:\n%s", w, stderr)
		}
	}
	for _, u := range unwanted {
		if strings.Contains(stderr, u) {
			t.Errorf("stderr says %q:\n%s", u, stderr)
		}
	}
}

const testRSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>%s/</link>
<item><title>First</title><link>%s/articles/1</link><description>Only a summary.</description><pubDate>Mon, 07 Dec 2026 08:00:00 GMT</pubDate></item>
<item><title>Undated</title><link>%s/articles/2</link><description>No date.</description></item>
</channel></rss>`

// site is a loopback web site for the command tests: feeds at /a.xml and
// /b.xml (b fails with 404 once broken is set), a page that links to
// /a.xml at /linked, a page that links to nothing at / (while /rss.xml
// answers with a feed all the same) and article pages that are 404.
func site(t *testing.T) (base string, broken *atomic.Bool) {
	t.Helper()
	broken = new(atomic.Bool)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := srv.URL
		switch r.URL.Path {
		case "/a.xml", "/rss.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, testRSS, "Feed A", b, b, b)
		case "/b.xml":
			if broken.Load() {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, testRSS, "Feed B", b, b+"/b", b+"/b")
		case "/linked":
			fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Linked</title><link rel="alternate" type="application/rss+xml" href="/a.xml"></head><body><p>hello</p></body></html>`)
		case "/":
			fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Home</title></head><body><p>No feed link here.</p></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, broken
}

var allowPrivate = map[string]string{"DIGEST_ALLOW_PRIVATE": "true"}

func TestNoArgumentsPrintsUsageAndExits2(t *testing.T) {
	out, errs, st := digestCLI(t, nil)
	wantRun(t, st, exitUsage, errs, []string{"Usage: digest COMMAND", "Exit status"})
	if out != "" {
		t.Errorf("usage on stdout: %q", out)
	}
	_, errs, st = digestCLI(t, nil, "frobnicate")
	wantRun(t, st, exitUsage, errs, []string{`unknown command "frobnicate"`, "digest help"})
	_, errs, st = digestCLI(t, nil, "export", "--no-such-flag")
	wantRun(t, st, exitUsage, errs, []string{"flag provided but not defined: -no-such-flag"})
	out, _, st = digestCLI(t, nil, "help")
	if st != exitOK || !strings.Contains(out, "Usage: digest COMMAND") {
		t.Errorf("help: status %d, stdout %q", st, out)
	}
}

func TestOneShotCommandsAreQuiet(t *testing.T) {
	base, _ := site(t)
	data := t.TempDir()
	addUser(t, data, "reader")
	noise := []string{"applied migration", "stories loaded", "level="}
	out, errs, st := digestCLI(t, allowPrivate, "add", "--data", data, base+"/a.xml")
	wantRun(t, st, exitOK, errs, nil, noise...)
	if errs != "" || !strings.Contains(out, "subscribed to") {
		t.Errorf("add: stdout %q, stderr %q", out, errs)
	}
	_, errs, st = digestCLI(t, nil, "export", "--data", data)
	wantRun(t, st, exitOK, errs, nil, noise...)
	_, errs, st = digestCLI(t, allowPrivate, "refresh", "--data", data, "-v")
	wantRun(t, st, exitOK, errs, []string{"level=INFO", "stories loaded"})
}

func TestRefreshNamesFailingFeedsAndExits1(t *testing.T) {
	base, broken := site(t)
	data := t.TempDir()
	addUser(t, data, "reader")
	for _, f := range []string{"/a.xml", "/b.xml"} {
		if _, errs, st := digestCLI(t, allowPrivate, "add", "--data", data, base+f); st != 0 {
			t.Fatalf("add %s: %d %s", f, st, errs)
		}
	}
	broken.Store(true)
	out, errs, st := digestCLI(t, allowPrivate, "refresh", "--data", data, "--feeds-only")
	wantRun(t, st, exitFailed, errs, []string{"failed: " + base + "/b.xml: ", "404", "1 of 2 feeds failed"}, base+"/a.xml")
	if n := strings.Count(errs, base+"/b.xml"); n != 1 {
		t.Errorf("the failing feed's URL is printed %d times, want once:\n%s", n, errs)
	}
	if !strings.Contains(out, "fetched 2 feeds") {
		t.Errorf("refresh stdout %q", out)
	}
	// Without --allow-private every feed is refused, and the fix is said.
	_, errs, st = digestCLI(t, nil, "refresh", "--data", data, "--feeds-only")
	wantRun(t, st, exitFailed, errs, []string{"failed: " + base + "/a.xml: refused: 127.0.0.1", "--allow-private"}, "fetch: ")
	// A missing argument says where the usage is.
	_, errs, st = digestCLI(t, nil, "add")
	wantRun(t, st, exitUsage, errs, []string{"want exactly one URL", `Run "digest add --help"`})
}

func TestAddMistakesSayWhatAndHow(t *testing.T) {
	base, _ := site(t)
	data := t.TempDir()
	addUser(t, data, "reader")
	cases := []struct {
		name     string
		vars     map[string]string
		url      string
		status   int
		want     []string
		unwanted []string
		urlOnce  bool
	}{
		{"not a URL quotes what was typed", nil, "not a url", exitUsage,
			[]string{`"not a url" is not a URL`, "https://example.org/feed.xml"}, []string{"byte", "https://not"}, false},
		{"loopback refusal says how to allow it", nil, base + "/a.xml", exitFailed,
			[]string{"127.0.0.1 is a loopback address", "--allow-private", "DIGEST_ALLOW_PRIVATE=true"}, nil, true},
		{"404 names the URL once", allowPrivate, base + "/missing.xml", exitFailed,
			[]string{"404"}, nil, true},
		{"page without a feed link is not subscribed to a guessed feed", allowPrivate, base + "/", exitFailed,
			[]string{"links to no feed", "digest add " + base + "/rss.xml"}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs, st := digestCLI(t, c.vars, "add", "--data", data, c.url)
			wantRun(t, st, c.status, errs, c.want, c.unwanted...)
			if c.urlOnce && strings.Count(errs, c.url) != 1 {
				t.Errorf("stderr names %s %d times, want once:\n%s", c.url, strings.Count(errs, c.url), errs)
			}
		})
	}
	out, _, _ := digestCLI(t, nil, "export", "--data", data)
	if strings.Contains(out, "xmlUrl") {
		t.Errorf("a failed add subscribed to something:\n%s", out)
	}
	// A page that links to its feed is subscribed to that feed; adding
	// it again is no failure.
	out, errs, st := digestCLI(t, allowPrivate, "add", "--data", data, "--no-fetch", base+"/linked")
	if st != exitOK || !strings.Contains(out, base+"/a.xml") {
		t.Errorf("add of a linked page: status %d, stdout %q, stderr %q", st, out, errs)
	}
	out, errs, st = digestCLI(t, allowPrivate, "add", "--data", data, base+"/a.xml")
	if st != exitOK || !strings.Contains(out, "already subscribed to "+base+"/a.xml") || errs != "" {
		t.Errorf("add of a feed already subscribed to: status %d, stdout %q, stderr %q", st, out, errs)
	}
	// fetch, the same guard and the same fix.
	_, errs, st = digestCLI(t, nil, "fetch", base+"/a.xml")
	wantRun(t, st, exitFailed, errs, []string{"fetch " + base + "/a.xml: refused", "--allow-private"})
}

func TestImportRefusesLoopbackAndAcceptsReimport(t *testing.T) {
	base, _ := site(t)
	data := t.TempDir()
	addUser(t, data, "reader")
	opml := filepath.Join(t.TempDir(), "subs.opml")
	doc := fmt.Sprintf(`<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline text="Local" xmlUrl="%s/a.xml"/><outline text="Remote" xmlUrl="https://news.example.com/feed.xml"/></body></opml>`, base)
	if err := writeFile(opml, doc); err != nil {
		t.Fatal(err)
	}
	out, errs, st := digestCLI(t, nil, "import", "--data", data, opml)
	wantRun(t, st, exitFailed, errs, []string{base + "/a.xml", "loopback", "--allow-private"})
	if !strings.Contains(out, "imported 1 feed, skipped 1") {
		t.Errorf("import stdout %q", out)
	}
	out, errs, st = digestCLI(t, allowPrivate, "import", "--data", data, opml)
	wantRun(t, st, exitOK, errs, nil, "already subscribed", "skipped")
	if errs != "" || !strings.Contains(out, "imported 1 feed, skipped 0, 1 already subscribed") {
		t.Errorf("re-import: stdout %q, stderr %q", out, errs)
	}
}

func TestExtractURLRespectsThePrivateNetworkGuard(t *testing.T) {
	base, _ := site(t)
	_, errs, st := digestCLI(t, nil, "extract", base+"/linked")
	wantRun(t, st, exitFailed, errs, []string{"loopback", "--allow-private"})
	out, errs, st := digestCLI(t, nil, "extract", "--allow-private", base+"/linked")
	if st != exitOK || !strings.Contains(out, "hello") {
		t.Errorf("extract --allow-private: status %d, stdout %q, stderr %q", st, out, errs)
	}
}

func TestParseListsLinkedFeedsAndPrintsSnakeCaseJSON(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.html")
	writeFile(page, `<!DOCTYPE html><html><head><link rel="alternate" type="application/atom+xml" href="/news.atom"></head><body></body></html>`)
	out, errs, st := digestCLI(t, nil, "parse", "-url", "https://example.org/", page)
	if st != exitOK || !strings.Contains(out, "https://example.org/news.atom") || strings.Contains(out, "rss.xml") {
		t.Errorf("parse of a page: status %d, stdout %q, stderr %q", st, out, errs)
	}
	bare := filepath.Join(dir, "bare.html")
	writeFile(bare, `<!DOCTYPE html><title>x</title>`)
	_, errs, st = digestCLI(t, nil, "parse", "-url", "https://example.org/", bare)
	wantRun(t, st, exitFailed, errs, []string{"links to no feed", "https://example.org/rss.xml"})

	rss := filepath.Join(dir, "feed.xml")
	writeFile(rss, fmt.Sprintf(testRSS, "T", "https://example.org", "https://example.org", "https://example.org"))
	out, errs, st = digestCLI(t, nil, "parse", "-json", "-url", "https://example.org/feed.xml", rss)
	if st != exitOK {
		t.Fatalf("parse -json: %d %s", st, errs)
	}
	for _, w := range []string{`"title": "T"`, `"site_url": "https://example.org/"`, `"entries": [`, `"published": "2026-12-07T08:00:00Z"`, `"guid"`} {
		if !strings.Contains(out, w) {
			t.Errorf("parse -json lacks %s:\n%s", w, out)
		}
	}
	for _, u := range []string{"SiteURL", "Published", "0001-01-01", `"updated"`} {
		if strings.Contains(out, u) {
			t.Errorf("parse -json has %s:\n%s", u, out)
		}
	}
}

func TestExportOnAMissingDataDirectoryCreatesNothing(t *testing.T) {
	data := filepath.Join(t.TempDir(), "nowhere")
	out, errs, st := digestCLI(t, nil, "export", "--data", data)
	wantRun(t, st, exitFailed, errs, []string{"no database at " + filepath.Join(data, "digest.db"), "--data"})
	if out != "" {
		t.Errorf("export printed %q", out)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("export created %s (%v)", data, err)
	}
}

func TestOneShotHelpListsNoServerFlags(t *testing.T) {
	server := []string{"-addr", "-base-url", "-trusted-proxies", "-auth-proxy-header", "-refresh-interval"}
	for _, cmd := range []string{"add", "import", "export", "refresh", "fetch", "user", "check"} {
		_, errs, st := digestCLI(t, nil, cmd, "--help")
		wantRun(t, st, exitOK, errs, []string{"Usage: digest " + cmd}, server...)
	}
	_, errs, _ := digestCLI(t, nil, "serve", "--help")
	wantRun(t, exitOK, exitOK, errs, server)
}
