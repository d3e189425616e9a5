/// The statements of an analytics cycle (``AnalyticsRefresh``), over the delta tables of
/// ``AnalyticsDelta``. Each is one statement; `:now` is the cycle's time. The `n_*`
/// temporary tables hold what this cycle adds to a set (pairs not counted before), which
/// is what every unique_* column grows by.
enum AnalyticsSQL {
    /// One statement, and the served table it works for: its rows (`rows`), or the
    /// bookkeeping and temporary tables behind them (`keep`).
    struct Step {
        let table: String
        let sql: String
        let changesRows: Bool
        /// What a full rebuild runs instead, when the whole index makes a shortcut true.
        var fullSQL: String? = nil

        static func rows(_ table: String, _ sql: String) -> Step { Step(table: table, sql: sql, changesRows: true) }
        static func keep(_ table: String, _ sql: String, full: String? = nil) -> Step { Step(table: table, sql: sql, changesRows: false, fullSQL: full) }
    }

    /// NIP-01's categories of a kind, as BigBrotr's views name them.
    static func category(_ kind: String) -> String {
        """
        CASE WHEN \(kind) = 1 OR \(kind) = 2 OR (\(kind) >= 4 AND \(kind) <= 44) OR (\(kind) >= 1000 AND \(kind) <= 9999) THEN 'regular'
        WHEN \(kind) = 0 OR \(kind) = 3 OR (\(kind) >= 10000 AND \(kind) <= 19999) THEN 'replaceable'
        WHEN \(kind) >= 20000 AND \(kind) <= 29999 THEN 'ephemeral'
        WHEN \(kind) >= 30000 AND \(kind) <= 39999 THEN 'addressable' ELSE 'other' END
        """
    }

    /// The later of two times either of which may be NULL (SQLite's max() of a NULL is NULL).
    static func later(_ a: String, _ b: String) -> String {
        "CASE WHEN \(a) IS NULL THEN \(b) WHEN \(b) IS NULL THEN \(a) ELSE max(\(a), \(b)) END"
    }

    /// A day number (Unix days, as BigBrotr's `created_at / 86400`) as a date.
    static func date(_ day: String) -> String { "COALESCE(date(\(day) * 86400, 'unixepoch'), CAST(\(day) AS TEXT))" }

