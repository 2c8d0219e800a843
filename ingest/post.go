package ingest

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/extract"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/icon"
	"github.com/occasional-digest/digest/sanitize"
	"github.com/occasional-digest/digest/story/summary"
)

// shortWords is the length under which a feed entry counts as a summary
// and, in FetchShort mode, its article page is fetched and extracted.
const shortWords = 150

// postProcessor works off the post-processing that SaveFetches queues in
// the store with each saved article: the article page's extraction (per
// the feed's Fetch mode), the feed's site icon, and the story. The queue
// is the store's, so a restart resumes it. A failed step is retried with
// exponential backoff (Options.PostRetry, doubling) and, after
// Options.PostAttempts failures, given up and recorded on the article,
// whose other steps go on; a failure of one article holds back no other.
// Stories wait while the story sink warms up (see Warmer); extraction goes
// on meanwhile.
type postProcessor struct {
	p      *Pipeline
	signal chan struct{}
	pace   *pacer // gives way to readers (Options.Readers)

	mu         sync.Mutex
	busy       bool
	iconsTried map[int64]bool
	feedCache  map[int64]digest.Feed

	wg sync.WaitGroup
}

// Warmer is a StorySink that takes articles only once it has warmed up
// (Stories after Warm): Ready's channel is closed then.
type Warmer interface {
	Ready() <-chan struct{}
}

// postBatch is the number of queued articles one round of post-processing
// takes from the store.
const postBatch = 100

func newPostProcessor(p *Pipeline) *postProcessor {
	return &postProcessor{
		p:          p,
		signal:     make(chan struct{}, 1),
		pace:       newPacer(p.opts.Readers),
		iconsTried: make(map[int64]bool),
		feedCache:  make(map[int64]digest.Feed),
	}
}

// wake tells the loop that the store's queue has grown.
func (pp *postProcessor) wake() {
	select {
	case pp.signal <- struct{}{}:
	default:
	}
}

func (pp *postProcessor) start(ctx context.Context) {
	if pp.p.opts.NoPostProcess {
		return
	}
	pp.wg.Add(1)
	go func() {
		defer pp.wg.Done()
		pp.loop(ctx)
	}()
}

func (pp *postProcessor) wait() { pp.wg.Wait() }

// idle reports whether no queued post-processing is due now (retries
// waiting for their time do not count) and none is under way.
func (pp *postProcessor) idle(ctx context.Context) bool {
	if pp.p.opts.NoPostProcess {
		return true
	}
	pp.mu.Lock()
	busy := pp.busy
	pp.mu.Unlock()
	if busy {
		return false
	}
	due, _, err := pp.p.store.DuePosts(ctx, pp.p.opts.Now(), digest.AllSteps, 1)
	return err == nil && len(due) == 0
}

// warming returns the story sink's Ready channel while it warms up, nil
// once it is ready (or needs no warming).
func (pp *postProcessor) warming() <-chan struct{} {
	w, ok := pp.p.stories.(Warmer)
	if !ok {
		return nil
	}
	ch := w.Ready()
	select {
	case <-ch:
		return nil
	default:
		return ch
	}
}

// sharedPostPoll bounds how long a shared pipeline's post-processing
// sleeps before it looks at the queue again. Other processes' changes to
// the queue wake it through PostQueued (PostgreSQL's notifications, see
// cmd/digest); the poll only covers a notification that never came.
const sharedPostPoll = 15 * time.Second

// PostQueued tells the pipeline that another process queued
// post-processing or changed what is left of it (a standby extracted a
// page and left the story step to the process with the story engine):
// its post-processing looks at the queue at once.
func (p *Pipeline) PostQueued() {
	if p.post != nil {
		p.post.wake()
	}
}

func (pp *postProcessor) loop(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		warming := pp.warming()
		steps := digest.AllSteps
		if warming != nil {
			steps &^= digest.StepStory
		}
		now := pp.p.opts.Now()
		due, next, err := pp.due(ctx, now, steps)
		if err == nil && len(due) > 0 {
			pp.setBusy(true)
			err = pp.process(ctx, due, warming == nil)
			pp.setBusy(false)
			if err == nil {
				backoff = time.Second
				continue
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			// The store failed: the rows are still queued.
			pp.p.log.Error("post-process", "err", err)
			pp.sleep(ctx, backoff, nil)
			backoff = min(2*backoff, time.Minute)
			continue
		}
		wait := time.Duration(-1)
		if !next.IsZero() {
			wait = max(next.Sub(now), 0)
		}
		if pp.p.opts.Shared && (wait < 0 || wait > sharedPostPoll) {
			// Other processes queue steps too (a standby's extractions
			// leave story steps for the leader); their notification
			// may be lost with a connection: look again now and then.
			wait = sharedPostPoll
		}
		pp.sleep(ctx, wait, warming)
	}
}

