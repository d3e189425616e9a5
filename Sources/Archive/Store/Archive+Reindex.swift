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
    }

    /// Rebuilds `index.sqlite` from the segments alone: into a new file, then an atomic
    /// rename. Operational state (service_state) is carried over from the old index when it
    /// is readable. Takes the directory's lock.
    /// - Parameter progress: called after each segment with (bytes done, bytes total).
    public static func reindex(
        _ directory: DataDirectory, progress: (Int64, Int64) -> Void = { _, _ in }
    ) throws -> ReindexSummary {
        try requireDataDirectory(directory)
        let lock = try DirectoryLock(directory)
        defer { withExtendedLifetime(lock) {} }
        let fresh = directory.indexFile + ".reindex"
        for suffix in ["", "-wal", "-shm"] { unlink(fresh + suffix) }
        var renamed = false
        defer { if !renamed { for suffix in ["", "-wal", "-shm"] { unlink(fresh + suffix) } } }

        let files = try SegmentScanner.list(directory)
        let total = try files.reduce(Int64(0)) { $0 + (try RawFile($1.path, mode: .readOnly).size) }
        var summary = ReindexSummary()
        var done: Int64 = 0
        // The new index's pool lives in this scope only: it must be closed before the rename.
        do {
            let pool = try openIndex(at: fresh)
            let bulk = try BulkLoad(pool: pool)
            for (i, (number, path)) in files.enumerated() {
                let isLast = i == files.count - 1
                let scanner = try SegmentScanner(path: path)
                var offset = Int64(SegmentHeader.size)
                var pending: [SegmentWriter.WrittenFrame] = []
                func flush() throws {
                    guard !pending.isEmpty else { return }
                    try bulk.load(pending)
                    pending.removeAll()
                }
                scan: while true {
                    switch try scanner.step(at: offset) {
                    case .end: break scan
                    case .frame(let at, let length, let payload):
                        let items = try IndexItem.decode(frame: payload, file: path, offset: at)
                        let frame = SegmentWriter.WrittenFrame(segment: number, offset: at, length: length, items: items)
                        summary.records += frame.items.count
                        summary.events += frame.items.filter { if case .event = $0.item { true } else { false } }.count
                        pending.append(frame)
                        summary.frames += 1
                        offset = at + Int64(length)
                        if pending.count >= 64 { try flush() }
                    case .incomplete(let at), .invalid(let at, _):
                        guard isLast, try scanner.isTornTail(from: at) else {
                            throw ArchiveError(.corrupt, "damaged frame with data after it; see `brotr check`", file: path, offset: at)
                        }
                        summary.tornTailBytes = scanner.size - at
                        break scan
                    }
                }
                try flush()
                try pool.write { db in
                    try IndexWriter(db: db, caches: bulk.caches).ensureSegment(number, sealedSize: isLast ? nil : scanner.size)
                }
                summary.segments += 1
                done += scanner.size
                progress(done, total)
            }
            try bulk.finish()
            summary.keptState = try carryOverState(from: directory.indexFile, into: pool)
            _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        }
        for suffix in ["-wal", "-shm"] { unlink(directory.indexFile + suffix) }
        guard rename(fresh, directory.indexFile) == 0 else { throw RawFile.error("cannot rename the new index", fresh) }
        renamed = true
        for suffix in ["-wal", "-shm"] { unlink(fresh + suffix) }
        try RawFile.syncDirectory(directory.path)
        return summary
    }

    /// Copies service_state from an old index, if it exists and can be read.
    private static func carryOverState(from old: String, into pool: DatabasePool) throws -> Int {
        guard access(old, R_OK) == 0 else { return 0 }
        var config = Configuration()
        config.readonly = true
        guard let queue = try? DatabaseQueue(path: old, configuration: config),
            let rows = try? queue.read({ db in try Row.fetchAll(db, sql: "SELECT service, key, value, updated_at FROM service_state") })
        else { return 0 }
        try pool.write { db in
            for row in rows {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO service_state (service, key, value, updated_at) VALUES (?, ?, ?, ?)",
                    arguments: [row["service"], row["key"], row["value"], row["updated_at"]])
            }
        }
        return rows.count
    }
}
