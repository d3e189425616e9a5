import Foundation
import GRDB
import Nostr

/// Builds a fresh index from the segments quickly (reindex).
///
/// During the load, event rows are appended many to a statement with no secondary index
/// on them, and the throwaway file runs without a journal or syncing (a crash mid-reindex
/// leaves the old index in place). An observation whose event was loaded just before it,
/// as it usually is, goes straight into `event_relay`, unless the scan flagged that id as
/// possibly written before; the others go to a staging table. The author keys are
/// collected here, numbered as the event rows; id and tag keys are the caller's: it sorts
/// them (``TagSorter``) on another thread meanwhile. ``finish(keys:)`` then
/// builds the event table's indexes by sorting, drops later copies of an event written
/// twice (the first copy wins, as in the live path), resolves the staged observations,
/// and last writes every key as one run (``KeyRuns``): ids, authors, tags, which is
/// their key order.
final class BulkLoad {
    /// Indexes dropped for the load and rebuilt at the end.
    /// Observations arrive in event order, so `event_relay_by_relay` is kept as they load:
    /// each relay's entries are appended.
    static let deferredIndexes = ["event_by_time", "event_by_kind"]

    let pool: DatabaseQueue
    let caches = IndexCaches()
    private let recreate: [String]
    /// The row id of the first event loaded; the load numbers events from there in segment
    /// order, copies included, which is how tag rows can be numbered before they load.
    let firstRow: Int64
    /// The row id of the next event.
    private(set) var nextRow: Int64
    /// The rows of the events in the latest ``load(_:repeats:)`` and the one before, by id.
    private var recentRows: (current: [EventID: Int64], previous: [EventID: Int64]) = ([:], [:])
    /// The ids the scan flagged as possibly written before, in the same two loads.
    private var recentRepeats: (current: Set<EventID>, previous: Set<EventID>) = ([], [])
    /// Observations staged for ``finish(keys:)``.
    private var staged = 0
    /// The author key of each event, numbered as its row.
    private let authors: TagSorter