    static let steps: [Step] = [
        // Events by kind, and the (kind, author) pairs behind unique_pubkeys.
        .keep("kind_counts", """
            CREATE TEMP TABLE n_kind_pubkey AS SELECT DISTINCT kind, pubkey FROM d_event d
            WHERE NOT EXISTS (SELECT 1 FROM analytics_kind_pubkey a WHERE a.kind = d.kind AND a.pubkey = d.pubkey)
            """),
        .keep("kind_counts", "INSERT INTO analytics_kind_pubkey (kind, pubkey) SELECT kind, pubkey FROM n_kind_pubkey"),
        .rows("kind_counts", """
            INSERT INTO kind_counts (kind, event_count, unique_pubkeys, category)
            SELECT g.kind, g.events, COALESCE(n.c, 0), \(category("g.kind"))
            FROM (SELECT kind, COUNT(*) AS events FROM d_event GROUP BY kind) g
            LEFT JOIN (SELECT kind, COUNT(*) AS c FROM n_kind_pubkey GROUP BY kind) n ON n.kind = g.kind WHERE true
            ON CONFLICT (kind) DO UPDATE SET event_count = event_count + excluded.event_count,
                unique_pubkeys = unique_pubkeys + excluded.unique_pubkeys
            """),
        // Events by author; unique_kinds grows by the same new pairs.
        .rows("pubkey_counts", """
            INSERT INTO pubkey_counts (pubkey, event_count, unique_kinds, first_event_timestamp, last_event_timestamp)
            SELECT lower(hex(p.key)), g.events, COALESCE(n.c, 0), g.first_at, g.last_at
            FROM (SELECT pubkey, COUNT(*) AS events, MIN(created_at) AS first_at, MAX(created_at) AS last_at FROM d_event GROUP BY pubkey) g
            JOIN pubkey p ON p.id = g.pubkey
            LEFT JOIN (SELECT pubkey, COUNT(*) AS c FROM n_kind_pubkey GROUP BY pubkey) n ON n.pubkey = g.pubkey WHERE true
            ON CONFLICT (pubkey) DO UPDATE SET event_count = event_count + excluded.event_count,
                unique_kinds = unique_kinds + excluded.unique_kinds,
                first_event_timestamp = min(first_event_timestamp, excluded.first_event_timestamp),
                last_event_timestamp = max(last_event_timestamp, excluded.last_event_timestamp)
            """),
        // Events by UTC day, with the (day, author) and (day, kind) pairs.
        .keep("event_daily_counts", """
            CREATE TEMP TABLE n_day_pubkey AS SELECT DISTINCT created_at / 86400 AS day, pubkey FROM d_event d
            WHERE NOT EXISTS (SELECT 1 FROM analytics_day_pubkey a WHERE a.day = d.created_at / 86400 AND a.pubkey = d.pubkey)
            """),
        .keep("event_daily_counts", "INSERT INTO analytics_day_pubkey (day, pubkey) SELECT day, pubkey FROM n_day_pubkey"),
        .keep("event_daily_counts", """
            CREATE TEMP TABLE n_day_kind AS SELECT DISTINCT created_at / 86400 AS day, kind FROM d_event d
            WHERE NOT EXISTS (SELECT 1 FROM analytics_day_kind a WHERE a.day = d.created_at / 86400 AND a.kind = d.kind)
            """),
        .keep("event_daily_counts", "INSERT INTO analytics_day_kind (day, kind) SELECT day, kind FROM n_day_kind"),
        .rows("event_daily_counts", """
            INSERT INTO event_daily_counts (day, event_count, unique_pubkeys, unique_kinds)
            SELECT \(date("g.day")), g.events, COALESCE(p.c, 0), COALESCE(k.c, 0)
            FROM (SELECT created_at / 86400 AS day, COUNT(*) AS events FROM d_event GROUP BY 1) g
            LEFT JOIN (SELECT day, COUNT(*) AS c FROM n_day_pubkey GROUP BY day) p ON p.day = g.day
            LEFT JOIN (SELECT day, COUNT(*) AS c FROM n_day_kind GROUP BY day) k ON k.day = g.day WHERE true
            ON CONFLICT (day) DO UPDATE SET event_count = event_count + excluded.event_count,
                unique_pubkeys = unique_pubkeys + excluded.unique_pubkeys, unique_kinds = unique_kinds + excluded.unique_kinds
            """),
        // Events by hour of created_at, for the rolling windows.
        .keep("event_stats", """
            INSERT INTO analytics_hour (hour, events) SELECT created_at / 3600, COUNT(*) FROM d_event WHERE true GROUP BY 1
            ON CONFLICT (hour) DO UPDATE SET events = events + excluded.events
            """),
        // The latest version of each replaceable and addressable event: the newest, and of
        // two as new, the lower id (NIP-01).
        .rows("events_replaceable_latest", """
            INSERT INTO events_replaceable_latest (pubkey, kind, id, created_at, event)
            SELECT p.key, d.kind, e.id, d.created_at, d.event FROM d_event d JOIN event e ON e.rowid = d.event JOIN pubkey p ON p.id = d.pubkey
            WHERE d.kind = 0 OR d.kind = 3 OR (d.kind >= 10000 AND d.kind <= 19999)
            ON CONFLICT (pubkey, kind) DO UPDATE SET id = excluded.id, created_at = excluded.created_at, event = excluded.event
            WHERE excluded.created_at > created_at OR (excluded.created_at = created_at AND excluded.id < id)
            """),
        .rows("events_addressable_latest", """
            INSERT INTO events_addressable_latest (pubkey, kind, d_tag, id, created_at, event)
            SELECT p.key, d.kind, t.d_tag, e.id, d.created_at, d.event FROM d_event d JOIN d_dtag t ON t.event = d.event
            JOIN event e ON e.rowid = d.event JOIN pubkey p ON p.id = d.pubkey WHERE true
            ON CONFLICT (pubkey, kind, d_tag) DO UPDATE SET id = excluded.id, created_at = excluded.created_at, event = excluded.event
            WHERE excluded.created_at > created_at OR (excluded.created_at = created_at AND excluded.id < id)
            """),

        // Observations, with what each event is.
        .keep("kind_counts_by_relay", """
            CREATE TEMP TABLE d_obsx AS SELECT o.event, o.relay, e.pubkey, e.kind, e.created_at, r.network, r.url
            FROM d_obs o JOIN event e ON e.rowid = o.event JOIN relay r ON r.id = o.relay
            """),
        .keep("kind_counts_by_relay", """
            CREATE TEMP TABLE n_rpk AS SELECT DISTINCT relay, pubkey, kind FROM d_obsx d
            WHERE NOT EXISTS (SELECT 1 FROM analytics_relay_pubkey_kind a WHERE a.relay = d.relay AND a.pubkey = d.pubkey AND a.kind = d.kind)
            """),
        .keep("kind_counts_by_relay", "INSERT INTO analytics_relay_pubkey_kind (relay, pubkey, kind) SELECT relay, pubkey, kind FROM n_rpk"),
        .keep("kind_counts_by_relay", """
            CREATE TEMP TABLE n_rp AS SELECT DISTINCT relay, pubkey FROM d_obsx d
            WHERE NOT EXISTS (SELECT 1 FROM analytics_relay_pubkey a WHERE a.relay = d.relay AND a.pubkey = d.pubkey)
            """),
        .keep("kind_counts_by_relay", """
            CREATE TEMP TABLE n_rk AS SELECT DISTINCT relay, kind FROM d_obsx d
            WHERE NOT EXISTS (SELECT 1 FROM kind_counts_by_relay k WHERE k.kind = d.kind AND k.relay_url = d.url)
            """),
        .rows("kind_counts_by_relay", """
            INSERT INTO kind_counts_by_relay (kind, relay_url, event_count, unique_pubkeys)
            SELECT g.kind, r.url, g.events, COALESCE(n.c, 0)
            FROM (SELECT relay, kind, COUNT(*) AS events FROM d_obsx GROUP BY relay, kind) g JOIN relay r ON r.id = g.relay
            LEFT JOIN (SELECT relay, kind, COUNT(*) AS c FROM n_rpk GROUP BY relay, kind) n ON n.relay = g.relay AND n.kind = g.kind WHERE true
            ON CONFLICT (kind, relay_url) DO UPDATE SET event_count = event_count + excluded.event_count,
                unique_pubkeys = unique_pubkeys + excluded.unique_pubkeys
            """),
        .keep("pubkey_counts_by_relay", """
            INSERT INTO analytics_relay_pubkey (relay, pubkey, events, kinds, first_at, last_at)
            SELECT g.relay, g.pubkey, g.events, COALESCE(n.c, 0), g.first_at, g.last_at
            FROM (SELECT relay, pubkey, COUNT(*) AS events, MIN(created_at) AS first_at, MAX(created_at) AS last_at
                FROM d_obsx GROUP BY relay, pubkey) g
            LEFT JOIN (SELECT relay, pubkey, COUNT(*) AS c FROM n_rpk GROUP BY relay, pubkey) n ON n.relay = g.relay AND n.pubkey = g.pubkey
            WHERE true
            ON CONFLICT (relay, pubkey) DO UPDATE SET events = events + excluded.events, kinds = kinds + excluded.kinds,
                first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)
            """),
        // BigBrotr keeps the pairs of relay and author with at least two events.
        .rows("pubkey_counts_by_relay", """
            INSERT OR REPLACE INTO pubkey_counts_by_relay
                (relay_url, pubkey, event_count, unique_kinds, first_event_timestamp, last_event_timestamp)
            SELECT r.url, lower(hex(p.key)), a.events, a.kinds, a.first_at, a.last_at
            FROM (SELECT DISTINCT relay, pubkey FROM d_obsx) t
            JOIN analytics_relay_pubkey a ON a.relay = t.relay AND a.pubkey = t.pubkey
            JOIN relay r ON r.id = a.relay JOIN pubkey p ON p.id = a.pubkey WHERE a.events >= 2
            """),
        .keep("relay_stats", """
            INSERT INTO analytics_relay (relay, events, pubkeys, kinds, first_at, last_at)
            SELECT g.relay, g.events, COALESCE(p.c, 0), COALESCE(k.c, 0), g.first_at, g.last_at
            FROM (SELECT relay, COUNT(*) AS events, MIN(created_at) AS first_at, MAX(created_at) AS last_at FROM d_obsx GROUP BY relay) g
            LEFT JOIN (SELECT relay, COUNT(*) AS c FROM n_rp GROUP BY relay) p ON p.relay = g.relay
            LEFT JOIN (SELECT relay, COUNT(*) AS c FROM n_rk GROUP BY relay) k ON k.relay = g.relay WHERE true
            ON CONFLICT (relay) DO UPDATE SET events = events + excluded.events, pubkeys = pubkeys + excluded.pubkeys,
                kinds = kinds + excluded.kinds, first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)
            """),
        // An event counts once per network: it is new to a network when every relay of
        // that network it was seen at is in this cycle.
        .keep("network_stats", """
            CREATE TEMP TABLE n_net_event AS SELECT g.event, g.network FROM
                (SELECT event, network, COUNT(*) AS n FROM d_obsx GROUP BY event, network) g
            WHERE g.n = (SELECT COUNT(*) FROM event_relay er JOIN relay r ON r.id = er.relay WHERE er.event = g.event AND r.network = g.network)
            """,
            // Rebuilding, every observation is in the cycle: each pair is new.
            full: "CREATE TEMP TABLE n_net_event AS SELECT DISTINCT event, network FROM d_obsx"),
        .keep("network_stats", """
            INSERT INTO analytics_network (network, events) SELECT network, COUNT(*) FROM n_net_event WHERE true GROUP BY network
            ON CONFLICT (network) DO UPDATE SET events = events + excluded.events
            """),
        .keep("network_stats", """
            INSERT OR IGNORE INTO analytics_network_pubkey (network, pubkey)
            SELECT DISTINCT n.network, e.pubkey FROM n_net_event n JOIN event e ON e.rowid = n.event
            """),
        .keep("network_stats", """
            INSERT OR IGNORE INTO analytics_network_kind (network, kind)
            SELECT DISTINCT n.network, e.kind FROM n_net_event n JOIN event e ON e.rowid = n.event
            """),

        // The latest snapshot of each relay and type; what the check alone measured goes
        // back under `data`, where BigBrotr's documents hold it.
        .rows("relay_metadata_latest", """
            INSERT INTO relay_metadata_latest (relay_url, metadata_type, generated_at, metadata_id, data)
            SELECT r.url, rm.type, rm.generated_at, rm.hash,
                CASE WHEN rm.data IS NULL THEN m.data ELSE json_patch(m.data, json_object('data', json(rm.data))) END
            FROM (SELECT relay, type, MAX(generated_at) AS generated_at FROM d_meta GROUP BY relay, type) t
            JOIN relay_metadata rm ON rm.relay = t.relay AND rm.type = t.type AND rm.generated_at = t.generated_at
            JOIN relay r ON r.id = rm.relay JOIN metadata m ON m.hash = rm.hash AND m.type = rm.type WHERE true
            ON CONFLICT (relay_url, metadata_type) DO UPDATE SET generated_at = excluded.generated_at,
                metadata_id = excluded.metadata_id, data = excluded.data
            WHERE excluded.generated_at > generated_at
            """),
        // Every relay touched: its events, the mean round trips of its last 10 rtt
        // checks, and its latest NIP-11 name, software and version.
        .rows("relay_stats", """
            INSERT INTO relay_stats (relay_url, network, discovered_at, first_event_timestamp, last_event_timestamp,
                avg_rtt_open, avg_rtt_read, avg_rtt_write, event_count, unique_pubkeys, unique_kinds,
                nip11_name, nip11_software, nip11_version)
            SELECT r.url, r.network, r.discovered_at, a.first_at, a.last_at, rtt.open, rtt.read, rtt.write,
                COALESCE(a.events, 0), COALESCE(a.pubkeys, 0), COALESCE(a.kinds, 0),
                json_extract(l.data, '$.data.name'), json_extract(l.data, '$.data.software'), json_extract(l.data, '$.data.version')
            FROM d_relay t JOIN relay r ON r.id = t.relay
            LEFT JOIN analytics_relay a ON a.relay = r.id
            LEFT JOIN relay_metadata_latest l ON l.relay_url = r.url AND l.metadata_type = 'nip11_info'
            LEFT JOIN (
                SELECT relay, round(avg(json_extract(data, '$.rtt_open')), 2) AS open, round(avg(json_extract(data, '$.rtt_read')), 2) AS read,
                    round(avg(json_extract(data, '$.rtt_write')), 2) AS write
                FROM (SELECT rm.relay, rm.data, row_number() OVER (PARTITION BY rm.relay ORDER BY rm.generated_at DESC) AS n
                    FROM relay_metadata rm WHERE rm.type = 'nip66_rtt' AND rm.relay IN (SELECT relay FROM d_relay))
                WHERE n <= 10 GROUP BY relay
            ) rtt ON rtt.relay = r.id
            WHERE true
            ON CONFLICT (relay_url) DO UPDATE SET network = excluded.network, discovered_at = excluded.discovered_at,
                first_event_timestamp = excluded.first_event_timestamp, last_event_timestamp = excluded.last_event_timestamp,
                avg_rtt_open = excluded.avg_rtt_open, avg_rtt_read = excluded.avg_rtt_read, avg_rtt_write = excluded.avg_rtt_write,
                event_count = excluded.event_count, unique_pubkeys = excluded.unique_pubkeys, unique_kinds = excluded.unique_kinds,
                nip11_name = excluded.nip11_name, nip11_software = excluded.nip11_software, nip11_version = excluded.nip11_version
            """),
        // The monitor's verdicts: kept 30 days, plus each relay's last up and down.
        .keep("relay_uptime", """
            INSERT OR IGNORE INTO analytics_check (relay, at, up)
            SELECT rm.relay, rm.generated_at, COALESCE(json_extract(m.data, '$.answered'), 0) = 1
            FROM d_meta d JOIN relay_metadata rm ON rm.relay = d.relay AND rm.type = d.type AND rm.generated_at = d.generated_at
            JOIN metadata m ON m.hash = rm.hash AND m.type = rm.type
            WHERE d.type = 'monitor_check'
            """),
        .keep("relay_uptime", """
            INSERT INTO analytics_relay_check (relay, last_up, last_down)
            SELECT rm.relay, MAX(CASE WHEN json_extract(m.data, '$.answered') = 1 THEN rm.generated_at END),
                MAX(CASE WHEN json_extract(m.data, '$.answered') = 1 THEN NULL ELSE rm.generated_at END)
            FROM d_meta d JOIN relay_metadata rm ON rm.relay = d.relay AND rm.type = d.type AND rm.generated_at = d.generated_at
            JOIN metadata m ON m.hash = rm.hash AND m.type = rm.type
            WHERE d.type = 'monitor_check' GROUP BY rm.relay
            ON CONFLICT (relay) DO UPDATE SET last_up = \(later("last_up", "excluded.last_up")),
                last_down = \(later("last_down", "excluded.last_down"))
            """),
        .keep("relay_uptime", "DELETE FROM analytics_check WHERE at < :now - 30 * 86400"),
    ]

