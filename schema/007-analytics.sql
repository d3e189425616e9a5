-- brotr index schema, version 7: the analytics the Refresher keeps current. The served
-- tables have the names, columns and content of BigBrotr 6.6.9's materialized views
-- (SQLite types: bytea is BLOB, numeric is REAL, date is TEXT 'YYYY-MM-DD', jsonb is
-- TEXT holding JSON), plus relay_uptime. The analytics_* tables are the Refresher's own
-- bookkeeping: the sets behind every distinct count, so that a cycle applies only what
-- was archived since its watermark and still counts exactly what a full rebuild counts.
-- Like the rest of the index, all of it is rebuilt from the segments.

-- Where the last cycle stopped: every frame up to `frame`, every event row up to `event`
-- and every relay row up to `relay` is counted. 0: nothing yet (the next cycle is full).
CREATE TABLE analytics_watermark (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    frame INTEGER NOT NULL,
    event INTEGER NOT NULL,
    relay INTEGER NOT NULL,
    refreshed_at INTEGER NOT NULL
);
INSERT INTO analytics_watermark (id, frame, event, relay, refreshed_at) VALUES (1, 0, 0, 0, 0);

CREATE TABLE relay_metadata_latest (
    relay_url TEXT NOT NULL,
    metadata_type TEXT NOT NULL,
    generated_at INTEGER NOT NULL,
    metadata_id BLOB NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (relay_url, metadata_type)
) WITHOUT ROWID;
CREATE INDEX relay_metadata_latest_by_type ON relay_metadata_latest (metadata_type);

CREATE TABLE event_stats (
    singleton_key INTEGER PRIMARY KEY CHECK (singleton_key = 1),
    event_count INTEGER NOT NULL,
    unique_pubkeys INTEGER NOT NULL,
    unique_kinds INTEGER NOT NULL,
    earliest_event_timestamp INTEGER,
    latest_event_timestamp INTEGER,
    regular_event_count INTEGER NOT NULL,
    replaceable_event_count INTEGER NOT NULL,
    ephemeral_event_count INTEGER NOT NULL,
    addressable_event_count INTEGER NOT NULL,
    event_count_last_1h INTEGER NOT NULL,
    event_count_last_24h INTEGER NOT NULL,
    event_count_last_7d INTEGER NOT NULL,
    event_count_last_30d INTEGER NOT NULL,
    events_per_day REAL NOT NULL
);

CREATE TABLE relay_stats (
    relay_url TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    discovered_at INTEGER NOT NULL,
    first_event_timestamp INTEGER,
    last_event_timestamp INTEGER,
    avg_rtt_open REAL,
    avg_rtt_read REAL,
    avg_rtt_write REAL,
    event_count INTEGER NOT NULL,
    unique_pubkeys INTEGER NOT NULL,
    unique_kinds INTEGER NOT NULL,
    nip11_name TEXT,
    nip11_software TEXT,
    nip11_version TEXT
) WITHOUT ROWID;
CREATE INDEX relay_stats_by_network ON relay_stats (network);

CREATE TABLE kind_counts (
    kind INTEGER PRIMARY KEY,
    event_count INTEGER NOT NULL,
    unique_pubkeys INTEGER NOT NULL,
    category TEXT NOT NULL
);

CREATE TABLE kind_counts_by_relay (
    kind INTEGER NOT NULL,
    relay_url TEXT NOT NULL,
    event_count INTEGER NOT NULL,
    unique_pubkeys INTEGER NOT NULL,
    PRIMARY KEY (kind, relay_url)
) WITHOUT ROWID;
CREATE INDEX kind_counts_by_relay_by_relay ON kind_counts_by_relay (relay_url);

