-- An entity page lists the newest stories of the entity's spellings from
-- one index, with each story's last_seen copied into story_entities.
ALTER TABLE story_entities ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;
UPDATE story_entities SET last_seen = (SELECT st.last_seen FROM stories st WHERE st.id = story_entities.story_id);
CREATE INDEX story_entities_recent ON story_entities (entity_id, last_seen DESC, story_id DESC, count);
DROP INDEX story_entities_entity;