// due lists the queued post-processing due at now: claimed for a lease
// (digest.ContentStore.ClaimPosts) when other pipelines share the store,
// so that no two extract one article.
func (pp *postProcessor) due(ctx context.Context, now time.Time, steps digest.PostSteps) ([]digest.PendingPost, time.Time, error) {
	if pp.p.opts.Shared {
		return pp.p.store.ClaimPosts(ctx, now, pp.p.opts.Lease, steps, postBatch)
	}
	return pp.p.store.DuePosts(ctx, now, steps, postBatch)
}

// sleep waits for d (forever when d < 0), a wake, ready's closing or the
// end of ctx.
func (pp *postProcessor) sleep(ctx context.Context, d time.Duration, ready <-chan struct{}) {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
	case <-pp.signal:
	case <-timer:
	case <-ready:
	}
}

func (pp *postProcessor) setBusy(b bool) {
	pp.mu.Lock()
	pp.busy = b
	pp.mu.Unlock()
}

// process runs the due steps of a batch of queued articles and records
// what is left of each. Only a store failure to record it is returned;
// steps cut short by the end of ctx stay queued as they were.
func (pp *postProcessor) process(ctx context.Context, batch []digest.PendingPost, stories bool) error {
	// Feeds are read afresh for each batch: their fetch mode may have
	// changed since.
	pp.mu.Lock()
	clear(pp.feedCache)
	pp.mu.Unlock()
	var (
		mu      sync.Mutex
		results []digest.PendingPost // what to record
		toStory []digest.PendingPost // ready for the story step
		wg      sync.WaitGroup
	)
	sem := make(chan struct{}, pp.p.opts.Extractors)
	for _, q := range batch {
		// An article cut short by the end of ctx stays queued as it
		// was, like those whose steps were under way.
		if !pp.pace.wait(ctx) {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			q, ok := pp.pageSteps(ctx, q)
			if !ok {
				return // cut short: stays queued
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case q.Steps&digest.StepStory != 0 && pp.p.stories == nil:
				q.Steps &^= digest.StepStory
				results = append(results, q)
			case q.Steps == digest.StepStory && stories && q.GaveUp == "":
				toStory = append(toStory, q)
			default:
				results = append(results, q)
			}
		}()
	}
	wg.Wait()
	if len(toStory) > 0 && pp.pace.wait(ctx) {
		done, _ := pp.storySteps(ctx, toStory)
		results = append(results, done...)
	}
	if pp.p.opts.Shared {
		// Claimed articles cut short stay queued as they were claimed,
		// due again at once rather than when their lease ends.
		recorded := make(map[int64]bool, len(results))
		for _, q := range results {
			recorded[q.ArticleID] = true
		}
		for _, q := range batch {
			if !recorded[q.ArticleID] {
				results = append(results, q)
			}
		}
	}
	if len(results) == 0 {
		return nil
	}
	// Progress made before a shutdown is recorded all the same.
	if err := pp.p.store.SavePosts(context.WithoutCancel(ctx), results); err != nil {
		return fmt.Errorf("record post-processing: %w", err)
	}
	return nil
}

// pageSteps runs the extraction and icon steps of q and returns what is
// left of it; false when ctx ended first.
func (pp *postProcessor) pageSteps(ctx context.Context, q digest.PendingPost) (digest.PendingPost, bool) {
	a, err := pp.p.store.StoredArticle(ctx, q.ArticleID)
	if digest.IsNotFound(err) {
		return digest.PendingPost{ArticleID: q.ArticleID}, true // merged or removed: nothing left to do
	}
	if err != nil {
		if ctx.Err() != nil {
			return q, false
		}
		return pp.failed(q, 0, "load", err), true
	}
	page := digest.StepExtract | digest.StepIcon
	if q.Steps&page == 0 {
		return q, true
	}
	if a.FeedID == 0 {
		q.Steps &^= page // its own feed is gone
		return pp.succeeded(q), true
	}
	f, err := pp.feed(ctx, a.FeedID)
	if digest.IsNotFound(err) {
		q.Steps &^= page
		return pp.succeeded(q), true
	}
	if err != nil {
		if ctx.Err() != nil {
			return q, false
		}
		return pp.failed(q, 0, "load feed", err), true
	}
	if q.Steps&digest.StepIcon != 0 {
		pp.maybeIcon(ctx, f)
		if ctx.Err() != nil {
			return q, false
		}
		q.Steps &^= digest.StepIcon
	}
	if q.Steps&digest.StepExtract != 0 {
		if f.Fetch != digest.FetchNever {
			if err := pp.extractArticle(ctx, f, a); err != nil {
				if ctx.Err() != nil {
					return q, false
				}
				pp.p.log.Warn("extract article", "article", a.ID, "feed", f.ID, "attempt", q.Attempts+1, "err", err)
				return pp.failed(q, digest.StepExtract, "extract", err), true
			}
		}
		q.Steps &^= digest.StepExtract
	}
	return pp.succeeded(q), true
}

