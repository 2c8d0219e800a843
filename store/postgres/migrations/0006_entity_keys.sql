-- Entity pages look names up by key, not by exact spelling (see SQLite's
-- 0006_entity_keys.sql). The store computes the keys on insert; existing
-- rows are filled by this migration's Go step (sqlstore: entity_keys).
ALTER TABLE entities ADD COLUMN name_key TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE entities ADD COLUMN base_key TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE entities ADD COLUMN first_word TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE entities ADD COLUMN last_word TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX entities_name_key ON entities (name_key);
CREATE INDEX entities_base_key ON entities (base_key);
CREATE INDEX entities_first_word ON entities (first_word);
CREATE INDEX entities_last_word ON entities (last_word);
