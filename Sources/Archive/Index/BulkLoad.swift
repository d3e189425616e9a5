import Foundation
import GRDB
import Nostr

/// Builds a fresh index from the segments quickly (reindex).
///
/// During the load, event rows are appended many to a statement with no secondary index
/// at all, observations go to a staging table (with their event's row when it was loaded
/// just before them, as it usually is), and the throwaway file runs without a
/// journal or syncing (a crash mid-reindex leaves the old index in place). Id and tag keys
/// are the caller's: it sorts them (``TagSorter``) on another thread meanwhile.
/// ``finish(suspects:keys:)`` then builds every index by sorting, drops later copies of an
/// event written twice (the first copy wins, as in the live path), resolves the other
/// observations with one join, and last writes every key as one run (``KeyRuns``): ids,
/// authors, tags, which is their key order.
final class BulkLoad {
    /// Indexes dropped for the load and rebuilt at the end.
    static let deferredIndexes = ["event_by_time", "event_by_kind", "event_relay_by_relay"]

    let pool: DatabaseQueue
    let caches = IndexCaches()
    private let recreate: [String]
    /// The row id of the first event loaded; the load numbers events from there in segment
    /// order, copies included, which is how tag rows can be numbered before they load.
    let firstRow: Int64
    /// The row id of the next event.
    private(set) var nextRow: Int64
    /// The rows of the events in the latest ``load(_:)`` and the one before, by id.
    private var recentRows: (current: [EventID: Int64], previous: [EventID: Int64]) = ([:], [:])