// storySteps puts the articles of qs in stories, all at once, or when
// that fails one at a time, so that the articles at fault are retried
// alone; false when ctx ended first.
func (pp *postProcessor) storySteps(ctx context.Context, qs []digest.PendingPost) ([]digest.PendingPost, bool) {
	ids := make([]int64, len(qs))
	for i, q := range qs {
		ids[i] = q.ArticleID
	}
	err := pp.p.stories.Add(ctx, ids)
	if ctx.Err() != nil {
		return nil, false
	}
	out := make([]digest.PendingPost, 0, len(qs))
	for _, q := range qs {
		if err != nil {
			if err1 := pp.p.stories.Add(ctx, []int64{q.ArticleID}); err1 != nil {
				if ctx.Err() != nil {
					return out, true
				}
				pp.p.log.Warn("stories", "article", q.ArticleID, "attempt", q.Attempts+1, "err", err1)
				out = append(out, pp.failed(q, digest.StepStory, "story", err1))
				continue
			}
		}
		q.Steps &^= digest.StepStory
		out = append(out, pp.succeeded(q))
	}
	return out, true
}

// succeeded clears q's record of failures once the step that failed is
// done.
func (pp *postProcessor) succeeded(q digest.PendingPost) digest.PendingPost {
	q.Attempts, q.LastError, q.NextTry = 0, "", pp.p.opts.Now()
	return q
}

// failed records a failed attempt at step (0: reading the store, which is
// never given up) and schedules the next one after an exponential
// backoff; after Options.PostAttempts failures the step is given up and
// named on the article.
func (pp *postProcessor) failed(q digest.PendingPost, step digest.PostSteps, name string, err error) digest.PendingPost {
	o := &pp.p.opts
	q.Attempts++
	q.LastError = name + ": " + err.Error()
	if step != 0 && pageGone(err) {
		// Retrying a page that is gone holds the article out of every
		// story for hours of backoff: given up at once.
		q.GaveUp = fmt.Sprintf("%s (given up: the page is gone)", q.LastError)
		q.Steps &^= step
		return pp.succeeded(q)
	}
	if step != 0 && q.Attempts >= o.PostAttempts {
		q.GaveUp = fmt.Sprintf("%s (given up after %d attempts)", q.LastError, q.Attempts)
		q.Steps &^= step
		return pp.succeeded(q)
	}
	delay := o.PostRetry << min(q.Attempts-1, 20)
	if delay <= 0 || delay > maxPostRetry {
		delay = maxPostRetry
	}
	q.NextTry = o.Now().Add(delay)
	return q
}

// pageGone tells whether err is an article page's server saying the page
// does not exist (404) or no longer does (410): retrying will not bring
// it.
func pageGone(err error) bool {
	var se *fetch.StatusError
	return errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone)
}

// maxPostRetry bounds the wait between two attempts at a step.
const maxPostRetry = 6 * time.Hour

func (pp *postProcessor) feed(ctx context.Context, id int64) (digest.Feed, error) {
	pp.mu.Lock()
	f, ok := pp.feedCache[id]
	pp.mu.Unlock()
	if ok {
		return f, nil
	}
	fp, err := pp.p.store.FeedByID(ctx, id)
	if err != nil {
		return digest.Feed{}, err
	}
	pp.mu.Lock()
	pp.feedCache[id] = *fp
	pp.mu.Unlock()
	return *fp, nil
}

