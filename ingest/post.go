package ingest

import (
	"context"
	"fmt"
	"html"
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

// postProcessor enriches newly saved articles: full text from the article
// page, site icons, and stories. It runs behind the writer so that feed
// ingestion never waits for article pages.
type postProcessor struct {
	p *Pipeline

	mu         sync.Mutex
	queue      []digest.SaveResult
	signal     chan struct{}
	busy       bool
	iconsTried map[int64]bool
	feedCache  map[int64]digest.Feed

	wg sync.WaitGroup
}

func newPostProcessor(p *Pipeline) *postProcessor {
	return &postProcessor{
		p:          p,
		signal:     make(chan struct{}, 1),
		iconsTried: make(map[int64]bool),
		feedCache:  make(map[int64]digest.Feed),
	}
}

func (pp *postProcessor) enqueue(s digest.SaveResult) {
	if pp.p.opts.NoPostProcess {
		return // nothing would ever take it from the queue
	}
	pp.mu.Lock()
	pp.queue = append(pp.queue, s)
	pp.mu.Unlock()
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

// Idle reports whether the queue is empty (for tests and the CLI refresh).
func (pp *postProcessor) idle() bool {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	return len(pp.queue) == 0 && !pp.busy
}

func (pp *postProcessor) loop(ctx context.Context) {
	for {
		pp.mu.Lock()
		batch := pp.queue
		pp.queue = nil
		pp.busy = len(batch) > 0
		pp.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-pp.signal:
				continue
			}
		}
		pp.process(ctx, batch)
		pp.mu.Lock()
		pp.busy = false
		pp.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
	}
}

func (pp *postProcessor) process(ctx context.Context, batch []digest.SaveResult) {
	log := pp.p.log
	// Feeds are read afresh for each batch: their fetch mode may have
	// changed since.
	pp.mu.Lock()
	clear(pp.feedCache)
	pp.mu.Unlock()
	sem := make(chan struct{}, pp.p.opts.Extractors)
	var wg sync.WaitGroup
	var ids []int64
	for _, s := range batch {
		f, err := pp.feed(ctx, s.FeedID)
		if err != nil {
			if !digest.IsNotFound(err) {
				log.Error("post-process: load feed", "feed", s.FeedID, "err", err)
			}
			continue
		}
		pp.maybeIcon(ctx, f)
		for _, id := range s.Created {
			ids = append(ids, id)
			if f.Fetch == digest.FetchNever {
				continue
			}
			sem <- struct{}{}
			wg.Add(1)
			go func(id int64) {
				defer func() { <-sem; wg.Done() }()
				if err := pp.extractArticle(ctx, f, id); err != nil && ctx.Err() == nil {
					log.Warn("extract article", "article", id, "feed", f.ID, "err", err)
				}
			}(id)
		}
		ids = append(ids, s.Updated...)
	}
	wg.Wait()
	if pp.p.stories != nil && len(ids) > 0 {
		if err := pp.p.stories.Add(ctx, ids); err != nil && ctx.Err() == nil {
			log.Error("stories", "articles", len(ids), "err", err)
		}
	}
}

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

// maybeIcon fetches the feed's site icon once per process when it has none.
func (pp *postProcessor) maybeIcon(ctx context.Context, f digest.Feed) {
	if f.IconID != 0 || pp.iconsTried[f.ID] {
		return
	}
	pp.iconsTried[f.ID] = true
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
func (pp *postProcessor) extractArticle(ctx context.Context, f digest.Feed, id int64) error {
	a, err := pp.p.store.StoredArticle(ctx, id)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
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
