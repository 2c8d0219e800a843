-- author: searches (issue 9) seek the articles of the names they match
-- instead of walking every article: the distinct names are listed by
-- skipping through this index (one seek per name), and the articles of
-- the matching names are read from it.
CREATE INDEX articles_author ON articles (author);