// maybeIcon fetches the feed's site icon once per process when it has
// none. A site without an icon is no failure.
func (pp *postProcessor) maybeIcon(ctx context.Context, f digest.Feed) {
	pp.mu.Lock()
	tried := pp.iconsTried[f.ID]
	pp.iconsTried[f.ID] = true
	pp.mu.Unlock()
	if f.IconID != 0 || tried {
		return
	}
	site := f.SiteURL
	if site == "" {
		site = f.URL
	}
	ic, err := pp.fetchIcon(ctx, site)
	if err != nil {
		pp.p.log.Debug("site icon", "feed", f.ID, "site", site, "err", err)
		return
	}
	id, err := pp.p.store.SaveIcon(ctx, ic)
	if err != nil {
		pp.p.log.Error("save icon", "feed", f.ID, "err", err)
		return
	}
	f.IconID = id
	if err := pp.p.store.SetFeedIcon(ctx, f.ID, id); err != nil {
		pp.p.log.Error("set feed icon", "feed", f.ID, "err", err)
		return
	}
	pp.mu.Lock()
	pp.feedCache[f.ID] = f
	pp.mu.Unlock()
}

func (pp *postProcessor) fetchIcon(ctx context.Context, site string) (*digest.Icon, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var page []byte
	if resp, err := pp.p.client.Get(ctx, fetch.Request{URL: site, Accept: "text/html"}); err == nil {
		page = resp.Body
		site = resp.URL
	}
	return icon.Fetch(ctx, pp.p.client, site, page)
}

// extractArticle fetches the article page and replaces the feed's content
// with the extracted article when the feed's mode asks for it.
func (pp *postProcessor) extractArticle(ctx context.Context, f digest.Feed, a *digest.Article) error {
	if f.Fetch != digest.FetchAlways && !isShort(a) {
		return nil
	}
	link := a.URL
	for _, s := range a.Sources {
		if s.FeedID == f.ID && s.URL != "" {
			link = s.URL
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := pp.p.client.Get(ctx, fetch.Request{URL: link, Accept: "text/html,application/xhtml+xml"})
	if err != nil {
		return fmt.Errorf("fetch page: %w", err)
	}
	x, err := extract.Extract(resp.Body, resp.URL)
	if err != nil {
		return fmt.Errorf("extract %s: %w", resp.URL, err)
	}
	if x.WordCount < wordCount(a.Text) {
		return nil // the feed had more than the page gives
	}
	mergeExtracted(a, x)
	if err := pp.p.store.UpdateArticle(ctx, a); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	return nil
}

func isShort(a *digest.Article) bool {
	t := strings.TrimSpace(a.Text)
	if t == "" {
		t = a.Summary
	}
	if wordCount(t) < shortWords {
		return true
	}
	return strings.HasSuffix(t, "…") || strings.HasSuffix(t, "[...]") || strings.HasSuffix(t, "...")
}

func wordCount(s string) int {
	n, in := 0, false
	for _, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r)
		if w && !in {
			n++
		}
		in = w
	}
	return n
}

// mergeExtracted puts what extraction found into a, keeping what the feed
// said where the page says nothing.
func mergeExtracted(a *digest.Article, x *extract.Article) {
	content := x.HTML
	if x.SourceURL != "" {
		// The extractor takes the page's "Source link" out of the text;
		// the reader and the story engine still need to see whom the page
		// credits.
		content += `<p class="source-link"><a href="` + html.EscapeString(x.SourceURL) + `">Source link</a></p>`
	}
	a.Content = sanitize.HTML(content, a.URL)
	a.Text = x.Text
	a.WordCount = x.WordCount
	a.Extracted = true
	if a.Author == "" && len(x.Authors) > 0 {
		a.Author = strings.Join(x.Authors, ", ")
	}
	if a.ImageURL == "" {
		a.ImageURL = x.Image
	}
	if x.Lang != "" {
		a.Lang = x.Lang
	}
	if x.SiteName != "" {
		a.SiteName = x.SiteName
	}
	if a.Title == "" {
		a.Title = x.Title
	}
	if !x.Modified.IsZero() {
		a.Updated = x.Modified
	}
	// The feed's own description is kept when it is one (an editor's
	// standfirst); a summary that only repeats the start of the text, or
	// none, is replaced by an extractive one.
	if a.Summary == "" || isLeadOf(a.Summary, a.Text) {
		if s := summary.Article(a.Text, 0); s != "" {
			a.Summary = s
		} else if x.Description != "" {
			a.Summary = x.Description
		}
	}
}

// isLeadOf reports whether sum is the beginning of text, perhaps cut with
// an ellipsis: the feed had no summary of its own.
func isLeadOf(sum, text string) bool {
	sum = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(sum), "…."))
	if len(sum) < 20 {
		return sum == ""
	}
	return strings.HasPrefix(strings.Join(strings.Fields(text), " "), strings.Join(strings.Fields(sum), " "))
}