CREATE TABLE pubkey_counts (
    pubkey TEXT PRIMARY KEY,
    event_count INTEGER NOT NULL,
    unique_kinds INTEGER NOT NULL,
    first_event_timestamp INTEGER NOT NULL,
    last_event_timestamp INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX pubkey_counts_by_events ON pubkey_counts (event_count);

CREATE TABLE pubkey_counts_by_relay (
    relay_url TEXT NOT NULL,
    pubkey TEXT NOT NULL,
    event_count INTEGER NOT NULL,
    unique_kinds INTEGER NOT NULL,
    first_event_timestamp INTEGER NOT NULL,
    last_event_timestamp INTEGER NOT NULL,
    PRIMARY KEY (pubkey, relay_url)
) WITHOUT ROWID;
CREATE INDEX pubkey_counts_by_relay_by_relay ON pubkey_counts_by_relay (relay_url);

CREATE TABLE network_stats (
    network TEXT PRIMARY KEY,
    relay_count INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    unique_pubkeys INTEGER NOT NULL,
    unique_kinds INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE relay_software_counts (
    software TEXT NOT NULL,
    version TEXT NOT NULL,
    relay_count INTEGER NOT NULL,
    PRIMARY KEY (software, version)
) WITHOUT ROWID;

CREATE TABLE supported_nip_counts (
    nip INTEGER PRIMARY KEY,
    relay_count INTEGER NOT NULL
);

CREATE TABLE event_daily_counts (
    day TEXT PRIMARY KEY,
    event_count INTEGER NOT NULL,
    unique_pubkeys INTEGER NOT NULL,
    unique_kinds INTEGER NOT NULL
) WITHOUT ROWID;

-- The latest version of each replaceable and addressable event: its index row (`event`)
-- locates the record, whose tags, content and signature are read from the segment.
CREATE TABLE events_replaceable_latest (
    pubkey BLOB NOT NULL,
    kind INTEGER NOT NULL,
    id BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    event INTEGER NOT NULL,
    PRIMARY KEY (pubkey, kind)
) WITHOUT ROWID;
CREATE INDEX events_replaceable_latest_by_kind ON events_replaceable_latest (kind);

CREATE TABLE events_addressable_latest (
    pubkey BLOB NOT NULL,
    kind INTEGER NOT NULL,
    d_tag TEXT NOT NULL,
    id BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    event INTEGER NOT NULL,
    PRIMARY KEY (pubkey, kind, d_tag)
) WITHOUT ROWID;
CREATE INDEX events_addressable_latest_by_kind ON events_addressable_latest (kind);

-- Beyond BigBrotr: the share of monitor checks a relay answered (0 to 1; NULL without a
-- check in the window), and when it last answered and last did not.
CREATE TABLE relay_uptime (
    relay_url TEXT PRIMARY KEY,
    checks_24h INTEGER NOT NULL,
    uptime_24h REAL,
    checks_7d INTEGER NOT NULL,
    uptime_7d REAL,
    checks_30d INTEGER NOT NULL,
    uptime_30d REAL,
    last_up INTEGER,
    last_down INTEGER
) WITHOUT ROWID;

-- Bookkeeping. Events by hour of created_at (the rolling windows), the distinct pairs
-- and triples behind the unique_* columns, per-relay and per-pair aggregates keyed by
-- row ids, and the monitor's checks of the last 30 days.
CREATE TABLE analytics_hour (hour INTEGER PRIMARY KEY, events INTEGER NOT NULL);
CREATE TABLE analytics_kind_pubkey (kind INTEGER NOT NULL, pubkey INTEGER NOT NULL, PRIMARY KEY (kind, pubkey)) WITHOUT ROWID;
CREATE TABLE analytics_day_pubkey (day INTEGER NOT NULL, pubkey INTEGER NOT NULL, PRIMARY KEY (day, pubkey)) WITHOUT ROWID;
CREATE TABLE analytics_day_kind (day INTEGER NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY (day, kind)) WITHOUT ROWID;
CREATE TABLE analytics_relay_pubkey_kind (
    relay INTEGER NOT NULL, pubkey INTEGER NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY (relay, pubkey, kind)
) WITHOUT ROWID;
CREATE TABLE analytics_relay_pubkey (
    relay INTEGER NOT NULL, pubkey INTEGER NOT NULL, events INTEGER NOT NULL, kinds INTEGER NOT NULL,
    first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, PRIMARY KEY (relay, pubkey)
) WITHOUT ROWID;
CREATE TABLE analytics_relay (
    relay INTEGER PRIMARY KEY, events INTEGER NOT NULL, pubkeys INTEGER NOT NULL, kinds INTEGER NOT NULL,
    first_at INTEGER, last_at INTEGER
);
CREATE TABLE analytics_network_pubkey (network TEXT NOT NULL, pubkey INTEGER NOT NULL, PRIMARY KEY (network, pubkey)) WITHOUT ROWID;
CREATE TABLE analytics_network_kind (network TEXT NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY (network, kind)) WITHOUT ROWID;
CREATE TABLE analytics_network (network TEXT PRIMARY KEY, events INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE analytics_check (relay INTEGER NOT NULL, at INTEGER NOT NULL, up INTEGER NOT NULL, PRIMARY KEY (relay, at)) WITHOUT ROWID;
CREATE TABLE analytics_relay_check (relay INTEGER PRIMARY KEY, last_up INTEGER, last_down INTEGER);
