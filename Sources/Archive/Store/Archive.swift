import Foundation
import GRDB
import Glibc
import Nostr
public import Logging

/// An open data directory: segments plus index.
///
/// Open it read-write (one process at a time: it takes `DIR/lock`, replays frames the
/// index has not seen, and truncates a torn tail) or read-only (no lock, no recovery,
/// alongside a running writer). Reads go through a GRDB `DatabasePool`, so they never
/// block the writer.
public final class Archive: Sendable {
    public enum Mode: Sendable { case readWrite, readOnly }

    public let directory: DataDirectory
    /// The writer; nil when opened read-only.
    public let writer: ArchiveWriter?
    let pool: DatabasePool
    private let lock: DirectoryLock?
    let frames = FrameCache()
    /// Open segment files for point reads.
    let segmentReaders = SegmentReaders()
    /// The key runs' id filters, made by the writer, used by every id lookup.
    let filters: RunFilters

    private init(directory: DataDirectory, pool: DatabasePool, writer: ArchiveWriter?, lock: DirectoryLock?, filters: RunFilters = RunFilters()) {
        self.directory = directory
        self.pool = pool
        self.writer = writer
        self.lock = lock
        self.filters = filters
    }

    /// Opens (and when needed creates) an archive.
    /// - Throws: ``ArchiveError``: `locked` if another process writes here; `corrupt` or
    ///   `inconsistent`, naming file and offset, if recovery cannot proceed.
    public static func open(
        _ directory: DataDirectory, mode: Mode = .readWrite, configuration: ArchiveConfiguration = ArchiveConfiguration(),
        logger: Logger = Logger(label: "brotr.archive")
    ) throws -> Archive {
        switch mode {
        case .readOnly:
            try requireDataDirectory(directory)
            guard access(directory.indexFile, F_OK) == 0 else {
                throw ArchiveError(
                    .invalidRequest, "no index in \(directory.path) (not a brotr data directory, or run brotr reindex)",
                    file: directory.indexFile)
            }
            var config = Configuration()
            config.readonly = true
            // A writer's checkpoint can hold the WAL briefly: wait instead of failing.
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = \(mmapSize)") }
            let pool = try wrap { try DatabasePool(path: directory.indexFile, configuration: config) }
            try requireCurrentSchema(pool, file: directory.indexFile)
            return Archive(directory: directory, pool: pool, writer: nil, lock: nil)
        case .readWrite:
            try DirectoryListing.create(directory.segmentsDirectory)
            let lock = try DirectoryLock(directory)
            let pool = try openIndex(at: directory.indexFile)
            let (segment, size) = try Recovery(directory: directory, pool: pool, logger: logger).run()
            let segmentWriter = try SegmentWriter(
                directory: directory,
                configuration: .init(
                    maxSegmentBytes: configuration.maxSegmentBytes, maxFramePayload: configuration.maxFramePayload,
                    compressionLevel: configuration.compressionLevel),
                activeSegment: segment, size: size)
            let filters = RunFilters()
            return Archive(
                directory: directory, pool: pool, writer: ArchiveWriter(pool: pool, segments: segmentWriter, filters: filters, minFreeBytes: configuration.minFreeBytes), lock: lock,
                filters: filters)
        }
    }

    /// Fails unless `directory` holds a segments folder.
    static func requireDataDirectory(_ directory: DataDirectory) throws {
        guard access(directory.segmentsDirectory, F_OK) == 0 else {
            throw ArchiveError(
                .invalidRequest, "\(directory.path) is not a brotr data directory (it has no segments/ folder)",
                file: directory.path)
        }
    }

    /// How much of the index file reading connections map instead of reading: a lookup
    /// touches a few random pages of a large file, and a mapped page costs no system call
    /// and no copy. Mapped pages are the page cache's own (they count in RSS once touched, and the
    /// kernel reclaims them as it would cached file pages). SQLite caps it at its build's
    /// maximum, 2 GiB by default; past that the rest of the file is read as before.
    static let mmapSize: Int64 = 2_147_418_112

    /// Opens or creates an index file and brings its schema up to date. A new index is made
    /// beside it and renamed into place once its schema is committed, so that a failed
    /// first start (a full disk, an I/O error) leaves no half-made index behind.
    static func openIndex(at path: String) throws -> DatabasePool {
        if access(path, F_OK) != 0 {
            let fresh = path + ".new"
            for leftover in [fresh, fresh + "-journal", fresh + "-wal", fresh + "-shm"] { unlink(leftover) }
            try wrap {
                let queue = try DatabaseQueue(path: fresh)
                try migrate(queue)
                try queue.close()
            }
            guard rename(fresh, path) == 0 else { throw RawFile.error("cannot rename the new index to", path) }
            try RawFile.syncDirectory((path as NSString).deletingLastPathComponent)
        }
        var config = Configuration()
        config.prepareDatabase { db in
            // Segments are fsynced before the index commits and replayed after a crash, so
            // the index needs no fsync of its own per transaction.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -2048")  // 2 MiB per reader: mapped pages bypass it
            try db.execute(sql: "PRAGMA mmap_size = \(mmapSize)")
        }
        return try wrap {
            let pool = try DatabasePool(path: path, configuration: config)
            try migrate(pool)
            // The writer's connection gets twice the readers' page cache: its inserts land
            // across the B-trees, though keys go in as sorted runs, appended, and need little
            // (32 MiB made the import and sync no faster, and cost a third of the sync's
            // memory). It also checkpoints at 64 MiB of WAL, not SQLite's 4 MiB: a batch
            // rewrites pages across the tag index, and a page rewritten by many commits
            // between checkpoints is copied into the file once (import: a quarter fewer
            // writes, two thirds fewer reads).
            try pool.writeWithoutTransaction { db in
                // The writer reads whole runs when it merges them: mapped, every page of the
                // file would count in its RSS. It reads through its page cache instead.
                try db.execute(sql: "PRAGMA mmap_size = 0")
                try db.execute(sql: "PRAGMA cache_size = -4096")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
            }
            return pool
        }
    }

