-- Most feeds have no icon: every write of a feed's next_check (each
-- save) then writes one index entry less. Lookups by icon (the foreign
-- key's ON DELETE SET NULL, icon_id = ?) imply icon_id IS NOT NULL.
-- (PostgreSQL's 0024 also leaves room in the feeds' pages for HOT
-- updates; SQLite has no such thing.)
DROP INDEX feeds_icon;
CREATE INDEX feeds_icon ON feeds (icon_id) WHERE icon_id IS NOT NULL;
