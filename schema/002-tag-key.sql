-- brotr index schema, version 2: a tag row is one integer key and the event. The key
-- holds the letter's code in its top byte and the first 7 bytes of the old 8-byte
-- value key below it, so it is never negative. A two-column key is smaller and
-- faster to insert than three columns.
CREATE TABLE event_tag_v2 (
    key INTEGER NOT NULL,
    event INTEGER NOT NULL,
    PRIMARY KEY (key, event)
) WITHOUT ROWID;
INSERT OR IGNORE INTO event_tag_v2 (key, event)
    SELECT (name << 56) | ((value >> 8) & 0xFFFFFFFFFFFFFF), event FROM event_tag ORDER BY 1, 2;
DROP TABLE event_tag;
ALTER TABLE event_tag_v2 RENAME TO event_tag;
