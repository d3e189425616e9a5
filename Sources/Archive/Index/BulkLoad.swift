import Foundation
import GRDB
import Nostr

/// Builds a fresh index from the segments quickly (reindex).
///
/// During the load, event rows are appended with no secondary index at all, tag rows and
/// observations go to plain staging tables, and the throwaway file runs without syncing (a
/// crash mid-reindex leaves the old index in place). ``finish()`` then builds every index
/// by sorting, drops later copies of an event written twice (the first copy wins, as in the
/// live path), and resolves observations to event rows with one join.
struct BulkLoad {
    /// Indexes dropped for the load and rebuilt at the end.
    static let deferredIndexes = ["event_by_id", "event_by_time", "event_by_kind", "event_by_author", "event_relay_by_relay"]

    let pool: DatabasePool
    let caches = IndexCaches()
    private var recreate: [String] = []

    init(pool: DatabasePool) throws {
        self.pool = pool
        recreate = try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -65536")  // 64 MiB while sorting, this connection only
            try db.execute(sql: "PRAGMA threads = 2")  // SQLite's sorter may use a helper thread
            var statements: [String] = []
            for name in Self.deferredIndexes {
                if let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", arguments: [name]) {
                    statements.append(sql)
                    try db.execute(sql: "DROP INDEX \(name)")
                }
            }
            try db.execute(sql: "CREATE TEMP TABLE event_tag_load (name INTEGER, value INTEGER, event INTEGER)")
            try db.execute(sql: "CREATE TEMP TABLE observation_load (id BLOB, relay INTEGER, seen_at INTEGER)")
            return statements
        }
    }

    /// Loads the records of some frames in one transaction.
    func load(_ frames: [SegmentWriter.WrittenFrame]) throws {
        try pool.write { db in
            let index = IndexWriter(db: db, caches: caches)
            let insertObservation = try FastStatement(db, sql: "INSERT INTO observation_load (id, relay, seen_at) VALUES (?, ?, ?)")
            let insertTag = try FastStatement(db, sql: "INSERT INTO event_tag_load (name, value, event) VALUES (?, ?, ?)")
            for written in frames {
                let frame = try index.insertFrame(segment: written.segment, offset: written.offset, length: written.length)
                for (item, pos) in written.items {
                    let record: Record
                    switch item {
                    case .event(let entry):
                        let row = try index.insertEvent(entry, frame: frame, pos: pos)
                        for (letter, key) in entry.tags { try insertTag.run(Int64(letter), key, row) }
                        continue
                    case .record(let r): record = r
                    }
                    switch record {
                    case .observation(let id, let relay, let seenAt):
                        guard let relayID = try index.relayID(relay) else {
                            throw ArchiveError(.inconsistent, "observation at relay \(relay) before the relay record")
                        }
                        try id.withUnsafeBytes { try insertObservation.run(.blob($0), .int(relayID), .int(seenAt)) }
                    default:
                        var pending = IndexWriter.Pending()
                        try index.apply(.record(record), frame: frame, pos: pos, knownNew: false, pending: &pending)
                    }
                }
                try index.setWatermark(segment: written.segment, offset: written.offset + Int64(written.length))
            }
        }
    }

    /// Builds the indexes and resolves the staged rows.
    func finish() throws {
        try pool.writeWithoutTransaction { db in
            try db.inTransaction {
                try db.execute(sql: "CREATE INDEX event_by_id ON event (substr(id, 1, 8))")
                // Later copies of an event (written twice across a crash) go, with their tags.
                try db.execute(sql: """
                    CREATE TEMP TABLE event_copy AS
                    SELECT e.rowid AS row FROM event e
                    WHERE substr(e.id, 1, 8) IN (SELECT substr(id, 1, 8) FROM event GROUP BY substr(id, 1, 8) HAVING COUNT(*) > 1)
                      AND EXISTS (SELECT 1 FROM event f WHERE substr(f.id, 1, 8) = substr(e.id, 1, 8) AND f.id = e.id AND f.rowid < e.rowid)
                    """)
                try db.execute(sql: "DELETE FROM event WHERE rowid IN (SELECT row FROM event_copy)")
                try db.execute(sql: "DELETE FROM event_tag_load WHERE event IN (SELECT row FROM event_copy)")
                try db.execute(sql: "DROP TABLE event_copy")
                try db.execute(sql: "INSERT OR IGNORE INTO event_tag (name, value, event) SELECT name, value, event FROM event_tag_load ORDER BY 1, 2, 3")
                try db.execute(sql: """
                    INSERT OR IGNORE INTO event_relay (event, relay, seen_at)
                    SELECT e.rowid, o.relay, o.seen_at FROM observation_load o
                    JOIN event e ON substr(e.id, 1, 8) = substr(o.id, 1, 8) AND e.id = o.id
                    ORDER BY e.rowid, o.relay, o.rowid
                    """)
                try db.execute(sql: "DROP TABLE event_tag_load")
                try db.execute(sql: "DROP TABLE observation_load")
                for sql in recreate where !sql.contains("event_by_id") { try db.execute(sql: sql) }
                return .commit
            }
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -8192")
            // Planner statistics from a sample of each index: enough to choose indexes well.
            try db.execute(sql: "PRAGMA analysis_limit = 1000")
            try db.execute(sql: "ANALYZE")
        }
    }
}
