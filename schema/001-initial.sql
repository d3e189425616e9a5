-- brotr index schema, version 1. Derived data: `brotr reindex` rebuilds every row
-- from the segment files.

-- Segments: sealed_size is set when the segment is sealed; NULL while active.
CREATE TABLE segment (
    number INTEGER PRIMARY KEY,
    sealed_size INTEGER
);

-- LZ4 frames: where each one lives, so a record is located by (frame, pos).
CREATE TABLE frame (
    id INTEGER PRIMARY KEY,
    segment INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL
);

-- The end of the last frame whose records are in the index.
CREATE TABLE watermark (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    segment INTEGER NOT NULL,
    offset INTEGER NOT NULL
);

CREATE TABLE pubkey (
    id INTEGER PRIMARY KEY,
    key BLOB NOT NULL UNIQUE
);

CREATE TABLE relay (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    network TEXT NOT NULL,
    discovered_at INTEGER NOT NULL
);

-- One row per archived event version; tags, content and sig live in the segment.
CREATE TABLE event (
    id BLOB NOT NULL,
    pubkey INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    frame INTEGER NOT NULL,
    pos INTEGER NOT NULL
);
CREATE INDEX event_by_id ON event (substr(id, 1, 8));
CREATE INDEX event_by_time ON event (created_at);
CREATE INDEX event_by_kind ON event (kind, created_at);
CREATE INDEX event_by_author ON event (pubkey, created_at);

-- Single-letter tags: name is the letter's code, value an 8-byte key of the first value.
CREATE TABLE event_tag (
    name INTEGER NOT NULL,
    value INTEGER NOT NULL,
    event INTEGER NOT NULL,
    PRIMARY KEY (name, value, event)
) WITHOUT ROWID;

-- Where each event was seen: the first time at each relay.
CREATE TABLE event_relay (
    event INTEGER NOT NULL,
    relay INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (event, relay)
) WITHOUT ROWID;
CREATE INDEX event_relay_by_relay ON event_relay (relay, event);

-- Content-addressed metadata documents.
CREATE TABLE metadata (
    hash BLOB NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (hash, type)
) WITHOUT ROWID;

-- Each relay's metadata over time.
CREATE TABLE relay_metadata (
    relay INTEGER NOT NULL,
    type TEXT NOT NULL,
    generated_at INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (relay, type, generated_at)
) WITHOUT ROWID;

-- Operational state of the stages (cursors, candidates, checkpoints).
CREATE TABLE service_state (
    service TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (service, key)
) WITHOUT ROWID;
