-- Search finds words by their stems ("earthquakes" finds "earthquake"):
-- the full-text index is rebuilt with the porter tokenizer wrapping the
-- same unicode61 tokenizer. The Go step of this migration (search_stemming
-- in store/sqlstore) indexes every article again, as the store indexes a
-- new one (its summary only when it adds words to the text).
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5 (
	title, summary, text,
	content = '', contentless_delete = 1,
	tokenize = 'porter unicode61 remove_diacritics 2'
);