    /// The small tables, computed whole each cycle (``AnalyticsRefresh`` writes only the
    /// rows that differ). Their columns come in the tables' order.
    static let eventStats = """
        SELECT 1, COALESCE((SELECT SUM(event_count) FROM kind_counts), 0), (SELECT COUNT(*) FROM pubkey_counts),
            (SELECT COUNT(*) FROM kind_counts), (SELECT MIN(created_at) FROM event), (SELECT MAX(created_at) FROM event),
            COALESCE((SELECT SUM(event_count) FROM kind_counts WHERE category = 'regular'), 0),
            COALESCE((SELECT SUM(event_count) FROM kind_counts WHERE category = 'replaceable'), 0),
            COALESCE((SELECT SUM(event_count) FROM kind_counts WHERE category = 'ephemeral'), 0),
            COALESCE((SELECT SUM(event_count) FROM kind_counts WHERE category = 'addressable'), 0),
            \(window(3600)), \(window(86400)), \(window(7 * 86400)), \(window(30 * 86400)),
            (SELECT CASE WHEN MAX(created_at) > MIN(created_at)
                THEN round(CAST((SELECT COALESCE(SUM(event_count), 0) FROM kind_counts) AS REAL)
                    / max((MAX(created_at) - MIN(created_at)) / 86400.0, 1), 2)
                ELSE CAST((SELECT COALESCE(SUM(event_count), 0) FROM kind_counts) AS REAL) END FROM event)
        """

