import Foundation
import GRDB
import Nostr

/// What an analytics cycle counts, gathered into temporary tables of the writer's
/// connection: `d_event` (event rows), `d_obs` (event seen at relay), `d_meta` (metadata
/// snapshots), `d_relay` (relays whose relay_stats row is rewritten) and `d_dtag` (the
/// `d` tag of each addressable event in `d_event`).
///
/// A full rebuild takes every row of the index. An incremental cycle takes the event and
/// relay rows after the watermark's, and reads the observations and snapshots from the
/// frames after the watermark's frame: those tables have no row order to resume from,
/// but every fact is a record in a segment before it is a row. The writer deduplicates
/// observations before it writes them, so each pair is in exactly one frame.
struct AnalyticsDelta {
    let db: Database
    let directory: DataDirectory

    static let dropTables = """
        DROP TABLE IF EXISTS temp.d_event; DROP TABLE IF EXISTS temp.d_obs; DROP TABLE IF EXISTS temp.d_meta;
        DROP TABLE IF EXISTS temp.d_relay; DROP TABLE IF EXISTS temp.d_dtag;
        """

    static let tables = dropTables + """
        CREATE TEMP TABLE d_event (event INTEGER PRIMARY KEY, pubkey INTEGER NOT NULL, kind INTEGER NOT NULL, created_at INTEGER NOT NULL);
        CREATE TEMP TABLE d_obs (event INTEGER NOT NULL, relay INTEGER NOT NULL, PRIMARY KEY (event, relay)) WITHOUT ROWID;
        CREATE TEMP TABLE d_meta (relay INTEGER NOT NULL, type TEXT NOT NULL, generated_at INTEGER NOT NULL,
            PRIMARY KEY (relay, type, generated_at)) WITHOUT ROWID;
        CREATE TEMP TABLE d_relay (relay INTEGER PRIMARY KEY);
        CREATE TEMP TABLE d_dtag (event INTEGER PRIMARY KEY, d_tag TEXT NOT NULL);
        """

    /// Fills the tables with everything the index holds.
    func gatherAll() throws {
        try db.execute(sql: Self.tables)
        try db.execute(
            sql: """
                INSERT INTO d_event SELECT rowid, pubkey, kind, created_at FROM event;
                INSERT INTO d_obs SELECT event, relay FROM event_relay;
                INSERT INTO d_meta SELECT relay, type, generated_at FROM relay_metadata;
                INSERT INTO d_relay SELECT id FROM relay;
                """)
        try gatherDTags()
    }

