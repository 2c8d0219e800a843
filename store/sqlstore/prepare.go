package sqlstore

import (
	digest "github.com/occasional-digest/digest"
)

// preparedDoc is an entry's search document made ahead of SaveFetches
// (Entry.Prepared), with the fields it was made from.
type preparedDoc struct {
	title, summary, text string
	doc                  any
}

// PrepareEntries makes the search document of each entry, on dialects
// that hand the database a ready one (Dialect.SearchValue or
// SearchDocument): the fetch workers call it, in parallel, so that the
// single writer of SaveFetches does not (on PostgreSQL a third of a
// first refresh's process CPU, all of it on the writer's goroutine). It
// returns about the bytes added: the documents' Size when they have one,
// else the size of the texts indexed. See digest.EntryPreparer.
func (s *Store) PrepareEntries(entries []digest.Entry) int64 {
	document := s.document()
	if document == nil {
		return 0
	}
	var n int64
	for i := range entries {
		e := &entries[i]
		title, summary, text := clean(e.Title), clean(e.Summary), clean(e.Text)
		doc := document(title, SearchSummary(summary, text), text)
		e.Prepared = &preparedDoc{title: e.Title, summary: e.Summary, text: e.Text, doc: doc}
		if sized, ok := doc.(interface{ Size() int64 }); ok {
			n += sized.Size()
		} else {
			n += int64(len(title) + len(summary) + len(text))
		}
	}
	return n
}

// document returns the dialect's search document maker (SearchValue,
// else SearchDocument), nil if the dialect indexes texts itself.
func (s *Store) document() func(title, summary, text string) any {
	if s.d.SearchValue != nil {
		return s.d.SearchValue
	}
	if doc := s.d.SearchDocument; doc != nil {
		return func(title, summary, text string) any { return doc(title, summary, text) }
	}
	return nil
}

// preparedDocument returns the search document PrepareEntries made for
// e, if e's texts are still those it was made from.
func preparedDocument(e *digest.Entry) (any, bool) {
	p, ok := e.Prepared.(*preparedDoc)
	if !ok || p.title != e.Title || p.summary != e.Summary || p.text != e.Text {
		return nil, false
	}
	return p.doc, true
}

var _ digest.EntryPreparer = (*Store)(nil)