    /// Events created at or after `:now - seconds`: whole hours from the hourly counts,
    /// the hour the window starts in from the index.
    static func window(_ seconds: Int) -> String {
        """
        (COALESCE((SELECT SUM(events) FROM analytics_hour WHERE hour > (:now - \(seconds)) / 3600), 0)
            + (SELECT COUNT(*) FROM event WHERE created_at >= :now - \(seconds) AND created_at < ((:now - \(seconds)) / 3600 + 1) * 3600))
        """
    }

    static let networkStats = """
        SELECT rc.network, rc.relays, COALESCE(a.events, 0),
            (SELECT COUNT(*) FROM analytics_network_pubkey p WHERE p.network = rc.network),
            (SELECT COUNT(*) FROM analytics_network_kind k WHERE k.network = rc.network)
        FROM (SELECT network, COUNT(*) AS relays FROM relay GROUP BY network) rc LEFT JOIN analytics_network a ON a.network = rc.network
        """

    static let softwareCounts = """
        SELECT CAST(json_extract(data, '$.data.software') AS TEXT), COALESCE(CAST(json_extract(data, '$.data.version') AS TEXT), 'unknown'),
            COUNT(*)
        FROM relay_metadata_latest WHERE metadata_type = 'nip11_info' AND json_extract(data, '$.data.software') IS NOT NULL GROUP BY 1, 2
        """

