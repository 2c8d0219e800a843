package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// BenchmarkGet304 is the ingest pipeline's steady state: conditional
// requests answered 304 by one loopback host, from many goroutines
// (ingest needs ≥ 5,000 req/s). It reports req/s.
func BenchmarkGet304(b *testing.B) {
	srv := newServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte("<rss/>"))
	}))
	c := newTestClient(b, Options{AllowedNets: loopbackNet, PerHost: 64})
	url := srv.URL + "/feed"
	b.ReportAllocs()
	b.SetParallelism(8)
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := c.Get(context.Background(), Request{URL: url, ETag: `"v1"`, Accept: AcceptFeed})
			if err != nil || !res.NotModified {
				b.Errorf("got %v %v", res, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkGet200Gzip fetches a 60 KB gzipped feed.
func BenchmarkGet200Gzip(b *testing.B) {
	feed := []byte(`<?xml version="1.0" encoding="UTF-8"?><rss><channel>` +
		strings.Repeat("<item><title>Occasional Digest</title><description>Grüße aus der Redaktion</description></item>", 600) +
		`</channel></rss>`)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(feed)
	w.Close()
	srv := newServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	}))
	c := newTestClient(b, Options{AllowedNets: loopbackNet, PerHost: 64})
	b.ReportAllocs()
	b.SetBytes(int64(len(feed)))
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := c.Get(context.Background(), Request{URL: srv.URL})
			if err != nil || len(res.Body) != len(feed) {
				b.Errorf("got %v", err)
				return
			}
		}
	})
}

func BenchmarkToUTF8(b *testing.B) {
	utf := []byte(`<?xml version="1.0" encoding="UTF-8"?><rss>` + strings.Repeat("<item>Grüße</item>", 3000) + `</rss>`)
	latin := []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><rss>` + strings.Repeat("<item>Gr\xfc\xdfe</item>", 3000) + `</rss>`)
	b.Run("utf-8", func(b *testing.B) {
		b.SetBytes(int64(len(utf)))
		b.ReportAllocs()
		for b.Loop() {
			ToUTF8(utf, "application/rss+xml")
		}
	})
	b.Run("latin1", func(b *testing.B) {
		b.SetBytes(int64(len(latin)))
		b.ReportAllocs()
		for b.Loop() {
			ToUTF8(latin, "application/rss+xml")
		}
	})
}

// BenchmarkGet304Baseline is BenchmarkGet304 with a bare net/http client
// (no guard, limits, decoding): the ratio of the two is the cost of this
// package.
func BenchmarkGet304Baseline(b *testing.B) {
	srv := newServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte("<rss/>"))
	}))
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	url := srv.URL + "/feed"
	b.ReportAllocs()
	b.SetParallelism(8)
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
			req.Header.Set("If-None-Match", `"v1"`)
			res, err := hc.Do(req)
			if err != nil || res.StatusCode != http.StatusNotModified {
				b.Errorf("got %v", err)
				return
			}
			res.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
