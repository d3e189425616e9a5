import GRDB
import GRDBSQLite
import Nostr

/// The keys that find events (an event's id, its author, its single-letter tags: see
/// ``IndexKey``), kept as sorted runs in one table so that the cost of a write does not
/// grow with the archive.
///
/// A key is random: inserted one by one into one large B-tree, each lands on its own page,
/// and every commit then writes a whole page per key, twice (WAL and checkpoint). Instead,
/// each commit writes its keys, sorted, as a new run: rows `(run, key, event)` under a run
/// id above every other, so they are appended and fill whole pages. When `fanout` runs
/// share a level they are merged (a k-way merge of sorted rows, again appended) into one
/// run of the next level. Each key row is so rewritten once per level,
/// log_fanout(archive / commit) times, and a write's cost stays flat however large the
/// archive grows.
///
/// A merge moves rows in steps, a transaction each: a step appends the next rows in key
/// order to the merged run and deletes them from their sources (`into` names the run they
/// go to). At every commit each key row is in exactly one run, so lookups, which probe
/// every run, are right at any point of a merge; a merge interrupted by a crash simply
/// goes on after the next write. The writer spends a budget on merges after each write, so
/// no write waits for a whole large merge, and the pages a step frees are reused by the
/// next: the file never holds a level twice.
///
/// A query with a limit visits the runs newest first and stops early (`newest_at`). All
/// keys of an event are in one run, or, during a merge, in the merged run and its sources,
/// which such a query visits as one.
enum KeyRuns {
    /// Runs merged at once, and so the number of runs a level may hold.
    static let fanout = 8
    /// Rows a run of level 1 holds at least: smaller runs are level 0.
    static let levelOneRows = 8192
    /// Rows a merge moves in one transaction, at most.
    static let stepRows = 1 << 17

    /// SQL for the ids of the runs a lookup probes: all of them.
    static let allRuns = "SELECT id FROM key_run"

    /// One run, as `key_run` records it.
    struct Run: Sendable {
        let id: Int64
        let level: Int
        let rows: Int
        /// The id keys it holds.
        let ids: Int
        let newestAt: Int64
        /// The run a merge is moving its rows into.
        let into: Int64?
    }