    /// Creates a new index file for a bulk load: one connection, no rollback journal (the
    /// file is thrown away if the load fails), so each page is written once rather than to
    /// the WAL and then again into the file. ``finishBulkIndex(_:)`` makes it a normal index.
    static func createBulkIndex(at path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
        }
        return try wrap {
            let queue = try DatabaseQueue(path: path, configuration: config)
            try migrate(queue)
            return queue
        }
    }

    /// Switches a bulk-loaded index to WAL mode (recorded in the file). The caller syncs the
    /// file once the connection is closed.
    static func finishBulkIndex(_ queue: DatabaseQueue) throws {
        try wrap {
            try queue.writeWithoutTransaction { db in
                guard try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") == "wal" else {
                    throw ArchiveError(.index, "the new index would not switch to WAL mode")
                }
            }
        }
    }

    /// A read-only open cannot migrate: an index an older brotr wrote must be brought up to
    /// date by a read-write open first.
    private static func requireCurrentSchema(_ pool: DatabasePool, file: String) throws {
        let applied = try wrap {
            try pool.read { db in
                try refuseNewerSchema(db, file: file)
                return try db.tableExists("grdb_migrations") ? Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")) : []
            }
        }
        let missing = IndexSchema.migrations.map(\.name).filter { !applied.contains($0) }
        guard missing.isEmpty else {
            throw ArchiveError(
                .invalidRequest,
                "the index predates schema \(missing.joined(separator: ", ")); open it once read-write (brotr serve or brotr import) to migrate it, or run brotr reindex",
                file: file)
        }
    }

    /// Migrates the index to this build's schema and records this build as its writer.
    /// - Throws: ``ArchiveError`` `unsupportedVersion` when the index holds migrations this
    ///   build does not know (a newer brotr wrote it): nothing is changed then.
    private static func migrate(_ writer: some DatabaseWriter) throws {
        let file = writer.path
        try writer.read { db in try refuseNewerSchema(db, file: file) }
        var migrator = DatabaseMigrator()
        for (name, sql) in IndexSchema.migrations {
            migrator.registerMigration(name) { db in
                db.add(function: idKeyFunction)
                try db.execute(sql: sql)
                if name == "003-key-runs" { try KeyRuns.setLevels(db) }
            }
        }
        try migrator.migrate(writer)
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = \(BrotrVersion.number)") }
    }

    /// Throws when the index holds migrations this build does not know, naming the version
    /// of brotr that last wrote it (`PRAGMA user_version`, which every read-write open sets)
    /// and what to do.
    static func refuseNewerSchema(_ db: Database, file: String) throws {
        guard try db.tableExists("grdb_migrations") else { return }
        let known = Set(IndexSchema.migrations.map(\.name))
        let unknown = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier").filter { !known.contains($0) }
        guard !unknown.isEmpty else { return }
        let writer = BrotrVersion.name(try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0)
        throw ArchiveError(
            .unsupportedVersion,
            "the index was written by \(writer.map { "brotr " + $0 } ?? "a newer brotr") (schema \(unknown.joined(separator: ", ")), "
                + "which brotr \(BrotrVersion.current) does not know): run that version or a newer one on this directory, "
                + "or rebuild the index for this one with `brotr reindex` (the segments hold every event)",
            file: file)
    }

    /// `brotr_id_key(id)`: ``IndexKey/id(_:)`` in SQL, for the migration that first makes
    /// id keys.
    private static let idKeyFunction = DatabaseFunction("brotr_id_key", argumentCount: 1, pure: true) { values in
        guard let data = Data.fromDatabaseValue(values[0]), let id = EventID(bytes: Array(data)) else { return nil }
        return IndexKey.id(id)
    }

    /// Runs `body`, turning SQLite errors into ``ArchiveError``.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ArchiveError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR {
            // The disk, not the index: the transaction was rolled back, and the same write
            // succeeds once there is room again.
            let what = error.resultCode == .SQLITE_FULL ? "no space left for the index" : "the index could not be read or written"
            throw ArchiveError(.io, "\(what) (SQLite: \(error.message ?? "\(error.resultCode)")); free space or fix the disk, and writing resumes")
        } catch let error as DatabaseError {
            throw ArchiveError(.index, "SQLite: \(error.message ?? "\(error.resultCode)")")
        }
    }
}
