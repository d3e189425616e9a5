-- brotr index schema, version 3: the keys that find events (ids, authors and
-- single-letter tags) live in sorted runs, written whole and merged level by level, so
-- that no write inserts into random pages of a large B-tree; and running totals, so that
-- figures never count rows. A key is 48 bits: what it is of in bits 40-47 (1 an id,
-- 2 an author, a tag's letter), its value below. brotr_id_key(id) is brotr's own SQL
-- function: an id's first 5 bytes under 1.

-- Runs: ids counts their id keys; newest_at, the latest created_at of their events,
-- lets a query with a limit stop early. While a merge moves a run's rows into another,
-- into names that run: every key is in exactly one of them at every commit.
CREATE TABLE key_run (
    id INTEGER PRIMARY KEY,
    level INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    ids INTEGER NOT NULL,
    newest_at INTEGER NOT NULL,
    "into" INTEGER
);

-- A key and the event, in a run.
CREATE TABLE event_key (
    run INTEGER NOT NULL,
    key INTEGER NOT NULL,
    event INTEGER NOT NULL,
    PRIMARY KEY (run, key, event)
) WITHOUT ROWID;

-- The index written so far becomes one run.
INSERT INTO key_run (id, level, rows, ids, newest_at) VALUES (1, 0, 0, 0, 0);
INSERT INTO event_key (run, key, event) SELECT 1, brotr_id_key(id), rowid FROM event ORDER BY 2, 3;
INSERT INTO event_key (run, key, event) SELECT 1, (2 << 40) | pubkey, rowid FROM event ORDER BY 2, 3;
INSERT INTO event_key (run, key, event)
    SELECT DISTINCT 1, ((key >> 56) << 40) | ((key >> 16) & 0xFFFFFFFFFF), event FROM event_tag ORDER BY 2, 3;
UPDATE key_run SET
    rows = (SELECT COUNT(*) FROM event_key),
    ids = (SELECT COUNT(*) FROM event),
    newest_at = COALESCE((SELECT max(created_at) FROM event), 0);
DELETE FROM key_run WHERE rows = 0;
DROP TABLE event_tag;
DROP INDEX event_by_id;
DROP INDEX event_by_author;

-- Running totals, kept by every write in its transaction.
CREATE TABLE tally (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO tally (name, value) SELECT 'events', COUNT(*) FROM event;
INSERT INTO tally (name, value) SELECT 'observations', COUNT(*) FROM event_relay;
INSERT INTO tally (name, value) SELECT 'relays', COUNT(*) FROM relay;
INSERT INTO tally (name, value) SELECT 'metadata', COUNT(*) FROM metadata;

-- Events by kind, kept the same way.
CREATE TABLE kind_tally (
    kind INTEGER PRIMARY KEY,
    events INTEGER NOT NULL
);
INSERT INTO kind_tally (kind, events) SELECT kind, COUNT(*) FROM event GROUP BY kind;
