package ingest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
)

// TestSubscribeTakesOnlyFeedsThePageNames: a page that links to no feed
// is "no feed found", even when a feed answers at a guessed path such as
// /rss.xml (the web form and the API subscribed to it silently); a page
// that links to that same path is subscribed to it.
func TestSubscribeTakesOnlyFeedsThePageNames(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/rss.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rss("guessed", 2))
	})
	mux.HandleFunc("/nolink", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!doctype html><html><head><title>A site</title></head><body><p>Hello</p></body></html>")
	})
	mux.HandleFunc("/linked", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body></body></html>`)
	})
	mux.HandleFunc("/deadlink", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<!doctype html><html><head><link rel="alternate" type="application/rss+xml" href="/gone.xml"></head><body></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, st := newPipeline(t, fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	ctx := context.Background()

	for _, tt := range []struct {
		path, want string
	}{
		{"/nolink", srv.URL + "/rss.xml"}, // the guess is named, not taken
		{"/deadlink", "links to 1 feed,"}, // one dead link, in the singular
	} {
		f, err := p.Subscribe(ctx, reader, srv.URL+tt.path, "")
		if err == nil {
			t.Fatalf("%s: subscribed to %s, want no feed found", tt.path, f.URL)
		}
		if digest.ErrorCode(err) != digest.ENOTFOUND || !strings.Contains(err.Error(), "no feed found at "+srv.URL+tt.path) ||
			!strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v (code %s), want ENOTFOUND saying no feed found and %q", tt.path, err, digest.ErrorCode(err), tt.want)
		}
	}
	if feeds, err := st.Feeds(ctx, reader); err != nil || len(feeds) != 0 {
		t.Fatalf("after two refusals the reader has %d feeds (%v)", len(feeds), err)
	}
	f, err := p.Subscribe(ctx, reader, srv.URL+"/linked", "")
	if err != nil {
		t.Fatalf("a page linking to its feed: %v", err)
	}
	if f.URL != srv.URL+"/rss.xml" {
		t.Errorf("subscribed to %s, want the linked %s/rss.xml", f.URL, srv.URL)
	}
}

// TestSubscribeAndImportShareTheClientsRule: without --allow-private,
// Subscribe and an OPML import refuse loopback and private feeds by the
// client's own rule (an import took them, to fail on every refresh); a
// network the client allows is imported.
func TestSubscribeAndImportShareTheClientsRule(t *testing.T) {
	p, st := newPipeline(t, fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("192.0.2.7/32")}})
	ctx := context.Background()
	opml := `<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline text="loop" type="rss" xmlUrl="http://127.0.0.1:8765/rss.xml"/>
<outline text="name" type="rss" xmlUrl="http://localhost/feed"/>
<outline text="lan" type="rss" xmlUrl="http://[fd00::1]/feed"/>
<outline text="allowed" type="rss" xmlUrl="http://192.0.2.7/feed"/>
</body></opml>`
	n, problems, err := p.ImportOPML(ctx, reader, strings.NewReader(opml))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(problems) != 3 {
		t.Fatalf("imported %d with problems %v, want 1 imported and 3 refused", n, problems)
	}
	for _, e := range problems {
		if digest.ErrorCode(e) != digest.EREFUSED || !strings.Contains(e.Error(), "refused") {
			t.Errorf("problem %v: code %s, want EREFUSED", e, digest.ErrorCode(e))
		}
	}
	feeds, err := st.Feeds(ctx, reader)
	if err != nil || len(feeds) != 1 || feeds[0].URL != "http://192.0.2.7/feed" {
		t.Errorf("stored feeds %+v (%v), want the allowed one alone", feeds, err)
	}
	if _, err := p.Subscribe(ctx, reader, "http://127.0.0.1:8765/rss.xml", ""); digest.ErrorCode(err) != digest.EREFUSED {
		t.Errorf("Subscribe to loopback: %v, want EREFUSED before any fetch", err)
	}
}
