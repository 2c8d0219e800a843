-- The fingerprint of the key function that computed entities' lookup
-- columns. When the program's differs, the store recomputes them on open
-- (sqlstore.RefreshEntityKeys).
CREATE TABLE entity_keys_version (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	fingerprint TEXT COLLATE "C" NOT NULL
);
