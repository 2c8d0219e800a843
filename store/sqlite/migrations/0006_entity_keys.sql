-- Entity pages look names up by key, not by exact spelling: "NATO" and
-- "Nato", "Mr Xi" and "Xi", an organisation later tagged as a place are one
-- entity. name_key is ner.Key(kind, name); base_key is name_key without a
-- person's middle initials ("donald j trump" -> "donald trump");
-- first_word and last_word are, for a person of two words or more, the
-- keys of the first and last word of base_key (a generational suffix
-- aside), under which a one-word mention ("Xi") finds the full name. The
-- store computes them on insert; existing rows are filled by this
-- migration's Go step (sqlstore: entity_keys).
ALTER TABLE entities ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE entities ADD COLUMN base_key TEXT NOT NULL DEFAULT '';
ALTER TABLE entities ADD COLUMN first_word TEXT NOT NULL DEFAULT '';
ALTER TABLE entities ADD COLUMN last_word TEXT NOT NULL DEFAULT '';
CREATE INDEX entities_name_key ON entities (name_key);
CREATE INDEX entities_base_key ON entities (base_key);
CREATE INDEX entities_first_word ON entities (first_word);
CREATE INDEX entities_last_word ON entities (last_word);
