import GRDB
import GRDBSQLite
import Nostr

/// The keys that find events (an event's id, its author, its single-letter tags: see
/// ``IndexKey``), kept as sorted runs in one table so that the cost of a write does not
/// grow with the archive.
///
/// A key is random: inserted one by one into one large B-tree, each lands on its own page,
/// and every commit then writes a whole page per key, twice (WAL and checkpoint). Instead,
/// each commit writes its keys, sorted, as a new run: rows `(run, key, event)` with a run id
/// above every other, so they are appended at the B-tree's right edge and fill whole pages.
/// Runs never change; when `fanout` runs share a level they are merged (a k-way merge of
/// sorted rows, again appended) into one run of the next level, and the sources deleted.
/// Each key row is so rewritten once per level, log_fanout(archive / commit) times, and a
/// write's cost stays flat however large the archive grows.
///
/// A lookup probes every ready run (`run IN (SELECT ...)` then `key IN (...)`): one B-tree
/// seek per run and key; a query with a limit visits the runs newest first and stops early
/// (`newest_at`). A run is `building` while a merge writes it, `ready` once complete
/// (queries see ready runs only, so the switch from sources to merged run is atomic), and
/// `merged` while its rows are being deleted. A crash leaves building or merged runs; the
/// writer clears them on open (``clearUnfinished(_:)``).
enum KeyRuns {
    enum State: Int64 {
        case building = 0, ready = 1, merged = 2
    }

    /// Runs merged at once, and so the number of ready runs a level may hold.
    static let fanout = 8
    /// Rows a run of level 1 holds at least: smaller runs are level 0.
    static let levelOneRows = 8192

    /// SQL for the ids of the runs a lookup must probe.
    static let readyRuns = "SELECT id FROM key_run WHERE state = 1"

    /// The level of a run of `rows` rows: 0 below ``levelOneRows``, then one more for each
    /// `fanout` times as many.
    static func level(rows: Int) -> Int {
        var level = 0
        var bound = levelOneRows
        while rows >= bound {
            level += 1
            if bound > Int.max / fanout { break }
            bound *= fanout
        }
        return level
    }

    /// Writes `rows` (in any order; duplicates are dropped) as a new ready run of the
    /// level their number gives, in the caller's transaction.
    /// `newestAt` is the latest created_at among their events.
    static func write(_ rows: inout [TagRow], newestAt: Int64, _ db: Database) throws {
        guard !rows.isEmpty else { return }
        rows.sort()
        let run = try newRun(db, level: level(rows: rows.count), state: .ready, newestAt: newestAt)
        var insert = MultiRowInsert(db, "INSERT INTO event_key (run, key, event)", columns: 3, rowsPerStatement: 300)
        var previous: TagRow?
        var count = 0
        for row in rows where row != previous {
            previous = row
            count += 1
            try insert.add(.int(run), .int(row.key), .int(row.event))
        }
        try insert.finish()
        try db.execute(sql: "UPDATE key_run SET rows = ? WHERE id = ?", arguments: [count, run])
    }

    /// Gives every ready run at least the level its size gives (a run made by a migration
    /// or a reindex is written whole, at level 0).
    static func setLevels(_ db: Database) throws {
        for row in try Row.fetchAll(db, sql: "SELECT id, level, rows FROM key_run WHERE state = 1") {
            let wanted = level(rows: row["rows"])
            if wanted > row["level"] as Int {
                try db.execute(sql: "UPDATE key_run SET level = ? WHERE id = ?", arguments: [wanted, row["id"] as Int64])
            }
        }
    }

    /// Creates a run and returns its id, above every run before it (AUTOINCREMENT), so that
    /// its rows are appended at the end of the table.
    static func newRun(_ db: Database, level: Int, state: State, newestAt: Int64 = 0) throws -> Int64 {
        try db.execute(sql: "INSERT INTO key_run (level, rows, state, newest_at) VALUES (?, 0, ?, ?)", arguments: [level, state.rawValue, newestAt])
        return db.lastInsertedRowID
    }

    // MARK: - Lookups