    /// Fills the tables with what was indexed after `watermark`.
    func gather(after watermark: AnalyticsWatermark) throws {
        try db.execute(sql: Self.tables)
        try db.execute(sql: "INSERT INTO d_event SELECT rowid, pubkey, kind, created_at FROM event WHERE rowid > ?", arguments: [watermark.event])
        try db.execute(sql: "INSERT INTO d_relay SELECT id FROM relay WHERE id > ?", arguments: [watermark.relay])
        try gatherFrames(after: watermark.frame)
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO d_relay SELECT DISTINCT relay FROM d_obs;
                INSERT OR IGNORE INTO d_relay SELECT DISTINCT relay FROM d_meta WHERE type IN ('nip11_info', 'nip66_rtt');
                """)
        try gatherDTags()
    }

    /// Reads the observations and snapshots recorded in the frames after `frame`.
    private func gatherFrames(after frame: Int64) throws {
        let frames = try Row.fetchAll(db, sql: "SELECT id, segment, offset, length FROM frame WHERE id > ? ORDER BY id", arguments: [frame])
        guard !frames.isEmpty else { return }
        var observations: [(EventID, String)] = []
        var snapshots: [(relay: String, type: String, generatedAt: Int64)] = []
        var scanners: [Int64: SegmentScanner] = [:]
        for row in frames {
            let segment: Int64 = row["segment"]
            let path = directory.segmentFile(UInt32(clamping: segment))
            let scanner = try scanners[segment] ?? SegmentScanner(path: path)
            scanners[segment] = scanner
            let offset: Int64 = row["offset"]
            let payload = try scanner.frame(at: offset, length: row["length"])
            for (item, _) in try IndexItem.decode(frame: payload, file: path, offset: offset) {
                guard case .record(let record) = item else { continue }
                switch record {
                case .observation(let id, let relay, _): observations.append((id, relay))
                case .relayMetadata(let relay, let type, _, let generatedAt, _): snapshots.append((relay, type, generatedAt))
                default: break
                }
            }
        }
        let relayID = try db.cachedStatement(sql: "SELECT id FROM relay WHERE url = ?")
        var relays: [String: Int64] = [:]
        func relay(_ url: String) throws -> Int64 {
            if let id = relays[url] { return id }
            guard let id = try Int64.fetchOne(relayID, arguments: [url]) else {
                throw ArchiveError(.inconsistent, "a record names relay \(url), which the index does not hold; run brotr reindex")
            }
            relays[url] = id
            return id
        }
        if !observations.isEmpty {
            let rows = try KeyRuns.eventRows(db, ids: Set(observations.map(\.0)), filters: nil)
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO d_obs (event, relay) VALUES (?, ?)")
            for (id, url) in observations {
                guard let row = rows[id] else {
                    throw ArchiveError(.inconsistent, "an observation names event \(id.hex), which the index does not hold; run brotr reindex")
                }
                try insert.execute(arguments: [row, try relay(url)])
            }
        }
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO d_meta (relay, type, generated_at) VALUES (?, ?, ?)")
        for snapshot in snapshots { try insert.execute(arguments: [try relay(snapshot.relay), snapshot.type, snapshot.generatedAt]) }
    }

    /// Reads from the segments the `d` tag of every addressable event in `d_event`: its
    /// first `d` tag's value, "" when it has none (BigBrotr's `COALESCE(d.val, '')`).
    private func gatherDTags() throws {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT d.event, e.pos, f.id AS frame, f.segment, f.offset, f.length FROM d_event d
                JOIN event e ON e.rowid = d.event JOIN frame f ON f.id = e.frame
                WHERE d.kind BETWEEN 30000 AND 39999 ORDER BY e.frame, e.pos
                """)
        guard !rows.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT INTO d_dtag (event, d_tag) VALUES (?, ?)")
        var scanners: [Int64: SegmentScanner] = [:]
        var current: (frame: Int64, payload: [UInt8])?
        for row in rows {
            let segment: Int64 = row["segment"]
            let path = directory.segmentFile(UInt32(clamping: segment))
            let frame: Int64 = row["frame"]
            let offset: Int64 = row["offset"]
            if current?.frame != frame {
                let scanner = try scanners[segment] ?? SegmentScanner(path: path)
                scanners[segment] = scanner
                current = (frame, try scanner.frame(at: offset, length: row["length"]))
            }
            let pos: Int = row["pos"]
            let record = try (current?.payload ?? []).withUnsafeBytes { buffer -> Record in
                guard (0..<buffer.count).contains(pos) else {
                    throw ArchiveError(.inconsistent, "index points past the end of its frame", file: path, offset: offset)
                }
                var reader = ByteReader(buffer, at: pos)
                return try RecordCodec.read(&reader)
            }
            guard case .event(let event) = record else {
                throw ArchiveError(.inconsistent, "index points at a record that is not an event", file: path, offset: offset)
            }
            let dTag = event.tags.first { $0.first == "d" }.flatMap { $0.count > 1 ? $0[1] : nil } ?? ""
            try insert.execute(arguments: [row["event"] as Int64, dTag])
        }
    }
}

/// Where the last analytics cycle stopped (schema 007's `analytics_watermark`).
struct AnalyticsWatermark {
    var frame: Int64
    var event: Int64
    var relay: Int64

    /// Whether no cycle has run yet.
    var isZero: Bool { frame == 0 && event == 0 && relay == 0 }

    static func read(_ db: Database) throws -> AnalyticsWatermark {
        let row = try Row.fetchOne(db, sql: "SELECT frame, event, relay FROM analytics_watermark WHERE id = 1")
        return AnalyticsWatermark(frame: row?["frame"] ?? 0, event: row?["event"] ?? 0, relay: row?["relay"] ?? 0)
    }

    /// The index's ends now: the last frame, event row and relay row.
    static func current(_ db: Database) throws -> AnalyticsWatermark {
        AnalyticsWatermark(
            frame: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM frame") ?? 0,
            event: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(rowid), 0) FROM event") ?? 0,
            relay: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM relay") ?? 0)
    }

    func write(_ db: Database, refreshedAt: Int64) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO analytics_watermark (id, frame, event, relay, refreshed_at) VALUES (1, ?, ?, ?, ?)",
            arguments: [frame, event, relay, refreshedAt])
    }
}
