package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"sync"

	digest "github.com/occasional-digest/digest"
)

// contentVersion is what a cached page of articles (or a reader's saved
// searches) depends on: the store's version of what readers are shown,
// this server's write requests (whose changes the store's version may
// tell a moment later: a notification arrives after its commit) and the
// feed cache's generation (feeds changed through this server, jobs that
// ended, other processes' changes heard).
type contentVersion struct {
	store  int64
	writes uint64
	feeds  uint64
}

// contentVersion returns the current version, and false when the store
// tells none that can be trusted: nothing is then cached. On PostgreSQL
// it is the notifications heard (postgres.DB.ContentVersion, no query),
// on SQLite the data version (a pragma on a kept connection, which moves
// with every commit of any other connection).
func (s *Server) contentVersion(ctx context.Context) (contentVersion, bool) {
	// The writes and feeds first: a write that ends while the store is
	// asked is then seen as a change.
	v := contentVersion{writes: s.writes.Load(), feeds: s.cache.generation()}
	if cv, ok := s.store.(interface{ ContentVersion() (uint64, bool) }); ok {
		n, live := cv.ContentVersion()
		v.store = int64(n)
		return v, live
	}
	n, ok := s.dataVersion(ctx)
	v.store = n
	return v, ok
}

// pageKey is an ArticleQuery without IDs (queries by ID are not cached).
type pageKey struct {
	user, feed, category, story int64
	unread, read, starred       bool
	after, before               int64 // UnixNano, 0 for none
	afterID, beforeID           int64
	oldest, byID, withContent   bool
	limit, offset               int
	cursor                      string
}

// articleCache keeps pages of articles (store.Articles' answers) while
// the content version they were read at is current: readers reloading the
// river or polling the API share one query per change rather than one
// each. Searches (whose words may name relative dates) and queries by ID
// are not kept.
type articleCache struct {
	mu    sync.Mutex
	v     contentVersion
	pages map[pageKey]*cachedPage
}

// cachedPage is a page of articles with its JSON, made on first use: the
// API's answer is the same bytes while the page is.
type cachedPage struct {
	page  *digest.ArticlePage
	river riverPart
	json  struct {
		once sync.Once
		b    []byte
		err  error
	}
}

// riverPart is what the river makes of a kept page, once: the items'
// snippets, and the items written out for the last request that asked.
type riverPart struct {
	snippets struct {
		once sync.Once
		s    []template.HTML
	}
	items struct {
		mu   sync.Mutex
		key  string
		html template.HTML
	}
}

// snippetsOf returns the page's snippets as items makes them, made once.
func (c *cachedPage) snippetsOf() []template.HTML {
	c.river.snippets.once.Do(func() {
		out := make([]template.HTML, len(c.page.Articles))
		for i := range c.page.Articles {
			out[i] = itemSnippet(&c.page.Articles[i])
		}
		c.river.snippets.s = out
	})
	return c.river.snippets.s
}

// itemsHTML returns make()'s HTML, reusing the last request's when key
// (everything the HTML depends on besides the page) is the same.
func (c *cachedPage) itemsHTML(key string, make func() template.HTML) template.HTML {
	c.river.items.mu.Lock()
	defer c.river.items.mu.Unlock()
	if c.river.items.html == "" || c.river.items.key != key {
		c.river.items.key, c.river.items.html = key, make()
	}
	return c.river.items.html
}

// encoded returns the page as writeJSON writes it.
func (c *cachedPage) encoded() ([]byte, error) {
	c.json.once.Do(func() {
		page := c.page
		if page.Articles == nil {
			page = &digest.ArticlePage{Articles: []digest.Article{}, Next: page.Next}
		}
		var buf bytes.Buffer
		c.json.err = json.NewEncoder(&buf).Encode(page)
		c.json.b = buf.Bytes()
	})
	return c.json.b, c.json.err
}

// articleCachePages bounds the pages kept; a full cache starts over.
const articleCachePages = 512

// articles returns store.Articles(q), from the cache when nothing changed
// since it was read. The page is shared: callers must not modify it.
func (s *Server) articles(ctx context.Context, q digest.ArticleQuery) (*digest.ArticlePage, error) {
	c, err := s.articlePage(ctx, q)
	if err != nil {
		return nil, err
	}
	return c.page, nil
}

// articlePage is articles with the page's JSON at hand. A page not kept
// comes in a cachedPage of its own.
func (s *Server) articlePage(ctx context.Context, q digest.ArticleQuery) (*cachedPage, error) {
	read := func() (*cachedPage, error) {
		p, err := s.store.Articles(ctx, q)
		if err != nil {
			return nil, err
		}
		return &cachedPage{page: p}, nil
	}
	if q.Search != "" || q.IDs != nil {
		return read()
	}
	k := pageKey{user: q.UserID, feed: q.FeedID, category: q.CategoryID, story: q.StoryID,
		unread: q.Unread, read: q.Read, starred: q.Starred, afterID: q.AfterID, beforeID: q.BeforeID,
		oldest: q.Oldest, byID: q.ByID, withContent: q.WithContent, limit: q.Limit, offset: q.Offset, cursor: q.Cursor}
	if !q.After.IsZero() {
		k.after = q.After.UnixNano()
	}
	if !q.Before.IsZero() {
		k.before = q.Before.UnixNano()
	}
	v, ok := s.contentVersion(ctx)
	if !ok {
		return read()
	}
	c := &s.articleCache
	c.mu.Lock()
	if c.v == v {
		if p, ok := c.pages[k]; ok {
			c.mu.Unlock()
			return p, nil
		}
	}
	c.mu.Unlock()
	// Read between two readings of the version: kept only when they
	// agree, so that a change committed meanwhile is never hidden.
	p, err := read()
	if err != nil {
		return nil, err
	}
	if now, ok := s.contentVersion(ctx); !ok || now != v {
		return p, nil // changed meanwhile: not kept, nor the cache emptied for an older version
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.v != v {
		c.v, c.pages = v, nil
	}
	if c.pages == nil || len(c.pages) >= articleCachePages {
		c.pages = map[pageKey]*cachedPage{}
	}
	c.pages[k] = p
	return p, nil
}

// savedCache keeps the readers' saved searches, listed on every page, as
// the article cache keeps pages.
type savedCache struct {
	mu    sync.Mutex
	v     contentVersion
	lists map[int64][]digest.SavedSearch
}

// savedSearches returns store.SavedSearches(userID), from the cache when
// nothing changed since it was read. The list is shared: callers must not
// modify it.
func (s *Server) savedSearches(ctx context.Context, userID int64) ([]digest.SavedSearch, error) {
	v, ok := s.contentVersion(ctx)
	if !ok {
		return s.store.SavedSearches(ctx, userID)
	}
	c := &s.savedCache
	c.mu.Lock()
	if c.v == v {
		if l, ok := c.lists[userID]; ok {
			c.mu.Unlock()
			return l, nil
		}
	}
	c.mu.Unlock()
	l, err := s.store.SavedSearches(ctx, userID)
	if err != nil {
		return nil, err
	}
	if now, ok := s.contentVersion(ctx); !ok || now != v {
		return l, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.v != v {
		c.v, c.lists = v, nil
	}
	if c.lists == nil || len(c.lists) >= articleCachePages {
		c.lists = map[int64][]digest.SavedSearch{}
	}
	c.lists[userID] = l
	return l, nil
}
