/// The index schema, as frozen SQL migrations (schema/NNN-*.sql holds identical copies,
/// checked by a test). A migration that has shipped is never edited.
///
/// Sizing choices: pubkeys, relays and frames are integer surrogates; events are found by
/// id, author and single-letter tag through one integer key each (``IndexKey``) kept in
/// sorted runs (``KeyRuns``); a tag's key holds its letter and 7 bytes of its value (the
/// raw prefix of 64-hex values, else a hash prefix), so the index may over-match and every
/// query confirms its results with `Filter.matches` on the event read back from its segment.
enum IndexSchema {
    static let migrations: [(name: String, sql: String)] = [
        ("001-initial", v1), ("002-tag-key", v2), ("003-key-runs", v3), ("004-relay-state", v4), ("005-snapshot-values", v5),
        ("006-check-failures", v6), ("007-analytics", v7),
    ]

    static let v1 = """
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

        """

    static let v2 = """
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

        """

    static let v3 = """
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

        """

    static let v4 = """
        -- brotr index schema, version 4: what is known of each relay, a typed column per fact,
        -- each written by one stage: the Synchronizer's cursor (every event up to sync_through
        -- is archived) and what it learned of the relay's paging; the Validator's mark for a
        -- relay answering only without certificate checks; and the monitor's last check and
        -- NIP-77 support. NULL: not known yet.
        CREATE TABLE relay_state (
            relay INTEGER PRIMARY KEY,
            sync_through INTEGER,
            until_exclusive INTEGER,
            page_cap INTEGER,
            confirmed_page INTEGER NOT NULL DEFAULT 0,
            ignores_limit INTEGER NOT NULL DEFAULT 0,
            unordered INTEGER NOT NULL DEFAULT 0,
            requires_auth INTEGER NOT NULL DEFAULT 0,
            insecure INTEGER NOT NULL DEFAULT 0,
            checked_at INTEGER,
            nip77 INTEGER
        );

        """ + relayStateFromServiceState

    static let v5 = """
        -- brotr index schema, version 5: what one check alone measured (round-trip times),
        -- as a JSON object beside its snapshot, so that the documents, shared by content,
        -- stay identical from check to check. NULL: nothing of the kind.
        ALTER TABLE relay_metadata ADD COLUMN data TEXT;

        """

    static let v6 = """
        -- brotr index schema, version 6: how many monitor checks of a relay failed in a row
        -- (every check failed, none answered), so that a relay that is down is checked less
        -- often, never dropped; its first answer sets it back to 0.
        ALTER TABLE relay_state ADD COLUMN check_failures INTEGER NOT NULL DEFAULT 0;

        """

    static let v7 = """
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

        """

    /// Moves the values schema 003 kept as Synchronizer state (`cursor:`, `quirks:` as JSON,
    /// `insecure:`, each followed by a relay URL) into `relay_state`. Schema 004 runs it,
    /// and so does a reindex after carrying over the state of an older index.
    static let relayStateFromServiceState = """
        INSERT OR IGNORE INTO relay_state (relay)
            SELECT DISTINCT r.id FROM service_state s JOIN relay r ON r.url = substr(s.key, instr(s.key, ':') + 1)
            WHERE s.service = 'synchronizer' AND substr(s.key, 1, instr(s.key, ':')) IN ('cursor:', 'quirks:', 'insecure:');
        UPDATE relay_state SET sync_through = (
            SELECT CAST(s.value AS INTEGER) FROM service_state s JOIN relay r ON s.key = 'cursor:' || r.url
            WHERE s.service = 'synchronizer' AND r.id = relay_state.relay AND s.value GLOB '[0-9]*')
            WHERE relay IN (SELECT r.id FROM service_state s JOIN relay r ON s.key = 'cursor:' || r.url WHERE s.service = 'synchronizer');
        UPDATE relay_state SET (until_exclusive, page_cap, confirmed_page, ignores_limit, unordered, requires_auth) = (
            SELECT json_extract(s.value, '$.untilExclusive'), json_extract(s.value, '$.pageCap'),
                COALESCE(json_extract(s.value, '$.confirmedPage'), 0), COALESCE(json_extract(s.value, '$.ignoresLimit'), 0),
                COALESCE(json_extract(s.value, '$.unordered'), 0), COALESCE(json_extract(s.value, '$.requiresAuth'), 0)
            FROM service_state s JOIN relay r ON s.key = 'quirks:' || r.url
            WHERE s.service = 'synchronizer' AND r.id = relay_state.relay AND json_valid(s.value))
            WHERE relay IN (
                SELECT r.id FROM service_state s JOIN relay r ON s.key = 'quirks:' || r.url
                WHERE s.service = 'synchronizer' AND json_valid(s.value));
        UPDATE relay_state SET insecure = 1
            WHERE relay IN (SELECT r.id FROM service_state s JOIN relay r ON s.key = 'insecure:' || r.url WHERE s.service = 'synchronizer');
        DELETE FROM service_state WHERE service = 'synchronizer'
            AND key IN (SELECT p.prefix || r.url FROM relay r, (SELECT 'cursor:' AS prefix UNION ALL SELECT 'quirks:' UNION ALL SELECT 'insecure:') p);

        """
}