    /// - Parameters:
    ///   - authorRuns: path prefix for the author keys' sort runs.
    ///   - sortCapacity: the most author keys held in memory before a run is written.
    init(pool: DatabaseQueue, authorRuns: String, sortCapacity: Int) throws {
        self.pool = pool
        authors = TagSorter(runPrefix: authorRuns, capacity: sortCapacity)
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
            // Each observation has its event's row, or else its id and id key for the join at the end.
            try db.execute(sql: "CREATE TEMP TABLE observation_load (event INTEGER, id BLOB, key INTEGER, relay INTEGER, seen_at INTEGER)")
            return statements
        }
        firstRow = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM event") ?? 0 } + 1
        nextRow = firstRow
    }

    /// Loads the records of some frames in one transaction. `repeats` are the ids among
    /// their events that the scan flagged as possibly written before (``SeenIDs``).
    func load(_ frames: [SegmentWriter.WrittenFrame], repeats: Set<EventID>) throws {
        try pool.write { db in
            let index = IndexWriter(db: db, caches: caches)
            var events = MultiRowInsert<RowField>(db, "INSERT INTO event (rowid, id, pubkey, created_at, kind, frame, pos)", columns: 7)
            var observations = MultiRowInsert<Int64>(db, "INSERT OR IGNORE INTO event_relay (event, relay, seen_at)", columns: 3)
            var stage = MultiRowInsert<RowField>(db, "INSERT INTO observation_load (event, id, key, relay, seen_at)", columns: 5)
            var authorKeys: [TagRow] = []
            // Rows of the events of this load and the one before: an observation is written
            // right after its event, so most find their row here and need no join.
            recentRows = (current: [:], previous: recentRows.current)
            recentRepeats = (current: repeats, previous: recentRepeats.current)
            for written in frames {
                let frame = try index.insertFrame(segment: written.segment, offset: written.offset, length: written.length)
                for (item, pos) in written.items {
                    switch item {
                    case .event(let entry):
                        let row = nextRow
                        nextRow += 1
                        if recentRows.current[entry.id] == nil { recentRows.current[entry.id] = row }
                        let author = try index.pubkeyID(entry.pubkey)
                        authorKeys.append(TagRow(key: IndexKey.author(author), event: row))
                        try events.add(row:
                            .int(row), .id(entry.id), .int(author), .int(entry.createdAt), .int(entry.kind), .int(frame), .int(Int64(pos)))
                    case .record(.observation(let id, let relay, let seenAt)):
                        guard let relayID = try index.relayID(relay) else {
                            throw ArchiveError(.inconsistent, "observation at relay \(relay) before the relay record")
                        }
                        let row = recentRows.current[id] ?? recentRows.previous[id]
                        // An id never flagged has one row, this one: its observations of the
                        // load go in now, all of them before any that must wait (see finish).
                        if let row, !recentRepeats.current.contains(id), !recentRepeats.previous.contains(id) {
                            try observations.add(row, relayID, seenAt)
                            continue
                        }
                        staged += 1
                        if let row {
                            try stage.add(row: .int(row), .null, .null, .int(relayID), .int(seenAt))
                        } else {
                            try stage.add(row: .null, .id(id), .int(IndexKey.id(id)), .int(relayID), .int(seenAt))
                        }
                    case .record(let record):
                        var pending = IndexWriter.Pending()
                        try index.apply(.record(record), frame: frame, pos: pos, knownNew: false, pending: &pending)
                    }
                }
            }
            try events.finish()
            try observations.finish()
            try stage.finish()
            try authors.append(contentsOf: authorKeys)
            if let last = frames.last { try index.setWatermark(segment: last.segment, offset: last.offset + Int64(last.length)) }
        }
    }

    /// Builds the event table's indexes, then writes the keys: the id and tag keys that
    /// `keys` returns sorted (it may wait for them), with the authors' keys between the
    /// two. Later copies of an event written twice are found among the sorted id keys and
    /// dropped, with their keys; last, the staged observations are resolved.
    func finish(keys: () throws -> TagSorter) throws {
        try authors.prepare()
        try pool.writeWithoutTransaction { db in
            try db.inTransaction {
                for sql in recreate { try db.execute(sql: sql) }
                let (run, copies) = try writeKeys(db, keys: try keys())
                for row in copies {
                    // Observations resolved to a copy are resolved again by id, to the first.
                    if let id = try Data.fetchOne(db, sql: "SELECT id FROM event WHERE rowid = ?", arguments: [row]), let eventID = EventID(bytes: [UInt8](id)) {
                        try db.execute(
                            sql: "UPDATE observation_load SET id = ?, key = ?, event = NULL WHERE event = ?",
                            arguments: [id, IndexKey.id(eventID), row])
                    }
                    try db.execute(sql: "DELETE FROM event WHERE rowid = ?", arguments: [row])
                }
                // The first observation of an event at a relay, in segment order, wins. Those
                // written during the load came first; then the staged ones resolved during
                // the load, in the order they came: each came while its event was among the
                // latest loaded, so before any observation of it that had to wait for the
                // join (or was resolved to a copy, above). The join finds events by their
                // id keys, written above.
                if staged > 0 {
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO event_relay (event, relay, seen_at)
                        SELECT event, relay, seen_at FROM observation_load WHERE event IS NOT NULL ORDER BY rowid
                        """)
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO event_relay (event, relay, seen_at)
                            SELECT e.rowid, o.relay, o.seen_at FROM observation_load o
                            JOIN event_key k ON k.run = ? AND k.key = o.key
                            JOIN event e ON e.rowid = k.event AND e.id = o.id
                            WHERE o.event IS NULL
                            ORDER BY e.rowid, o.relay, o.rowid
                            """, arguments: [run])
                }
                try db.execute(sql: "DROP TABLE observation_load")
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

    /// Writes every key as one run, in key order: the sorted id keys, the sorted author
    /// keys, the sorted tag keys. Returns the run and the rows of later copies of events
    /// written twice, whose keys are left out: they share an id key with an earlier row
    /// (the sort puts them side by side), and their whole id.
    private func writeKeys(_ db: Database, keys: TagSorter) throws -> (run: Int64, copies: Set<Int64>) {
        let newestAt = try Int64.fetchOne(db, sql: "SELECT max(created_at) FROM event") ?? 0
        let run = try KeyRuns.newRun(db, level: 0, newestAt: newestAt)
        // 500 rows a statement: the largest table, where the per-statement cost still shows.
        var insert = MultiRowInsert<Int64>(db, "INSERT INTO event_key (run, key, event)", columns: 3, rowsPerStatement: 500)
        var rows = 0, ids = 0
        var copies: Set<Int64> = []
        var previous: TagRow?
        func add(_ row: TagRow) throws {
            // A tag repeated in one event gives one row, as the live path's run does.
            guard row != previous, copies.isEmpty || !copies.contains(row.event) else { return }
            previous = row
            rows += 1
            try insert.add(run, row.key, row.event)
        }
        // The id keys of one value, held until the next: more than one is a copy or two
        // ids that share their first 5 bytes.
        var sameKey: [TagRow] = []
        func addIDs() throws {
            if sameKey.count > 1 { copies.formUnion(try Self.laterCopies(db, rows: sameKey.map(\.event))) }
            for row in sameKey where !copies.contains(row.event) {
                ids += 1
                try add(row)
            }
            sameKey.removeAll(keepingCapacity: true)
        }
        var authorsWritten = false
        try keys.drain { row in
            if KeyRuns.isID(row.key) {
                if let last = sameKey.last, last.key != row.key { try addIDs() }
                sameKey.append(row)
                return
            }
            if !authorsWritten {
                try addIDs()
                try authors.drain(add)
                authorsWritten = true
            }
            try add(row)
        }
        if !authorsWritten {
            try addIDs()
            try authors.drain(add)
        }
        try insert.finish()
        try db.execute(sql: "UPDATE key_run SET rows = ?, ids = ?, level = ? WHERE id = ?", arguments: [rows, ids, KeyRuns.level(rows: rows), run])
        return (run, copies)
    }

    /// Of event rows that share an id key, those whose whole id an earlier one has.
    private static func laterCopies(_ db: Database, rows: [Int64]) throws -> [Int64] {
        var firstOf: [Data: Int64] = [:]
        var later: [Int64] = []
        let statement = try db.cachedStatement(sql: "SELECT id FROM event WHERE rowid = ?")
        for row in rows.sorted() {
            guard let id = try Data.fetchOne(statement, arguments: [row]) else { continue }
            if firstOf[id] == nil { firstOf[id] = row } else { later.append(row) }
        }
        return later
    }
}