    /// Every supported_nips element that is a whole number, written as digits or as a
    /// number, counted once per listing (as BigBrotr counts them).
    static let nipCounts = """
        SELECT CAST(j.value AS INTEGER), COUNT(*)
        FROM relay_metadata_latest l, json_each(l.data, '$.data.supported_nips') j
        WHERE l.metadata_type = 'nip11_info' AND json_type(l.data, '$.data.supported_nips') = 'array'
            AND ((j.type = 'integer' AND j.value >= 0) OR (j.type = 'text' AND j.value <> '' AND j.value NOT GLOB '*[^0-9]*'))
        GROUP BY 1
        """

    static let relayUptime = """
        SELECT r.url, \(uptime(86400)), \(uptime(7 * 86400)), \(uptime(30 * 86400)), rc.last_up, rc.last_down
        FROM analytics_relay_check rc JOIN relay r ON r.id = rc.relay
        """

    /// The checks of a relay (`rc.relay`) in the last `seconds`, and the share answered.
    static func uptime(_ seconds: Int) -> String {
        """
        (SELECT COUNT(*) FROM analytics_check c WHERE c.relay = rc.relay AND c.at >= :now - \(seconds)),
        (SELECT round(CAST(SUM(c.up) AS REAL) / COUNT(*), 4) FROM analytics_check c WHERE c.relay = rc.relay AND c.at >= :now - \(seconds))
        """
    }

    static let dropTemporary = """
        DROP TABLE IF EXISTS temp.n_kind_pubkey; DROP TABLE IF EXISTS temp.n_day_pubkey; DROP TABLE IF EXISTS temp.n_day_kind;
        DROP TABLE IF EXISTS temp.d_obsx; DROP TABLE IF EXISTS temp.n_rpk; DROP TABLE IF EXISTS temp.n_rp; DROP TABLE IF EXISTS temp.n_rk;
        DROP TABLE IF EXISTS temp.n_net_event;
        """
}
