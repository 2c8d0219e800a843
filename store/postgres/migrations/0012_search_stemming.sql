-- Search finds words by their stems ("earthquakes" finds "earthquake"), as
-- SQLite's index does with its porter tokenizer: the store's documents now
-- hold the Porter stems of the words, and the title's positions carry
-- weight A for intitle:. The Go step of this migration (search_stemming in
-- store/sqlstore) builds every article's document again.
DELETE FROM articles_search;
