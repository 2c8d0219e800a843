-- The all-304 refresh writes each feed twice: the claim (lease_until,
-- lease_owner) and the saved state (next_check and the validators).
-- Neither claim column is indexed, so a claim can be a HOT update (no
-- index entries) when the row's page has room for the new version: keep
-- a quarter of each page free. Pages fill as rows are rewritten; a table
-- of feeds is small, and the saves move every row within a refresh.
ALTER TABLE feeds SET (fillfactor = 75);
-- Most feeds have no icon: a save (not HOT: next_check is indexed) then
-- writes one index entry less. Lookups by icon (the foreign key's ON
-- DELETE SET NULL, icon_id = ?) imply icon_id IS NOT NULL.
DROP INDEX feeds_icon;
CREATE INDEX feeds_icon ON feeds (icon_id) WHERE icon_id IS NOT NULL;
