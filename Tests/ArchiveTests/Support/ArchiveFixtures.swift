import BrotrTestSupport
import Foundation
import GRDB
import Glibc
import Nostr

@testable import Archive

extension TempDirectory {
    /// The directory as a data directory.
    var data: DataDirectory { DataDirectory(path: path) }
}

/// Deterministic, verified events from the corpus generator.
enum Corpus {
    /// `count` signed events of the corpus with `seed`, each verified (as the archive
    /// requires of what it is given).
    static func events(_ count: Int, seed: UInt64 = 1) throws -> [Event] {
        var generator = CorpusGenerator(seed: seed)
        let events = (0..<count).map { _ in generator.next() }
        for event in events { try event.verify() }
        return events
    }

    /// A loopback relay, as the tests use them (nothing ever connects).
    static func relay(_ n: Int) throws -> RelayURL {
        try RelayURL("ws://127.0.0.1:\(17000 + n)", allowLoopback: true)
    }
}

/// Errors of the test helpers themselves.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Opens an archive, runs `body`, and lets the archive go (closing the index and freeing
/// the lock) before returning.
@discardableResult
func withArchive<T>(
    _ directory: DataDirectory, mode: Archive.Mode = .readWrite, configuration: ArchiveConfiguration = ArchiveConfiguration(),
    _ body: (Archive) async throws -> T
) async throws -> T {
    let archive = try Archive.open(directory, mode: mode, configuration: configuration)
    return try await body(archive)
}

extension Archive {
    /// Writes one batch through the writer.
    @discardableResult
    func write(
        _ events: [Event], relay: RelayURL? = nil, seenAt: Int64 = 1_700_000_000, state: [ServiceStateUpdate] = []
    ) async throws -> BatchResult {
        guard let writer else { throw FixtureError("the archive is read-only") }
        return try await writer.write(EventBatch(events: events, relay: relay, seenAt: seenAt, stateUpdates: state))
    }

    /// Writes `events` in batches of `batchSize`.
    func write(_ events: [Event], batchSize: Int, relay: RelayURL? = nil, seenAt: Int64 = 1_700_000_000) async throws {
        var start = 0
        while start < events.count {
            let end = min(events.count, start + batchSize)
            try await write(Array(events[start..<end]), relay: relay, seenAt: seenAt)
            start = end
        }
    }

    /// Every event, in the order `forEachEvent` gives them.
    func allEvents() throws -> [Event] {
        var out: [Event] = []
        try forEachEvent { out.append($0) }
        return out
    }

    // Synchronous on purpose: in an async context GRDB's async `read` would be chosen.

    /// The `segment` table, by number.
    func segmentRows() throws -> [(number: Int64, sealedSize: Int64?)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT number, sealed_size FROM segment ORDER BY number").map {
                ($0["number"] as Int64, $0["sealed_size"] as Int64?)
            }
        }
    }

    /// The `frame` table, by id.
    func frameRows() throws -> [(id: Int64, segment: Int64, offset: Int64, length: Int64)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, segment, offset, length FROM frame ORDER BY id").map {
                ($0["id"] as Int64, $0["segment"] as Int64, $0["offset"] as Int64, $0["length"] as Int64)
            }
        }
    }

    /// One service_state value.
    func serviceState(_ service: String, _ key: String) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM service_state WHERE service = ? AND key = ?", arguments: [service, key])
        }
    }

    /// Every service_state row, as "service|key|value|updated_at", sorted.
    func serviceStateRows() throws -> [String] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT service, key, value, updated_at FROM service_state ORDER BY service, key").map {
                "\($0["service"] as String)|\($0["key"] as String)|\($0["value"] as String)|\($0["updated_at"] as Int64)"
            }
        }
    }

    /// The watermark row, if any.
    func watermark() throws -> (segment: Int64, offset: Int64)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT segment, offset FROM watermark WHERE id = 1").map {
                ($0["segment"] as Int64, $0["offset"] as Int64)
            }
        }
    }
}

/// The parts of ``ArchiveStats`` that depend on content only (the index's size on disk
/// depends on SQLite's page layout, which a rebuilt index need not share).
struct ContentStats: Equatable, CustomStringConvertible {
    var events, relays, observations, metadata, segments: Int
    var segmentBytes: Int64

    init(_ s: ArchiveStats) {
        events = s.events
        relays = s.relays
        observations = s.observations
        metadata = s.metadata
        segments = s.segments
        segmentBytes = s.segmentBytes
    }

    var description: String {
        "events \(events), relays \(relays), observations \(observations), metadata \(metadata), segments \(segments), segment bytes \(segmentBytes)"
    }
}

/// Small file helpers over Glibc, for damaging segments on purpose.
enum Files {
    static func size(_ path: String) throws -> Int64 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw FixtureError("cannot stat \(path)") }
        return Int64(st.st_size)
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw FixtureError("cannot read \(path)") }
        return [UInt8](data)
    }

    static func append(_ bytes: [UInt8], to path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else { throw FixtureError("cannot open \(path)") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
    }

    static func truncate(_ path: String, to size: Int64) throws {
        guard Glibc.truncate(path, off_t(size)) == 0 else { throw FixtureError("cannot truncate \(path)") }
    }

    /// XORs the byte at `offset` with `mask`.
    static func flip(_ path: String, at offset: Int64, mask: UInt8 = 0xFF) throws {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw FixtureError("cannot open \(path)") }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        guard let byte = try handle.read(upToCount: 1)?.first else { throw FixtureError("\(path) has no byte \(offset)") }
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data([byte ^ mask]))
    }

    static func remove(_ path: String) { unlink(path) }

    /// The index files (`index.sqlite`, `-wal`, `-shm`).
    static func removeIndex(_ directory: DataDirectory) {
        for suffix in ["", "-wal", "-shm"] { unlink(directory.indexFile + suffix) }
    }
}

/// Deterministic bytes.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
}
