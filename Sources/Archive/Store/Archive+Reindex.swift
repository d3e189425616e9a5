import Foundation
import GRDB
import Glibc
import Nostr

extension Archive {
    /// What a reindex did.
    public struct ReindexSummary: Sendable {
        public var segments = 0
        public var frames = 0
        public var events = 0
        public var records = 0
        /// Service state rows carried over from the old index.
        public var keptState = 0
        /// Bytes of a torn tail left for the next open to cut.
        public var tornTailBytes: Int64 = 0
        /// Seconds spent rebuilding the analytics tables, the last step, from the new index.
        public var analyticsSeconds = 0.0
    }

    /// Rebuilds `index.sqlite` from the segments alone: into a new file, then an atomic
    /// rename. Operational state (service_state) is carried over from the old index when it
    /// is readable. Takes the directory's lock.
    /// The analytics tables are rebuilt too, their rolling windows placed at `now` (Unix
    /// seconds; the current time when nil).
    /// - Parameter progress: called after each segment with (bytes done, bytes total).
    public static func reindex(
        _ directory: DataDirectory, now: Int64? = nil, progress: (Int64, Int64) -> Void = { _, _ in }
    ) throws -> ReindexSummary {
        try reindex(directory, sortCapacity: TagSorter.defaultCapacity, now: now, progress: progress)
    }

    /// ``reindex(_:progress:)`` with the tag sorter's memory bound in rows (tests make it
    /// small, so that the sort spills to run files).
    static func reindex(
        _ directory: DataDirectory, sortCapacity: Int, now: Int64? = nil, progress: (Int64, Int64) -> Void = { _, _ in }
    ) throws -> ReindexSummary {
        try requireDataDirectory(directory)
        let lock = try DirectoryLock(directory)
        defer { withExtendedLifetime(lock) {} }
        let fresh = directory.indexFile + ".reindex"
        for suffix in ["", "-wal", "-shm"] { unlink(fresh + suffix) }
        // Sort runs left by a reindex that was killed.
        let runs = ["-tags.", "-authors."].map { (fresh as NSString).lastPathComponent + $0 }
        for name in try DirectoryListing.names(directory.path) where runs.contains(where: name.hasPrefix) { unlink(directory.path + "/" + name) }
        var renamed = false
        defer { if !renamed { for suffix in ["", "-wal", "-shm"] { unlink(fresh + suffix) } } }

        let files = try SegmentScanner.list(directory)
        let total = try files.reduce(Int64(0)) { $0 + (try RawFile($1.path, mode: .readOnly).size) }
        var summary = ReindexSummary()
        var done: Int64 = 0
        // The new index's connection lives in this scope only: it must be closed before the rename.
        do {
            let pool = try createBulkIndex(at: fresh)
            // Authors are a tenth of the keys: a quarter of the tags' memory is plenty.
            let bulk = try BulkLoad(pool: pool, authorRuns: fresh + "-authors", sortCapacity: max(1, sortCapacity / 4))
            // Segments are read and decoded on a thread of their own, which also numbers and
            // collects the tag rows and sorts them while this thread builds the other indexes.
            let handoff = Handoff<ScanStep>(capacity: 4)
            let tags = TagSorter(runPrefix: fresh + "-tags", capacity: sortCapacity)
            let firstRow = bulk.firstRow
            let seen = SeenIDs(expected: Int(total / 500))  // segments hold over 500 B/event
            let scan = Thread { scanSegments(files, seen: seen, tags: tags, firstRow: firstRow, into: handoff) }
            scan.start()
            defer { handoff.close() }
            load: while let step = handoff.take() {
                switch step {
                case .frames(let frames, let repeats):
                    try bulk.load(frames, repeats: repeats)
                    summary.frames += frames.count
                    summary.records += frames.reduce(0) { $0 + $1.items.count }
                case .segmentEnd(let number, let size, let isLast, let tornTail):
                    try pool.write { db in
                        try IndexWriter(db: db, caches: bulk.caches).ensureSegment(number, sealedSize: isLast ? nil : size)
                    }
                    summary.tornTailBytes = tornTail
                    summary.segments += 1
                    done += size
                    progress(done, total)
                case .scanned:
                    break load
                case .failed(let error):
                    throw error
                case .sorted:
                    throw ArchiveError(.inconsistent, "reindex: the segment scan ended out of order")
                }
            }
            try bulk.finish(keys: {
                switch handoff.take() {
                case .sorted(let events, let sorter):
                    // The scan numbered tag rows by counting events; the load must have agreed.
                    guard firstRow + events == bulk.nextRow else {
                        throw ArchiveError(.inconsistent, "reindex: tag rows and event rows are numbered differently")
                    }
                    summary.events = Int(events)
                    return sorter
                case .failed(let error): throw error
                default: throw ArchiveError(.inconsistent, "reindex: the segment scan ended without its tag rows")
                }
            })
            summary.keptState = try carryOverState(from: directory.indexFile, into: pool)
            let time = now ?? Int64(Date().timeIntervalSince1970)
            let started = ContinuousClock.now
            try pool.write { db in _ = try AnalyticsRefresh(db: db, directory: directory, now: time).run(full: true) }
            summary.analyticsSeconds = (ContinuousClock.now - started).seconds
            try finishBulkIndex(pool)
        }
        // The load wrote without syncing: the new index is durable before it takes the old one's place.
        try RawFile(fresh, mode: .readOnly).sync()
        for suffix in ["-wal", "-shm"] { unlink(directory.indexFile + suffix) }
        guard rename(fresh, directory.indexFile) == 0 else { throw RawFile.error("cannot rename the new index", fresh) }
        renamed = true
        for suffix in ["-wal", "-shm"] { unlink(fresh + suffix) }
        try RawFile.syncDirectory(directory.path)
        return summary
    }

