package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
)

func rss(title string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>http://example.org/</link>`, title)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<item><title>%s item %d</title><link>http://example.org/%s/%d</link><guid>%s-%d</guid><pubDate>Mon, 02 Jan 2026 15:0%d:00 +0000</pubDate><description>Body of item %d with enough words to be stored.</description></item>`, title, i, title, i, title, i, i%10, i)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// hostile is a loopback server with one well-behaved feed and every kind of
// misbehaving peer the pipeline must survive.
func hostile(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conditional atomic.Int64
	mux := http.NewServeMux()
	good := rss("good", 3)
	mux.HandleFunc("/good.xml", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, good)
	})
	mux.HandleFunc("/malformed.xml", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>broken</title><item><title>oops</item></channel>`)
	})
	mux.HandleFunc("/wrong-charset.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		// windows-1252 bytes (é = 0xE9) sent under a UTF-8 label.
		body := strings.Replace(rss("latin", 2), "Body of item", "Caf\xe9 body of item", -1)
		io.WriteString(w, body)
	})
	mux.HandleFunc("/huge.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		chunk := bytes.Repeat([]byte("<!-- padding padding padding padding -->\n"), 1024)
		for written := 0; written < 20<<20; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/bomb.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		zeros := make([]byte, 1<<20)
		for i := 0; i < 1024; i++ { // 1 GB decompressed
			if _, err := zw.Write(zeros); err != nil {
				return
			}
		}
		zw.Close()
	})
	mux.HandleFunc("/loop-a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-b", http.StatusFound) })
	mux.HandleFunc("/loop-b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-a", http.StatusFound) })
	mux.HandleFunc("/slow.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		for i := 0; i < 600; i++ {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/not-a-feed", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><body><p>Hello</p></body></html>")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &conditional
}

func newPipeline(t *testing.T, opts fetch.Options) (*ingest.Pipeline, digest.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mustReader(t, st)
	t.Cleanup(func() { st.Close() })
	p := ingest.New(st, fetch.New(opts), ingest.Options{Workers: 8, NoPostProcess: true})
	return p, st
}

func addFeed(t *testing.T, st digest.Store, u string) int64 {
	t.Helper()
	f := &digest.Feed{URL: u, Title: u, Fetch: digest.FetchNever}
	// Not due: the tests fetch through RefreshAndWait only, so each feed
	// is fetched exactly once per refresh.
	f.NextCheck = time.Now().Add(time.Hour)
	if err := st.CreateFeed(context.Background(), reader, f); err != nil {
		t.Fatal(err)
	}
	return f.ID
}

func TestHostilePeersAreRecordedAndNothingElseIsLost(t *testing.T) {
	srv, conditional := hostile(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	p, st := newPipeline(t, fetch.Options{
		Timeout:     2 * time.Second,
		MaxBytes:    4 << 20,
		AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})
	ctx := context.Background()
	cases := []struct {
		name, url, wantErr string
	}{
		{"well-behaved feed", srv.URL + "/good.xml", ""},
		{"malformed XML", srv.URL + "/malformed.xml", "parse"},
		{"20 MB body over the cap", srv.URL + "/huge.xml", "large"},
		{"gzip bomb", srv.URL + "/bomb.xml", "large"},
		{"redirect loop", srv.URL + "/loop-a", "redirect"},
		{"slow-drip server", srv.URL + "/slow.xml", "time"},
		{"redirect to the metadata address", srv.URL + "/to-metadata", "169.254.169.254"},
		{"feed on IPv6 loopback", fmt.Sprintf("http://[::1]:%d/good.xml", port), "::1"},
		{"feed on another loopback address", fmt.Sprintf("http://127.0.0.2:%d/good.xml", port), "127.0.0.2"},
		{"HTML page instead of a feed", srv.URL + "/not-a-feed", "feed"},
	}
	ids := map[string]int64{}
	for _, c := range cases {
		ids[c.name] = addFeed(t, st, c.url)
	}
	ids["wrong charset label"] = addFeed(t, st, srv.URL+"/wrong-charset.xml")
	p.Start(ctx)
	defer p.Close()
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := p.RefreshAndWait(rctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := st.Feed(ctx, reader, ids[c.name])
			if err != nil {
				t.Fatal(err)
			}
			if c.wantErr == "" {
				if f.LastError != "" || f.ErrorCount != 0 {
					t.Fatalf("error recorded on a good feed: %q", f.LastError)
				}
				page, err := st.Articles(ctx, digest.ArticleQuery{UserID: reader, FeedID: f.ID})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Articles) != 3 {
					t.Fatalf("stored %d articles, want 3", len(page.Articles))
				}
				return
			}
			if !strings.Contains(strings.ToLower(f.LastError), c.wantErr) {
				t.Fatalf("last error %q does not mention %q", f.LastError, c.wantErr)
			}
			if f.ErrorCount != 1 {
				t.Fatalf("error count %d, want 1", f.ErrorCount)
			}
			if !f.NextCheck.After(f.LastCheck) {
				t.Fatalf("next check %v not after last check %v", f.NextCheck, f.LastCheck)
			}
		})
	}
	t.Run("wrong charset label", func(t *testing.T) {
		page, err := st.Articles(ctx, digest.ArticleQuery{UserID: reader, FeedID: ids["wrong charset label"]})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Articles) != 2 {
			f, _ := st.Feed(ctx, reader, ids["wrong charset label"])
			t.Fatalf("stored %d articles, want 2 (feed error %q)", len(page.Articles), f.LastError)
		}
		for _, a := range page.Articles {
			a, err := st.Article(ctx, reader, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.ValidString(a.Summary + a.Content + a.Text) {
				t.Fatalf("article %d is not valid UTF-8", a.ID)
			}
		}
	})
	t.Run("second refresh is conditional and writes nothing", func(t *testing.T) {
		before := p.Stats()
		if err := p.RefreshAndWait(rctx, ids["well-behaved feed"]); err != nil {
			t.Fatal(err)
		}
		after := p.Stats()
		if conditional.Load() != 1 {
			t.Fatalf("server saw %d conditional requests, want 1", conditional.Load())
		}
		if after.NotModified-before.NotModified != 1 || after.Created != before.Created || after.Updated != before.Updated {
			t.Fatalf("stats before %+v after %+v: want one 304 and no writes", before, after)
		}
	})
}

func TestDefaultGuardRefusesLoopback(t *testing.T) {
	srv, _ := hostile(t)
	p, st := newPipeline(t, fetch.Options{})
	id := addFeed(t, st, srv.URL+"/good.xml")
	p.Start(context.Background())
	defer p.Close()
	if err := p.RefreshAndWait(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	f, err := st.Feed(context.Background(), reader, id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.LastError, "127.0.0.1") {
		t.Fatalf("last error %q, want a refusal naming 127.0.0.1", f.LastError)
	}
}

func TestWaitIdleReturnsWithoutPostProcessing(t *testing.T) {
	srv, _ := hostile(t)
	p, st := newPipeline(t, fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	addFeed(t, st, srv.URL+"/good.xml")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p.Start(ctx)
	defer p.Close()
	if err := p.RefreshAndWait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitIdle(ctx, 20*time.Second); err != nil {
		t.Fatalf("WaitIdle with post-processing off: %v", err)
	}
}
