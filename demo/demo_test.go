package demo

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/occasional-digest/digest/feed"
)

func get(t *testing.T, c *http.Client, u string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r, string(b)
}

func TestEveryOutletFeedParsesAndItsPagesExist(t *testing.T) {
	now := time.Now()
	n, err := New(now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n)
	defer srv.Close()
	formats := map[string]bool{}
	total := 0
	for _, u := range n.FeedURLs(srv.URL) {
		r, body := get(t, srv.Client(), u, nil)
		if r.StatusCode != 200 {
			t.Fatalf("%s: %s", u, r.Status)
		}
		p, err := feed.Parse([]byte(body), u, now)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		formats[strings.Fields(p.Format)[0]+" "+strings.Fields(p.Format)[1]] = true
		if len(p.Entries) == 0 {
			t.Fatalf("%s: no entries", u)
		}
		for _, e := range p.Entries {
			total++
			if e.Published.IsZero() || e.Published.After(now) {
				t.Errorf("%s: entry %q has date %v", u, e.Title, e.Published)
			}
			r, page := get(t, srv.Client(), e.Link, nil)
			if r.StatusCode != 200 || !strings.Contains(page, "<h1") {
				t.Errorf("page %s: %s", e.Link, r.Status)
			}
		}
		// Conditional GET: the same validators give a 304.
		r2, _ := get(t, srv.Client(), u, map[string]string{"If-None-Match": r.Header.Get("ETag")})
		if r2.StatusCode != http.StatusNotModified {
			t.Errorf("%s: conditional GET answered %s", u, r2.Status)
		}
	}
	if len(formats) < 4 {
		t.Errorf("formats %v: want RSS 2.0, RSS 1.0, Atom and JSON Feed", formats)
	}
	if total < 12 {
		t.Errorf("only %d entries", total)
	}
}

func TestRepublisherCreditsItsSource(t *testing.T) {
	n, err := New(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n)
	defer srv.Close()
	_, page := get(t, srv.Client(), srv.URL+"/pocket/news/port-alder-earthquake.html", nil)
	for _, want := range []string{"Source link", srv.URL + "/meridian/news/port-alder-earthquake.html", "Exit mobile version", "Site icon"} {
		if !strings.Contains(page, want) {
			t.Errorf("republished page lacks %q", want)
		}
	}
	r, icon := get(t, srv.Client(), srv.URL+"/pocket/icon.png", nil)
	if r.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(icon, "\x89PNG") {
		t.Errorf("icon: %s %q", r.Header.Get("Content-Type"), icon[:8])
	}
	if r, _ := get(t, srv.Client(), srv.URL+"/nowhere/", nil); r.StatusCode != 404 {
		t.Errorf("unknown outlet: %s", r.Status)
	}
}

func TestArticlesFileErrorsAreClear(t *testing.T) {
	for name, in := range map[string]string{
		"too few fields": "=== meridian | slug | 3 | author\nbody\n",
		"bad hours":      "=== meridian | slug | x | a | t\nbody\n",
		"unknown outlet": "=== nowhere | slug | 3 | a | t\nbody\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseArticles(in); err == nil || !strings.Contains(err.Error(), "articles.txt:1") {
				t.Fatalf("error %v, want one naming the line", err)
			}
		})
	}
}