    static func runs(_ db: Database) throws -> [Run] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT id, level, rows, ids, newest_at, \"into\" FROM key_run ORDER BY id")).map {
            Run(id: $0["id"], level: $0["level"], rows: $0["rows"], ids: $0["ids"], newestAt: $0["newest_at"], into: $0["into"])
        }
    }

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

    static func isID(_ key: Int64) -> Bool { key >= IndexKey.first(IndexKey.idTag) && key < IndexKey.first(IndexKey.idTag + 1) }

    /// Writes `rows` (in any order; duplicates are dropped) as a new run of the level their
    /// number gives, in the caller's transaction, and gives `filters` the run's id keys.
    /// `newestAt` is the latest created_at among their events.
    static func write(_ rows: inout [TagRow], newestAt: Int64, filters: RunFilters?, _ db: Database) throws {
        guard !rows.isEmpty else { return }
        rows.sortByKey()
        let run = try newRun(db, level: level(rows: rows.count), newestAt: newestAt)
        var insert = MultiRowInsert<Int64>(db, "INSERT INTO event_key (run, key, event)", columns: 3, rowsPerStatement: 300)
        var previous: TagRow?
        var count = 0
        var idKeys: [Int64] = []
        for row in rows where row != previous {
            previous = row
            count += 1
            if isID(row.key) { idKeys.append(row.key) }
            try insert.add(run, row.key, row.event)
        }
        try insert.finish()
        try db.execute(sql: "UPDATE key_run SET rows = ?, ids = ? WHERE id = ?", arguments: [count, idKeys.count, run])
        if let filters {
            var filter = IDKeyFilter(capacity: idKeys.count)
            for key in idKeys { filter.insert(key) }
            filters.set(run, filter)
        }
    }

    /// Gives every run at least the level its size gives (a run made by a migration or a
    /// reindex is written whole, at level 0).
    static func setLevels(_ db: Database) throws {
        for run in try runs(db) where level(rows: run.rows) > run.level {
            try db.execute(sql: "UPDATE key_run SET level = ? WHERE id = ?", arguments: [level(rows: run.rows), run.id])
        }
    }

    /// Creates an empty run and returns its id, above every run before it, so that its rows
    /// are appended at the end of the table.
    static func newRun(_ db: Database, level: Int, newestAt: Int64) throws -> Int64 {
        let id = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM key_run") ?? 0) + 1
        try db.execute(
            sql: "INSERT INTO key_run (id, level, rows, ids, newest_at) VALUES (?, ?, 0, 0, ?)", arguments: [id, level, newestAt])
        return id
    }

    // MARK: - Lookups

    /// The rows of the events with these ids, among those archived (a key may match an
    /// event whose id only shares its first 5 bytes: the id itself decides). Each id is
    /// looked up in every run whose filter may hold its key, and in every run without a
    /// filter. Of an event archived twice (possible only across a crash before reindex)
    /// the first row wins.
    ///
    /// The filters are read after the transaction's first read, which fixes what it sees:
    /// the writer gives a run the keys a commit adds before that commit, so every row this
    /// transaction can see is in the filters read then.
    static func eventRows(_ db: Database, ids: some Collection<EventID>, filters: RunFilters?) throws -> [EventID: Int64] {
        var rows: [EventID: Int64] = [:]
        guard !ids.isEmpty else { return rows }
        let runIDs = try Int64.fetchAll(db.cachedStatement(sql: allRuns))
        let snapshot = filters?.snapshot() ?? [:]
        let runs = runIDs.map { (id: $0, filter: snapshot[$0]) }
        let handle = try db.cachedStatement(
            sql: "SELECT e.id, e.rowid FROM event_key k JOIN event e ON e.rowid = k.event WHERE k.run = ? AND k.key = ?"
        ).sqliteStatement
        for id in ids {
            let key = IndexKey.id(id)
            for run in runs where run.filter?.mayContain(key) ?? true {
                sqlite3_bind_int64(handle, 1, run.id)
                sqlite3_bind_int64(handle, 2, key)
                defer { sqlite3_reset(handle) }
                try step(handle) {
                    guard let blob = sqlite3_column_blob(handle, 0), sqlite3_column_bytes(handle, 0) == 32,
                        id.withUnsafeBytes({ $0.elementsEqual(UnsafeRawBufferPointer(start: blob, count: 32)) })
                    else { return }
                    let row = sqlite3_column_int64(handle, 1)
                    if rows[id].map({ row < $0 }) ?? true { rows[id] = row }
                }
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

    /// What disagrees between the runs, the event table and the totals, for `brotr check`:
    /// every event has one id key and one author key, each run holds the rows and id keys
    /// its entry says, a merge moves into a run that exists, and the totals match the
    /// tables. Empty when all is well.
    static func inconsistencies(_ db: Database) throws -> [String] {
        var found: [String] = []
        let events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0
        for (name, tag) in [("id", IndexKey.idTag), ("author", IndexKey.authorTag)] {
            let keys = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM event_key WHERE run IN (\(allRuns)) AND key >= ? AND key < ?",
                arguments: [IndexKey.first(tag), IndexKey.first(tag + 1)]) ?? 0
            if keys != events { found.append("\(keys) \(name) keys in the key runs for \(events) events") }
        }
        let runs = try runs(db)
        let known = Set(runs.map(\.id))
        for run in runs {
            let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_key WHERE run = ?", arguments: [run.id]) ?? 0
            if rows != run.rows { found.append("key run \(run.id) holds \(rows) rows, its entry says \(run.rows)") }
            let ids = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM event_key WHERE run = ? AND key >= ? AND key < ?",
                arguments: [run.id, IndexKey.first(IndexKey.idTag), IndexKey.first(IndexKey.idTag + 1)]) ?? 0
            if ids != run.ids { found.append("key run \(run.id) holds \(ids) id keys, its entry says \(run.ids)") }
            if let into = run.into, !known.contains(into) { found.append("key run \(run.id) is merging into run \(into), which does not exist") }
        }
        let unknownRows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_key WHERE run NOT IN (\(allRuns))") ?? 0
        if unknownRows > 0 { found.append("\(unknownRows) key rows belong to no run") }
        let tally = try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT name, value FROM tally").map { ($0["name"] as String, $0["value"] as Int) })
        for (name, table) in [("events", "event"), ("observations", "event_relay"), ("relays", "relay"), ("metadata", "metadata")] {
            let counted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            if tally[name] != counted { found.append("the \(name) total says \(tally[name] ?? 0), the \(table) table holds \(counted)") }
        }
        let kinds = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(events), 0) FROM kind_tally") ?? 0
        if kinds != events { found.append("the totals by kind add up to \(kinds), the event table holds \(events)") }
        return found
    }
}
