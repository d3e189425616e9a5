import Foundation
import GRDB
import GRDBSQLite
public import Nostr

extension Archive {
    /// The full event with this id, read back from its segment.
    public func event(id: EventID) throws -> Event? {
        let location = try Archive.wrap {
            try pool.read { db -> EventLocation? in
                guard let row = try KeyRuns.eventRows(db, ids: [id], filters: filters)[id] else { return nil }
                return try Self.location(db, row: row)
            }
        }
        guard let location else { return nil }
        return try read(location)
    }

    /// Builds the id filters of the key runs that have none, so that each id looked up
    /// costs about one seek however many runs the archive has (a scan of the id keys, about
    /// a second for 5M events). For a process that looks up many ids: a server, a check.
    /// A writer's own readers need not: its first write builds them.
    public func prepareForLookups() throws {
        try Archive.wrap { try filters.completeIfNeeded(pool, forWriter: writer != nil) }
    }

    /// Where the event of index row `row` lives.
    static func location(_ db: Database, row: Int64) throws -> EventLocation? {
        try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT e.frame, e.pos, e.created_at, f.segment, f.offset, f.length
                FROM event e JOIN frame f ON f.id = e.frame WHERE e.rowid = ?
                """), arguments: [row]
        ).map(EventLocation.init)
    }

    /// Events matching `filter`, newest first; equal `created_at` by ascending id. The
    /// index narrows, each candidate is read from its segment and checked with
    /// `filter.matches`, and `filter.limit` is honoured.
    public func events(matching filter: Filter) throws -> [Event] {
        try events(matching: filter, fewCandidates: nil)
    }

    /// ``events(matching:)``, with the number of candidates under which a keyed query with
    /// a limit reads them all at once (nil: a few times the limit; 0: never, for tests).
    func events(matching filter: Filter, fewCandidates: Int?) throws -> [Event] {
        if filter.limit == 0 { return [] }
        var matched: [Event] = []
        try Archive.wrap {
            try pool.read { db in
                if let ids = filter.ids {
                    matched = try byID(db, filter, ids: ids)
                } else if let limit = filter.limit, EventQuery.isKeyed(filter),
                    try Self.hasHeavyKey(db, filter, few: fewCandidates ?? max(4 * limit, 256))
                {
                    matched = try runByRun(db, filter, limit: limit)
                } else {
                    matched = try allAtOnce(db, filter)
                }
            }
        }
        matched.sort { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id < $1.id }
        if let limit = filter.limit, matched.count > limit { matched.removeLast(matched.count - limit) }
        return matched
    }

    /// Whether an author or tag condition of `filter` matches more than `few` key rows
    /// (each is counted up to `few + 1`); always true when `few` is 0.
    private static func hasHeavyKey(_ db: Database, _ filter: Filter, few: Int) throws -> Bool {
        guard few > 0 else { return true }
        return try EventQuery.keyCounts(filter, cap: few + 1).contains { sql, arguments in
            try Int.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) ?? 0 > few
        }
    }

    /// The events of `filter` that has ids: each found through the runs' id filters (a
    /// seek in the run that holds it, whatever the number of runs), then checked whole.
    private func byID(_ db: Database, _ filter: Filter, ids: some Collection<EventID>) throws -> [Event] {
        var matched: [Event] = []
        for row in try KeyRuns.eventRows(db, ids: ids, filters: filters).values.sorted() {
            guard let location = try Self.location(db, row: row) else { continue }
            let event = try read(location)
            if filter.matches(event) { matched.append(event) }
        }
        return matched
    }

    /// The candidates of `filter` in one statement, newest first, read until the limit.
    private func allAtOnce(_ db: Database, _ filter: Filter) throws -> [Event] {
        // When ids, authors or tags narrow the candidates to a few, sort them (`+` keeps
        // SQLite from walking the time index instead).
        let narrow = filter.ids != nil || filter.authors != nil || !filter.tags.isEmpty
        let (sql, arguments) = EventQuery.select(filter, order: narrow ? "+e.created_at DESC" : "e.created_at DESC")
        var matched: [Event] = []
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() {
            let location = EventLocation(row)
            // Past the limit, keep only events tied with the last kept one.
            if let limit = filter.limit, matched.count >= limit, let last = matched.last, location.createdAt < last.createdAt {
                break
            }
            let event = try read(location)
            if filter.matches(event) { matched.append(event) }
        }
        return matched
    }

    /// A filter with a limit and a heavy author or tag key (a prolific author, a popular
    /// tag): the key runs are visited newest first (by the latest created_at of their
    /// events), and once `limit` matches are found that no event of a run not yet visited
    /// could outrank, the rest are never touched, whatever the archive's size. (All keys of
    /// an event live in one run, or in a merge's runs, which are visited as one: each visit
    /// answers the whole filter for its events.)
    private func runByRun(_ db: Database, _ filter: Filter, limit: Int) throws -> [Event] {
        var matched: [Event] = []
        let runs = Dictionary(grouping: try KeyRuns.runs(db), by: { $0.into ?? $0.id }).values
            .map { (ids: $0.map(\.id), newestAt: $0.map(\.newestAt).max() ?? 0) }
            .sorted { ($0.newestAt, $0.ids.max() ?? 0) > ($1.newestAt, $1.ids.max() ?? 0) }
        // Candidates found and not read yet (their rows and times: where each lives is looked
        // up only for those read), oldest first (read from the end).
        var pending: [(row: Int64, createdAt: Int64)] = []
        visit: for (i, run) in runs.enumerated() {
            let (sql, arguments) = EventQuery.select(filter, order: nil, columns: "e.rowid, e.created_at", runs: run.ids)
            let statement = try db.cachedStatement(sql: sql)
            try statement.setArguments(arguments)
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            try KeyRuns.step(handle) { pending.append((sqlite3_column_int64(handle, 0), sqlite3_column_int64(handle, 1))) }
            pending.sort { $0.createdAt < $1.createdAt }
            // Runs still to visit hold nothing newer than this.
            let bound = i + 1 < runs.count ? runs[i + 1].newestAt : Int64.min
            while let top = pending.last, top.createdAt > bound {
                // Past the limit, keep only events tied with the last kept one.
                if matched.count >= limit, let last = matched.last, top.createdAt < last.createdAt { break visit }
                pending.removeLast()
                guard let location = try Self.location(db, row: top.row) else { continue }
                let event = try read(location)
                if filter.matches(event) { matched.append(event) }
            }
            if matched.count >= limit { break }
        }
        return matched
    }

    /// How many archived events match `filter` (`limit` ignored), counted in the index.
    public func count(matching filter: Filter) throws -> Int {
        // Kinds alone are counted by the running totals (at any size, a read of a few rows).
        if let kinds = filter.kinds, filter.ids == nil, filter.authors == nil, filter.tags.isEmpty, filter.since == nil, filter.until == nil {
            return try Archive.wrap {
                try pool.read { db in
                    try Int.fetchOne(
                        db, sql: "SELECT COALESCE(SUM(events), 0) FROM kind_tally WHERE kind IN (\(kinds.map { _ in "?" }.joined(separator: ",")))",
                        arguments: StatementArguments(kinds.map { Int64($0) })) ?? 0
                }
            }
        }
        let (sql, arguments) = EventQuery.select(filter, order: nil, columns: "COUNT(*)")
        return try Archive.wrap { try pool.read { db in try Int.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) ?? 0 } }
    }

    /// The relays an event was seen at, with the first time at each.
    public func relays(seeing id: EventID) throws -> [(url: String, seenAt: Int64)] {
        try Archive.wrap {
            try pool.read { db in
                guard let row = try KeyRuns.eventRows(db, ids: [id], filters: filters)[id] else { return [] }
                return try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT r.url, er.seen_at FROM event_relay er JOIN relay r ON r.id = er.relay
                        WHERE er.event = ? ORDER BY r.url
                        """), arguments: [row]
                ).map { ($0["url"], $0["seen_at"]) }
            }
        }
    }

    /// The relays in the archive, by URL: (url, network, discovered_at).
    public func relays() throws -> [(url: String, network: String, discoveredAt: Int64)] {
        try Archive.wrap {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT url, network, discovered_at FROM relay ORDER BY url").map {
                    ($0["url"], $0["network"], $0["discovered_at"])
                }
            }
        }
    }

    /// Calls `body` with every event matching `filter` (all events when nil), in the order
    /// they were archived. Streams: memory stays flat whatever the archive's size.
    public func forEachEvent(matching filter: Filter? = nil, _ body: (Event) throws -> Void) throws {
        let all = try filter ?? Filter()
        let (sql, arguments) = EventQuery.select(all, order: "e.rowid")
        try Archive.wrap {
            try pool.read { db in
                let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
                while let row = try rows.next() {
                    let event = try read(EventLocation(row))
                    if filter?.matches(event) ?? true { try body(event) }
                }
            }
        }
    }

    /// Counts and sizes. The counts are running totals the writer keeps (`tally`), so this
    /// costs the same whatever the archive's size.
    public func stats() throws -> ArchiveStats {
        let counts = try Archive.wrap {
            try pool.read { db in
                try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT name, value FROM tally").map { ($0["name"] as String, $0["value"] as Int) })
            }
        }
        let segments = try SegmentScanner.list(directory)
        let segmentBytes = try segments.reduce(Int64(0)) { $0 + (try RawFile($1.path, mode: .readOnly).size) }
        let indexBytes = [directory.indexFile, directory.indexFile + "-wal"].reduce(Int64(0)) { total, path in
            total + ((try? RawFile(path, mode: .readOnly).size) ?? 0)
        }
        return ArchiveStats(
            events: counts["events"] ?? 0, relays: counts["relays"] ?? 0, observations: counts["observations"] ?? 0,
            metadata: counts["metadata"] ?? 0, segments: segments.count,
            segmentBytes: segmentBytes, indexBytes: indexBytes)
    }

    /// Reads the event record at a location.
    func read(_ location: EventLocation) throws -> Event {
        let path = directory.segmentFile(location.segment)
        let payload = try frames.payload(location.frame) {
            try segmentReaders.frame(segment: location.segment, path: path, at: location.offset, length: location.length)
        }
        let record = try payload.withUnsafeBytes { buffer -> Record in
            guard (0..<buffer.count).contains(location.pos) else {
                throw ArchiveError(.inconsistent, "index points past the end of its frame", file: path, offset: location.offset)
            }
            var reader = ByteReader(buffer, at: location.pos)
            return try RecordCodec.read(&reader)
        }
        guard case .event(let event) = record else {
            throw ArchiveError(.inconsistent, "index points at a record that is not an event", file: path, offset: location.offset)
        }
        return event
    }
}