    /// The rows of the events with these ids, among those archived (a key may match an
    /// event whose id only shares its first 7 bytes: the id itself decides). Of an event
    /// archived twice (possible only across a crash before reindex) the first row wins.
    static func eventRows(_ db: Database, ids: [EventID]) throws -> [EventID: Int64] {
        var rows: [EventID: Int64] = [:]
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(ids.count, start + 500)]
            start += chunk.count
            let wanted = Set(chunk)
            let sql = """
                SELECT e.id, e.rowid FROM event_key k JOIN event e ON e.rowid = k.event
                WHERE k.run IN (\(readyRuns)) AND k.key IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ",")))
                """
            let handle = try db.cachedStatement(sql: sql).sqliteStatement
            for (i, id) in chunk.enumerated() { sqlite3_bind_int64(handle, Int32(i + 1), IndexKey.id(id)) }
            defer { sqlite3_reset(handle) }
            try step(handle) {
                guard let blob = sqlite3_column_blob(handle, 0),
                    let id = EventID(rawBytes: UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(handle, 0))))
                else { return }
                let row = sqlite3_column_int64(handle, 1)
                if wanted.contains(id), rows[id].map({ row < $0 }) ?? true { rows[id] = row }
            }
        }
        return rows
    }

    /// Steps a statement to its end, calling `row` on each row.
    static func step(_ handle: OpaquePointer, _ row: () throws -> Void) throws {
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw ArchiveError(.index, "SQLite \(code): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))")
            }
            try row()
        }
    }

    // MARK: - Merging

    /// Merges while some level holds `fanout` ready runs, lowest level first. Each merge
    /// commits in steps of about `rowsPerCommit` rows, so the WAL stays small; readers see
    /// the merged run only once it is complete.
    static func mergeIfNeeded(_ pool: DatabasePool, rowsPerCommit: Int = 1 << 20) throws {
        try clearUnfinished(pool)
        while let sources = try pool.read({ db in try due(db) }) {
            try merge(sources, pool, rowsPerCommit: rowsPerCommit)
        }
    }

    /// The runs of the lowest level that holds `fanout` ready runs, oldest first; nil if none.
    static func due(_ db: Database) throws -> [Source]? {
        let runs = try Row.fetchAll(db, sql: "SELECT id, level, rows, newest_at FROM key_run WHERE state = 1 ORDER BY level, id")
            .map { Source(id: $0["id"], level: $0["level"], rows: $0["rows"], newestAt: $0["newest_at"]) }
        let levels = Dictionary(grouping: runs, by: \.level)
        guard let full = levels.sorted(by: { $0.key < $1.key }).first(where: { $0.value.count >= fanout }) else { return nil }
        return Array(full.value.prefix(fanout))
    }

    /// A ready run, as a merge takes it.
    struct Source {
        let id: Int64
        let level: Int
        let rows: Int
        let newestAt: Int64
    }

    static func merge(_ sources: [Source], _ pool: DatabasePool, rowsPerCommit: Int) throws {
        let total = sources.reduce(0) { $0 + $1.rows }
        let level = max((sources.map(\.level).max() ?? 0) + 1, self.level(rows: total))
        let newestAt = sources.map(\.newestAt).max() ?? 0
        let target = try pool.write { db in try newRun(db, level: level, state: .building, newestAt: newestAt) }
        var readers = sources.map { RunReader(run: $0.id) }
        var written = 0
        var done = false
        while !done {
            try pool.write { db in
                var insert = MultiRowInsert(db, "INSERT INTO event_key (run, key, event)", columns: 3, rowsPerStatement: 300)
                var inStep = 0
                while inStep < rowsPerCommit {
                    // The smallest head among the sources (at most `fanout` of them).
                    var best: (index: Int, row: TagRow)?
                    for i in readers.indices {
                        if let row = try readers[i].head(db), best.map({ row < $0.row }) ?? true { best = (i, row) }
                    }
                    guard let best else {
                        done = true
                        break
                    }
                    readers[best.index].advance()
                    try insert.add(.int(target), .int(best.row.key), .int(best.row.event))
                    inStep += 1
                }
                try insert.finish()
                written += inStep
                if done {
                    try db.execute(sql: "UPDATE key_run SET state = 1, rows = ? WHERE id = ?", arguments: [written, target])
                    for source in sources {
                        try db.execute(sql: "UPDATE key_run SET state = 2 WHERE id = ?", arguments: [source.id])
                    }
                }
            }
        }
        for source in sources { try dropRun(source.id, pool) }
    }

    /// Deletes a run's rows, then the run.
    static func dropRun(_ run: Int64, _ pool: DatabasePool) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM event_key WHERE run = ?", arguments: [run])
            try db.execute(sql: "DELETE FROM key_run WHERE id = ?", arguments: [run])
        }
    }

    /// What disagrees between the runs, the event table and the totals, for `brotr check`:
    /// every event has one id key and one author key in the ready runs, each run holds the
    /// rows its entry says, and the totals match the tables. Empty when all is well.
    static func inconsistencies(_ db: Database) throws -> [String] {
        var found: [String] = []
        let events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0
        for (name, tag) in [("id", IndexKey.idTag), ("author", IndexKey.authorTag)] {
            let keys = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM event_key WHERE run IN (\(readyRuns)) AND key >= ? AND key < ?",
                arguments: [tag << 56, (tag + 1) << 56]) ?? 0
            if keys != events { found.append("\(keys) \(name) keys in the key runs for \(events) events") }
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, rows FROM key_run WHERE state = 1") {
            let run: Int64 = row["id"]
            let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_key WHERE run = ?", arguments: [run]) ?? 0
            if rows != row["rows"] as Int { found.append("key run \(run) holds \(rows) rows, its entry says \(row["rows"] as Int)") }
        }
        let tally = try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT name, value FROM tally").map { ($0["name"] as String, $0["value"] as Int) })
        for (name, table) in [("events", "event"), ("observations", "event_relay"), ("relays", "relay"), ("metadata", "metadata")] {
            let counted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            if tally[name] != counted { found.append("the \(name) total says \(tally[name] ?? 0), the \(table) table holds \(counted)") }
        }
        let kinds = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(events), 0) FROM kind_tally") ?? 0
        if kinds != events { found.append("the totals by kind add up to \(kinds), the event table holds \(events)") }
        return found
    }

    /// Removes what an interrupted merge left: runs still building (their sources are
    /// still ready) and runs merged away whose rows were not all deleted.
    static func clearUnfinished(_ pool: DatabasePool) throws {
        let stale = try pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM key_run WHERE state <> 1") }
        for run in stale { try dropRun(run, pool) }
    }

    /// Reads one run in key order, a block of rows at a time.
    struct RunReader {
        let run: Int64
        private var block: [TagRow] = []
        private var next = 0
        private var exhausted = false
        static let blockRows = 16_384

        init(run: Int64) { self.run = run }

        /// The run's next row, reading a block when the last is used up; nil at its end.
        mutating func head(_ db: Database) throws -> TagRow? {
            if next < block.count { return block[next] }
            if exhausted { return nil }
            let after = block.last
            block.removeAll(keepingCapacity: true)
            next = 0
            let sql =
                after == nil
                ? "SELECT key, event FROM event_key WHERE run = ?1 ORDER BY key, event LIMIT ?4"
                : "SELECT key, event FROM event_key WHERE run = ?1 AND (key, event) > (?2, ?3) ORDER BY key, event LIMIT ?4"
            let handle = try db.cachedStatement(sql: sql).sqliteStatement
            sqlite3_bind_int64(handle, 1, run)
            if let after {
                sqlite3_bind_int64(handle, 2, after.key)
                sqlite3_bind_int64(handle, 3, after.event)
            }
            sqlite3_bind_int64(handle, 4, Int64(Self.blockRows))
            defer { sqlite3_reset(handle) }
            try KeyRuns.step(handle) { block.append(TagRow(key: sqlite3_column_int64(handle, 0), event: sqlite3_column_int64(handle, 1))) }
            if block.count < Self.blockRows { exhausted = true }
            return block.first
        }

        mutating func advance() { next += 1 }
    }
}
