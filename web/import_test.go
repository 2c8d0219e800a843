package web

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
)

// importFixture is a fixture whose server runs OPML imports in the
// background with a real worker over its store.
func importFixture(t *testing.T) (*fixture, *ingest.Imports) {
	fx := newFixture(t)
	fx.seed(t)
	im := ingest.NewImports(fx.store.(ingest.ImportStore), nil, nil)
	im.Start(context.Background())
	t.Cleanup(func() { im.Close() })
	fx.server = New(Config{Now: func() time.Time { return baseTime }, PageSize: 10, Imports: im}, fx.store, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	return fx, im
}

func waitImportDone(t *testing.T, im *ingest.Imports, user, id int64) *digest.ImportJob {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for {
		j, err := im.Job(ctx, user, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == digest.ImportDone || j.State == digest.ImportFailed {
			return j
		}
		select {
		case <-ctx.Done():
			t.Fatalf("import %d did not finish: %+v", id, j)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

const importDoc = `<?xml version="1.0"?><opml version="2.0"><head><title>mine</title></head><body>
<outline text="Science"><outline text="Lab" type="rss" xmlUrl="https://lab.example/rss"/>
<outline text="Bad port" type="rss" xmlUrl="https://port.example:99999/rss"/></outline>
<outline text="Not the web" type="rss" xmlUrl="ftp://files.example/rss"/>
<outline text="Wire again" type="rss" xmlUrl="https://wire.example/feed.xml"/></body></opml>`

// TestImportInBackground: an upload answers at once with a redirect to the
// import's page, which shows, once the worker is done, every outline
// accounted for and the refused and broken ones with their reasons.
func TestImportInBackground(t *testing.T) {
	fx, im := importFixture(t)
	body, ct := multipartBody(t, "opml", "subs.opml", importDoc)
	w := fx.do(t, "POST", "/import", body, "Content-Type", ct, "Sec-Fetch-Site", "same-origin")
	loc := w.Header().Get("Location")
	if w.Code != 303 || !strings.HasPrefix(loc, "/imports/") {
		t.Fatalf("import = %d, Location %q: %s", w.Code, loc, w.Body)
	}
	id, err := parseID(strings.TrimPrefix(loc, "/imports/"))
	if err != nil {
		t.Fatal(err)
	}
	j := waitImportDone(t, im, fx.uid, id)
	want := digest.ImportCounts{Added: 1, Existing: 1, Refused: 1, Broken: 1}
	if j.State != digest.ImportDone || j.Counts != want || j.Done != 4 || j.Total != 4 {
		t.Fatalf("job %+v, want counts %+v", j, want)
	}
	w = fx.do(t, "GET", loc, "")
	page := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("import page = %d: %s", w.Code, page)
	}
	for _, want := range []string{"every outline of the file is accounted for", "https://port.example:99999/rss: ", "invalid port", "ftp"} {
		if !strings.Contains(page, want) {
			t.Errorf("import page lacks %q", want)
		}
	}
	if _, err := fx.store.Feeds(context.Background(), fx.uid); err != nil {
		t.Fatal(err)
	}
	w = fx.do(t, "GET", "/feeds", "")
	if !strings.Contains(w.Body.String(), "lab.example") {
		t.Error("the imported feed is not on the feeds page")
	}

	// Another user sees no such import.
	other, err := fx.auth.CreateUser(context.Background(), "other", digest.RoleUser, "other password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.Job(context.Background(), other.ID, id); !digest.IsNotFound(err) {
		t.Errorf("another user's view: %v", err)
	}
	if w := fx.do(t, "GET", "/imports/999", ""); w.Code != 404 {
		t.Errorf("an unknown import = %d", w.Code)
	}
}

// TestAPIImport: POST /api/v1/imports answers 202 with the job; the job
// and its outlines (filtered by outcome, paged) are read back.
func TestAPIImport(t *testing.T) {
	fx, im := importFixture(t)
	w := fx.do(t, "POST", "/api/v1/imports", importDoc, "Content-Type", "text/x-opml", "Sec-Fetch-Site", "same-origin")
	if w.Code != 202 || !strings.HasPrefix(w.Header().Get("Location"), "/api/v1/imports/") {
		t.Fatalf("POST = %d %q: %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	var j digest.ImportJob
	if err := json.Unmarshal(w.Body.Bytes(), &j); err != nil || j.ID == 0 {
		t.Fatalf("job %s: %v", w.Body, err)
	}
	waitImportDone(t, im, fx.uid, j.ID)
	w = fx.do(t, "GET", w.Header().Get("Location"), "")
	if err := json.Unmarshal(w.Body.Bytes(), &j); err != nil || j.State != digest.ImportDone || j.Counts.Added != 1 {
		t.Fatalf("GET job = %d %s", w.Code, w.Body)
	}
	var list struct {
		Outlines []digest.ImportOutline `json:"outlines"`
		Next     string                 `json:"next"`
	}
	w = fx.do(t, "GET", "/api/v1/imports/"+itoa(j.ID)+"/outlines?outcome=refused&outcome=broken", "")
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Outlines) != 2 || list.Next != "" || list.Outlines[0].Reason == "" {
		t.Fatalf("refused and broken outlines = %d %s", w.Code, w.Body)
	}
	w = fx.do(t, "GET", "/api/v1/imports/"+itoa(j.ID)+"/outlines?limit=2", "")
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Outlines) != 2 || !strings.Contains(list.Next, "after=1") {
		t.Fatalf("first page = %d %s", w.Code, w.Body)
	}
	w = fx.do(t, "GET", list.Next, "")
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Outlines) != 2 || list.Outlines[0].Seq != 2 {
		t.Fatalf("second page = %d %s", w.Code, w.Body)
	}
	for _, bad := range []string{"?after=x", "?limit=0", "?limit=5000", "?outcome=lost"} {
		if w := fx.do(t, "GET", "/api/v1/imports/"+itoa(j.ID)+"/outlines"+bad, ""); w.Code != 400 {
			t.Errorf("%s = %d", bad, w.Code)
		}
	}
	if w := fx.do(t, "GET", "/api/v1/imports/12345", ""); w.Code != 404 {
		t.Errorf("unknown import = %d", w.Code)
	}
	big := strings.Repeat("x", int(fx.server.cfg.MaxImportBytes)+1)
	if w := fx.do(t, "POST", "/api/v1/imports", big, "Content-Type", "text/x-opml", "Sec-Fetch-Site", "same-origin"); w.Code != 400 && w.Code != 413 {
		t.Errorf("an oversized file = %d", w.Code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestImportDropsFeedCacheOnce: an import that added feeds drops the feed
// cache once, when it ends (so the river names the new feeds), and
// viewing its page any number of times drops nothing.
func TestImportDropsFeedCacheOnce(t *testing.T) {
	fx, im := importFixture(t)
	finished := make(chan int64, 4)
	im.OnFinish(func(u int64) { finished <- u }) // after the server's own
	fx.do(t, "GET", "/", "")
	gen := fx.server.cache.generation()
	body, ct := multipartBody(t, "opml", "subs.opml", importDoc)
	w := fx.do(t, "POST", "/import", body, "Content-Type", ct, "Sec-Fetch-Site", "same-origin")
	loc := w.Header().Get("Location")
	id, err := parseID(strings.TrimPrefix(loc, "/imports/"))
	if err != nil {
		t.Fatalf("import = %d, Location %q", w.Code, loc)
	}
	if j := waitImportDone(t, im, fx.uid, id); j.Counts.Added != 1 {
		t.Fatalf("job %+v, want one feed added", j)
	}
	waitRuleJob(t, finished, fx.uid)
	if got := fx.server.cache.generation(); got != gen+1 {
		t.Fatalf("feed cache dropped %d times by the import, want once", got-gen)
	}
	for range 3 {
		if w := fx.do(t, "GET", loc, ""); w.Code != 200 {
			t.Fatalf("import page = %d", w.Code)
		}
	}
	if got := fx.server.cache.generation(); got != gen+1 {
		t.Errorf("viewing the finished import's page dropped the feed cache %d times", got-gen-1)
	}
}