    /// What the scanning thread hands the loader.
    private enum ScanStep {
        /// Some decoded frames, in segment order, and the ids of their events that may
        /// have been written before.
        case frames([SegmentWriter.WrittenFrame], repeats: Set<EventID>)
        /// A segment was read to its end (a torn tail of the newest one is left to the next open).
        case segmentEnd(number: UInt32, size: Int64, isLast: Bool, tornTail: Int64)
        /// Every frame was handed over.
        case scanned
        /// The tag rows of `events` events, sorted.
        case sorted(events: Int64, TagSorter)
        case failed(any Error)
    }

    /// Reads and decodes every frame of `files` into `handoff`; collects the tag rows,
    /// numbering events from `firstRow` as the load does, and sorts them; then closes the
    /// handoff. Stops early when the loader closes it (the load failed).
    private static func scanSegments(
        _ files: [(number: UInt32, path: String)], seen: SeenIDs, tags: TagSorter, firstRow: Int64,
        into handoff: Handoff<ScanStep>
    ) {
        defer { handoff.close() }
        var row = firstRow
        var seen = seen
        var frameTags: [TagRow] = []
        do {
            for (i, (number, path)) in files.enumerated() {
                let isLast = i == files.count - 1
                let scanner = try SegmentScanner(path: path)
                var offset = Int64(SegmentHeader.size)
                var pending: [SegmentWriter.WrittenFrame] = []
                var repeats: Set<EventID> = []
                var tornTail: Int64 = 0
                scan: while true {
                    switch try scanner.step(at: offset) {
                    case .end: break scan
                    case .frame(let at, let length, let payload):
                        let first = row
                        frameTags.removeAll(keepingCapacity: true)
                        let items = try IndexItem.decode(frame: payload, file: path, offset: at) { event, letter, key in
                            frameTags.append(TagRow(letter: letter, value: key, event: first + Int64(event)))
                        }
                        for (item, _) in items {
                            guard case .event(let entry) = item else { continue }
                            frameTags.append(TagRow(key: IndexKey.id(entry.id), event: row))
                            row += 1
                            if seen.insert(entry.id) { repeats.insert(entry.id) }
                        }
                        try tags.append(contentsOf: frameTags)
                        pending.append(SegmentWriter.WrittenFrame(segment: number, offset: at, length: length, items: items))
                        offset = at + Int64(length)
                        if pending.count >= 64 {
                            guard handoff.put(.frames(pending, repeats: repeats)) else { return }
                            pending.removeAll()
                            repeats.removeAll()
                        }
                    case .incomplete(let at), .invalid(let at, _):
                        guard isLast, try scanner.isTornTail(from: at) else {
                            throw ArchiveError(.corrupt, "damaged frame with data after it; see `brotr check`", file: path, offset: at)
                        }
                        tornTail = scanner.size - at
                        break scan
                    }
                }
                if !pending.isEmpty { guard handoff.put(.frames(pending, repeats: repeats)) else { return } }
                guard handoff.put(.segmentEnd(number: number, size: scanner.size, isLast: isLast, tornTail: tornTail)) else { return }
            }
            guard handoff.put(.scanned) else { return }
            try tags.prepare()
            handoff.put(.sorted(events: row - firstRow, tags))
        } catch {
            handoff.put(.failed(error))
        }
    }

    /// Copies service_state and relay_state (by relay URL) from an old index, if it exists
    /// and can be read; the values an index before schema 004 kept as Synchronizer state
    /// become relay state, as the migration makes them. Cursors are kept as they were.
    private static func carryOverState(from old: String, into pool: some DatabaseWriter) throws -> Int {
        guard access(old, R_OK) == 0 else { return 0 }
        var config = Configuration()
        config.readonly = true
        guard let queue = try? DatabaseQueue(path: old, configuration: config),
            let rows = try? queue.read({ db in try Row.fetchAll(db, sql: "SELECT service, key, value, updated_at FROM service_state") })
        else { return 0 }
        // nil: the old index predates schema 004 (or its relay state cannot be read).
        let relayRows = try? queue.read { db in
            try db.tableExists("relay_state") ? try Row.fetchAll(db, sql: "SELECT r.url, s.* FROM relay_state s JOIN relay r ON r.id = s.relay") : nil
        }
        try pool.write { db in
            for row in rows {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO service_state (service, key, value, updated_at) VALUES (?, ?, ?, ?)",
                    arguments: [row["service"], row["key"], row["value"], row["updated_at"]])
            }
            guard let relayRows else {
                try db.execute(sql: IndexSchema.relayStateFromServiceState)
                return
            }
            for row in relayRows {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO relay_state (relay, sync_through, until_exclusive, page_cap, confirmed_page, ignores_limit,
                            unordered, requires_auth, insecure, checked_at, nip77, check_failures)
                        SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM relay WHERE url = ?
                        """,
                    arguments: [
                        row["sync_through"], row["until_exclusive"], row["page_cap"], row["confirmed_page"], row["ignores_limit"],
                        row["unordered"], row["requires_auth"], row["insecure"], row["checked_at"], row["nip77"],
                        (row["check_failures"] as Int?) ?? 0, row["url"],
                    ])
            }
        }
        return rows.count + (relayRows?.count ?? 0)
    }
}
