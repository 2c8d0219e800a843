-- The full-text index, maintained by the store (Dialect.SearchIndex) as
-- on SQLite: doc is a tsvector the store builds from the words FTS5's
-- unicode61 tokenizer would index (lowered, diacritics removed), so that
-- a search matches the same articles on both databases whatever
-- PostgreSQL's locale and text-search parser would make of the text.
-- Rows go with their article. A database at version 2 has no articles
-- yet (PostgreSQL support came with this schema), so none are indexed
-- here.
CREATE TABLE articles_search (
	article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
	doc        TSVECTOR NOT NULL
);
CREATE INDEX articles_search_doc ON articles_search USING GIN (doc);