    init(pool: DatabaseQueue) throws {
        self.pool = pool
        recreate = try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = -65536")  // 64 MiB while sorting
            try db.execute(sql: "PRAGMA threads = 2")  // SQLite's sorter may use a helper thread
            var statements: [String] = []
            for name in Self.deferredIndexes {
                if let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", arguments: [name]) {
                    statements.append(sql)
                    try db.execute(sql: "DROP INDEX \(name)")
                }
            }
            // Each observation has its event's row, or else its id for the join at the end.
            try db.execute(sql: "CREATE TEMP TABLE observation_load (event INTEGER, id BLOB, relay INTEGER, seen_at INTEGER)")
            return statements
        }
        firstRow = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM event") ?? 0 } + 1
        nextRow = firstRow
    }

    /// Loads the records of some frames in one transaction.
    func load(_ frames: [SegmentWriter.WrittenFrame]) throws {
        try pool.write { db in
            let index = IndexWriter(db: db, caches: caches)
            var events = MultiRowInsert<RowField>(db, "INSERT INTO event (rowid, id, pubkey, created_at, kind, frame, pos)", columns: 7)
            var observations = MultiRowInsert<RowField>(db, "INSERT INTO observation_load (event, id, relay, seen_at)", columns: 4)
            // Rows of the events of this load and the one before: an observation is written
            // right after its event, so most find their row here and need no join.
            recentRows = (current: [:], previous: recentRows.current)
            for written in frames {
                let frame = try index.insertFrame(segment: written.segment, offset: written.offset, length: written.length)
                for (item, pos) in written.items {
                    switch item {
                    case .event(let entry):
                        let row = nextRow
                        nextRow += 1
                        if recentRows.current[entry.id] == nil { recentRows.current[entry.id] = row }
                        try events.add(row:
                            .int(row), .id(entry.id), .int(try index.pubkeyID(entry.pubkey)), .int(entry.createdAt), .int(entry.kind),
                            .int(frame), .int(Int64(pos)))
                    case .record(.observation(let id, let relay, let seenAt)):
                        guard let relayID = try index.relayID(relay) else {
                            throw ArchiveError(.inconsistent, "observation at relay \(relay) before the relay record")
                        }
                        if let row = recentRows.current[id] ?? recentRows.previous[id] {
                            try observations.add(row: .int(row), .null, .int(relayID), .int(seenAt))
                        } else {
                            try observations.add(row: .null, .id(id), .int(relayID), .int(seenAt))
                        }
                    case .record(let record):
                        var pending = IndexWriter.Pending()
                        try index.apply(.record(record), frame: frame, pos: pos, knownNew: false, pending: &pending)
                    }
                }
            }
            try events.finish()
            try observations.finish()
            if let last = frames.last { try index.setWatermark(segment: last.segment, offset: last.offset + Int64(last.length)) }
        }
    }

    /// Builds the indexes, resolves the staged rows, then writes the keys: the id and tag
    /// keys that `keys` returns sorted (it may wait for them), with the authors' keys made
    /// here between the two. `suspects` are the id prefixes (`substr(id, 1, 8)`) under which
    /// an event may have been written twice (``SeenIDs``): only those are searched for
    /// copies; nil, every id is.
    func finish(suspects: [[UInt8]]?, keys: () throws -> TagSorter) throws {
        try pool.writeWithoutTransaction { db in
            try db.inTransaction {
                // Finds events by id for the copies and the join below, then goes: the keys
                // find them afterwards, and its pages are reused by theirs.
                try db.execute(sql: "CREATE INDEX load_by_id ON event (substr(id, 1, 8))")
                // Later copies of an event (written twice across a crash) go, with their keys.
                let copies = try Self.copies(db, suspects: suspects)
                for row in copies {
                    // Observations resolved to a copy are resolved again by id, to the first.
                    try db.execute(
                        sql: "UPDATE observation_load SET id = (SELECT id FROM event WHERE rowid = ?1), event = NULL WHERE event = ?1",
                        arguments: [row])
                    try db.execute(sql: "DELETE FROM event WHERE rowid = ?", arguments: [row])
                }
                // The first observation of an event at a relay, in segment order (o.rowid), wins.
                // Those resolved during the load go first, in the order they came: each came
                // while its event was among the latest loaded, so before any observation of
                // it that had to wait for the join (or was resolved to a copy, above).
                try db.execute(sql: """
                    INSERT OR IGNORE INTO event_relay (event, relay, seen_at)
                    SELECT event, relay, seen_at FROM observation_load WHERE event IS NOT NULL ORDER BY rowid
                    """)
                try db.execute(sql: """
                    INSERT OR IGNORE INTO event_relay (event, relay, seen_at)
                    SELECT e.rowid, o.relay, o.seen_at FROM observation_load o
                    JOIN event e ON substr(e.id, 1, 8) = substr(o.id, 1, 8) AND e.id = o.id
                    WHERE o.event IS NULL
                    ORDER BY e.rowid, o.relay, o.rowid
                    """)
                try db.execute(sql: "DROP TABLE observation_load")
                try db.execute(sql: "DROP INDEX load_by_id")
                for sql in recreate { try db.execute(sql: sql) }
                try Self.writeKeys(db, keys: try keys(), copies: copies)
                for (name, table) in [("events", "event"), ("observations", "event_relay"), ("relays", "relay"), ("metadata", "metadata")] {
                    try db.execute(sql: "UPDATE tally SET value = (SELECT COUNT(*) FROM \(table)) WHERE name = ?", arguments: [name])
                }
                try db.execute(sql: "DELETE FROM kind_tally")
                try db.execute(sql: "INSERT INTO kind_tally (kind, events) SELECT kind, COUNT(*) FROM event GROUP BY kind")
                return .commit
            }
            try db.execute(sql: "PRAGMA cache_size = -8192")
            // Planner statistics from a sample of each index: enough to choose indexes well.
            try db.execute(sql: "PRAGMA analysis_limit = 1000")
            try db.execute(sql: "ANALYZE")
        }
    }

    /// Writes every key as one run, in key order: the sorted id keys, the author keys (made
    /// from the event table), the sorted tag keys. Keys of `copies` are left out.
    private static func writeKeys(_ db: Database, keys: TagSorter, copies: Set<Int64>) throws {
        let newestAt = try Int64.fetchOne(db, sql: "SELECT max(created_at) FROM event") ?? 0
        let run = try KeyRuns.newRun(db, level: 0, newestAt: newestAt)
        // 500 rows a statement: the largest table, where the per-statement cost still shows.
        var insert = MultiRowInsert<Int64>(db, "INSERT INTO event_key (run, key, event)", columns: 3, rowsPerStatement: 500)
        var authorsWritten = false
        func writeAuthors(_ insert: inout MultiRowInsert<Int64>) throws {
            try insert.finish()
            try db.execute(
                sql: "INSERT INTO event_key (run, key, event) SELECT ?, \(IndexKey.authorSQL("pubkey")), rowid FROM event ORDER BY pubkey, rowid",
                arguments: [run])
            authorsWritten = true
        }
        var previous: TagRow?
        try keys.drain { row in
            // A tag repeated in one event gives one row, as the live path's run does.
            guard row != previous, !copies.contains(row.event) else { return }
            previous = row
            if !authorsWritten, row.key >= IndexKey.first(IndexKey.authorTag) { try writeAuthors(&insert) }
            try insert.add(run, row.key, row.event)
        }
        if !authorsWritten { try writeAuthors(&insert) }
        try insert.finish()
        let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_key WHERE run = ?", arguments: [run]) ?? 0
        // The copies are gone from the event table by now: one id key per event left.
        let ids = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0
        try db.execute(sql: "UPDATE key_run SET rows = ?, ids = ?, level = ? WHERE id = ?", arguments: [rows, ids, KeyRuns.level(rows: rows), run])
    }

    /// The rows of later copies of events written more than once, among the events whose
    /// id starts with one of `suspects` (nil: among all events).
    private static func copies(_ db: Database, suspects: [[UInt8]]?) throws -> Set<Int64> {
        guard let suspects else {
            return try Set(
                Int64.fetchAll(
                    db,
                    sql: """
                        SELECT e.rowid FROM event e
                        WHERE substr(e.id, 1, 8) IN (SELECT substr(id, 1, 8) FROM event GROUP BY substr(id, 1, 8) HAVING COUNT(*) > 1)
                          AND EXISTS (SELECT 1 FROM event f WHERE substr(f.id, 1, 8) = substr(e.id, 1, 8) AND f.id = e.id AND f.rowid < e.rowid)
                        """))
        }
        guard !suspects.isEmpty else { return [] }
        try db.execute(sql: "CREATE TEMP TABLE suspect (prefix BLOB PRIMARY KEY) WITHOUT ROWID")
        defer { try? db.execute(sql: "DROP TABLE suspect") }
        let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO suspect (prefix) VALUES (?)")
        for prefix in suspects { try insert.execute(arguments: [Data(prefix)]) }
        return try Set(
            Int64.fetchAll(
                db,
                sql: """
                    SELECT e.rowid FROM suspect s JOIN event e ON substr(e.id, 1, 8) = s.prefix
                    WHERE EXISTS (SELECT 1 FROM event f WHERE substr(f.id, 1, 8) = s.prefix AND f.id = e.id AND f.rowid < e.rowid)
                    """))
    }
}
