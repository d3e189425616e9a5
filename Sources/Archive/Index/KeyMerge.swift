import GRDB
import GRDBSQLite

/// One merge of key runs (``KeyRuns``): `fanout` runs of a level moved, in key order, into
/// one run of the next, a step (a transaction) at a time. Between steps the merge can stop
/// anywhere, and be taken up again from what the table holds.
struct KeyMerge {
    let target: Int64
    let sources: [Int64]
    private var readers: [RunReader]
    /// The target's id keys so far, given to the filters after each step.
    private var filter: IDKeyFilter?
    private(set) var done = false

    /// Spends up to `budget` rows of merge work, each time on the merge ``next(_:filters:)``
    /// picks. Returns the rows moved.
    @discardableResult
    static func run(_ pool: DatabasePool, filters: RunFilters?, budget: Int) throws -> Int {
        var moved = 0
        while moved < budget {
            guard var merge = try next(pool, filters: filters) else { break }
            while !merge.done && moved < budget {
                moved += try merge.step(pool, rows: min(KeyRuns.stepRows, budget - moved), filters: filters)
            }
        }
        return moved
    }

    /// The merge to work on: of the merges under way and the new ones that levels holding
    /// `fanout` runs no merge involves could start, the one making the lowest level (under
    /// way first). So a large merge, many writes long, never holds up the small ones that
    /// keep the number of runs low; nil when there is nothing to merge.
    static func next(_ pool: DatabasePool, filters: RunFilters?) throws -> KeyMerge? {
        let runs = try pool.read { db in try KeyRuns.runs(db) }
        let targets = Set(runs.compactMap(\.into))
        let free = runs.filter { $0.into == nil && !targets.contains($0.id) }
        let full = Dictionary(grouping: free, by: \.level).filter { $0.value.count >= KeyRuns.fanout }.min { $0.key < $1.key }
        let underWay = runs.filter { targets.contains($0.id) }.min { ($0.level, $0.id) < ($1.level, $1.id) }
        if let target = underWay, full.map({ target.level <= $0.key + 1 }) ?? true {
            let sources = runs.filter { $0.into == target.id }
            var filter = filters?.snapshot()[target.id]
            if filters != nil, filter == nil {
                filter = try pool.read { db in try IDKeyFilter.build(db, run: target.id, capacity: target.ids + sources.reduce(0) { $0 + $1.ids }) }
            }
            return KeyMerge(target: target.id, sources: sources.map(\.id), readers: sources.map { RunReader(run: $0.id) }, filter: filter)
        }
        guard let full else { return nil }
        let sources = Array(full.value.sorted { $0.id < $1.id }.prefix(KeyRuns.fanout))
        let rows = sources.reduce(0) { $0 + $1.rows }
        let level = max((sources.map(\.level).max() ?? 0) + 1, KeyRuns.level(rows: rows))
        let target = try pool.write { db in
            let target = try KeyRuns.newRun(db, level: level, newestAt: sources.map(\.newestAt).max() ?? 0)
            for source in sources {
                try db.execute(sql: "UPDATE key_run SET \"into\" = ? WHERE id = ?", arguments: [target, source.id])
            }
            return target
        }
        let filter = filters.map { _ in IDKeyFilter(capacity: sources.reduce(0) { $0 + $1.ids }) }
        return KeyMerge(target: target, sources: sources.map(\.id), readers: sources.map { RunReader(run: $0.id) }, filter: filter)
    }

    /// Moves up to `rows` rows from the sources to the target in one transaction; the last
    /// step also removes the emptied sources. Returns the rows moved.
    mutating func step(_ pool: DatabasePool, rows limit: Int, filters: RunFilters?) throws -> Int {
        var moved = 0
        var finished = false
        try pool.write { db in
            var insert = MultiRowInsert<Int64>(db, "INSERT INTO event_key (run, key, event)", columns: 3, rowsPerStatement: 300)
            var taken = [(rows: Int, ids: Int, last: TagRow?)](repeating: (0, 0, nil), count: readers.count)
            var ids = 0
            while moved < limit {
                // The smallest head among the sources (at most `fanout` of them).
                var best: (index: Int, row: TagRow)?
                for i in readers.indices {
                    if let row = try readers[i].head(db), best.map({ row < $0.row }) ?? true { best = (i, row) }
                }
                guard let best else {
                    finished = true
                    break
                }
                readers[best.index].advance()
                try insert.add(target, best.row.key, best.row.event)
                moved += 1
                taken[best.index].rows += 1
                taken[best.index].last = best.row
                if KeyRuns.isID(best.row.key) {
                    ids += 1
                    taken[best.index].ids += 1
                    filter?.insert(best.row.key)
                }
            }
            try insert.finish()
            // What each source gave is a prefix of what it still held.
            for (i, source) in sources.enumerated() {
                guard let last = taken[i].last else { continue }
                try db.execute(
                    sql: "DELETE FROM event_key WHERE run = ? AND (key, event) <= (?, ?)", arguments: [source, last.key, last.event])
                try db.execute(
                    sql: "UPDATE key_run SET rows = rows - ?, ids = ids - ? WHERE id = ?", arguments: [taken[i].rows, taken[i].ids, source])
            }
            try db.execute(sql: "UPDATE key_run SET rows = rows + ?, ids = ids + ? WHERE id = ?", arguments: [moved, ids, target])
            if finished {
                try db.execute(sql: "DELETE FROM key_run WHERE \"into\" = ?", arguments: [target])
            }
            // Before the commit: a reader that sees the moved rows finds them in the filter.
            if let filter { filters?.set(target, filter) }
        }
        if finished {
            done = true
            for source in sources { filters?.set(source, nil) }
        }
        return moved
    }
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