/// Where an event's record lives.
struct EventLocation {
    let frame: Int64
    let pos: Int
    let segment: UInt32
    let offset: Int64
    let length: Int
    let createdAt: Int64

    init(_ row: Row) {
        frame = row["frame"]
        pos = row["pos"]
        segment = UInt32(truncatingIfNeeded: row["segment"] as Int64)
        offset = row["offset"]
        length = row["length"]
        createdAt = row["created_at"] ?? 0
    }
}

/// Translates a NIP-01 filter into SQL over the index. Callers prepare it with
/// `cachedStatement`: the SQL depends only on the filter's shape (which fields, how many
/// values), and compiling the key subqueries costs more than running them.
enum EventQuery {
    /// Whether keys narrow `filter`: ids, authors, or a single-letter tag.
    static func isKeyed(_ filter: Filter) -> Bool {
        filter.ids != nil || filter.authors != nil || filter.tags.keys.contains { TagKey.letter($0) != nil }
    }

    /// For each author or tag condition of `filter`, a statement counting its keys' rows in
    /// the runs, up to `cap`: how heavy the condition is, at the cost of `cap` rows.
    static func keyCounts(_ filter: Filter, cap: Int) -> [(String, StatementArguments)] {
        func placeholders(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ",") }
        let head = "SELECT COUNT(*) FROM (SELECT 1 FROM event_key WHERE run IN (\(KeyRuns.allRuns)) AND key IN "
        var counts: [(String, StatementArguments)] = []
        if let authors = filter.authors {
            counts.append((
                head + "(SELECT \(IndexKey.authorSQL("id")) FROM pubkey WHERE key IN (\(placeholders(authors.count)))) LIMIT ?)",
                StatementArguments(authors.map { key in key.withUnsafeBytes { Data($0) } } + [cap])
            ))
        }
        for (name, values) in filter.tags.sorted(by: { $0.key < $1.key }) {
            guard let letter = TagKey.letter(name) else { continue }
            counts.append((head + "(\(placeholders(values.count))) LIMIT ?)", StatementArguments(values.map { TagKey.row(letter: letter, value: TagKey.key($0)) } + [cap])))
        }
        return counts
    }

    /// The SQL selecting `filter`'s candidates. Keys are looked up in every run, or in
    /// `runs` alone.
    static func select(_ filter: Filter, order: String?, columns: String? = nil, runs: [Int64]? = nil) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func placeholders(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ",") }
        // Ids, authors and tags narrow through their keys in the runs (KeyRuns).
        let keyed = "e.rowid IN (SELECT event FROM event_key WHERE run IN (\(runs.map { placeholders($0.count) } ?? KeyRuns.allRuns)) AND key IN "
        let runArguments: [(any DatabaseValueConvertible)?] = runs ?? []
        if let ids = filter.ids {
            conditions.append(keyed + "(\(placeholders(ids.count))))")
            arguments += runArguments
            arguments += ids.map { IndexKey.id($0) }
            conditions.append("e.id IN (\(placeholders(ids.count)))")
            arguments += ids.map { id in id.withUnsafeBytes { Data($0) } }
        }
        if let authors = filter.authors {
            conditions.append(keyed + "(SELECT \(IndexKey.authorSQL("id")) FROM pubkey WHERE key IN (\(placeholders(authors.count)))))")
            arguments += runArguments
            arguments += authors.map { key in key.withUnsafeBytes { Data($0) } }
        }
        if let kinds = filter.kinds {
            conditions.append("e.kind IN (\(placeholders(kinds.count)))")
            arguments += kinds.map { Int64($0) }
        }
        if let since = filter.since { conditions.append("e.created_at >= ?"); arguments.append(since) }
        if let until = filter.until { conditions.append("e.created_at <= ?"); arguments.append(until) }
        for (name, values) in filter.tags.sorted(by: { $0.key < $1.key }) {
            guard let letter = TagKey.letter(name) else { continue }
            conditions.append(keyed + "(\(placeholders(values.count))))")
            arguments += runArguments
            arguments += values.map { TagKey.row(letter: letter, value: TagKey.key($0)) }
        }
        let selected = columns ?? "e.frame, e.pos, e.created_at, f.segment, f.offset, f.length"
        var sql = "SELECT \(selected) FROM event e"
        if columns == nil { sql += " JOIN frame f ON f.id = e.frame" }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        if let order { sql += " ORDER BY \(order)" }
        return (sql, StatementArguments(arguments))
    }
}

extension Archive {
    /// A stage's operational state: every key and value it stored.
    public func state(service: String) throws -> [String: String] {
        try Archive.wrap {
            try pool.read { db in
                var values: [String: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT key, value FROM service_state WHERE service = ?", arguments: [service]) {
                    values[row["key"]] = row["value"]
                }
                return values
            }
        }
    }
}

extension Archive {
    /// Up to `limit` events archived after index position `position`, in archive order,
    /// each with its position: a reader that keeps the last position it saw (the Finder)
    /// resumes there and sees every event archived since, whatever its created_at.
    ///
    /// Positions follow segment order; `brotr reindex` assigns the same order again.
    public func events(after position: Int64, limit: Int) throws -> [(position: Int64, event: Event)] {
        try Archive.wrap {
            try pool.read { db in
                let rows = try Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT e.rowid AS position, e.frame, e.pos, e.created_at, f.segment, f.offset, f.length
                        FROM event e JOIN frame f ON f.id = e.frame WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?
                        """), arguments: [position, max(0, limit)])
                return try rows.map { (position: $0["position"], event: try read(EventLocation($0))) }
            }
        }
    }
}
