import Foundation
import GRDB
import Nostr

/// Applies segment records to the index inside one write transaction. The same code
/// serves the live write path, recovery replay and reindex, so an index rebuilt from the
/// segments has exactly the rows the live one had.
struct IndexWriter {
    let db: Database
    let caches: IndexCaches
    /// Where the runs written get their id filters (the live writer's; none in a reindex).
    var filters: RunFilters? = nil

    /// Registers a written frame and returns its id.
    func insertFrame(segment: UInt32, offset: Int64, length: Int) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO frame (segment, offset, length) VALUES (?, ?, ?)")
            .execute(arguments: [Int64(segment), offset, length])
        return db.lastInsertedRowID
    }

    func setWatermark(segment: UInt32, offset: Int64) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO watermark (id, segment, offset) VALUES (1, ?, ?)")
            .execute(arguments: [Int64(segment), offset])
    }

    func ensureSegment(_ number: UInt32, sealedSize: Int64?) throws {
        try db.cachedStatement(sql: """
            INSERT INTO segment (number, sealed_size) VALUES (?, ?)
            ON CONFLICT (number) DO UPDATE SET sealed_size = excluded.sealed_size
            """).execute(arguments: [Int64(number), sealedSize])
    }

    /// The row of an archived event, if any.
    func eventRow(_ id: EventID) throws -> Int64? {
        try KeyRuns.eventRows(db, ids: [id], filters: filters)[id]
    }

    func relayID(_ url: String) throws -> Int64? {
        if let id = caches.relays[url] { return id }
        let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM relay WHERE url = ?"), arguments: [url])
        if let id { caches.relays[url] = id }
        return id
    }

    func hasObservation(event: Int64, relay: Int64) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM event_relay WHERE event = ? AND relay = ?"), arguments: [event, relay]) ?? false
    }

    func pubkeyID(_ key: PublicKey) throws -> Int64 {
        if let id = caches.pubkeys[key] { return id }
        let blob = key.withUnsafeBytes { Data($0) }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO pubkey (key) VALUES (?)").execute(arguments: [blob])
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM pubkey WHERE key = ?"), arguments: [blob])
        else { throw ArchiveError(.index, "pubkey row missing after insert") }
        caches.remember(key, id)
        return id
    }

    /// Rows made while applying frames, kept until the frames are done.
    struct Pending {
        /// The events' keys (id, author, single-letter tags), written last as one run.
        var keys: [TagRow] = []
        /// Rows of the events inserted so far, so that their observations need no lookup.
        var rows: [EventID: Int64] = [:]
        /// Rows added to the tables whose totals `tally` keeps.
        var events = 0, observations = 0, relays = 0, metadata = 0
        /// Events added, by kind.
        var kinds: [Int64: Int] = [:]
        /// The latest created_at among the events added.
        var newestAt = Int64.min
    }

    /// Indexes one record found at (frame, pos). Repeated records (an event written twice
    /// across a crash, a relay announced again) leave the index as it was; `knownNew` skips
    /// that check for events the writer has just deduplicated.
    func apply(_ item: IndexItem, frame: Int64, pos: Int, knownNew: Bool, pending: inout Pending) throws {
        let record: Record
        switch item {
        case .event(let entry):
            if !knownNew, try pending.rows[entry.id] != nil || eventRow(entry.id) != nil { return }
            let author = try pubkeyID(entry.pubkey)
            let row = try insertEvent(entry, author: author, frame: frame, pos: pos)
            pending.rows[entry.id] = row
            pending.events += 1
            pending.kinds[entry.kind, default: 0] += 1
            pending.newestAt = max(pending.newestAt, entry.createdAt)
            pending.keys.append(TagRow(key: IndexKey.id(entry.id), event: row))
            pending.keys.append(TagRow(key: IndexKey.author(author), event: row))
            for (letter, key) in entry.tags { pending.keys.append(TagRow(letter: letter, value: key, event: row)) }
            return
        case .record(let r): record = r
        }
        switch record {
        case .event(let event):
            // A whole event (no decoder of this module makes one): index it as its encoding.
            try apply(try EncodedRecord(.event(event)).item, frame: frame, pos: pos, knownNew: knownNew, pending: &pending)
        case .observation(let id, let relay, let seenAt):
            guard let row = try pending.rows[id] ?? eventRow(id) else {
                throw ArchiveError(.inconsistent, "observation of event \(id.hex) before the event itself")
            }
            guard let relayID = try relayID(relay) else {
                throw ArchiveError(.inconsistent, "observation at relay \(relay) before the relay record")
            }
            try FastStatement(db, sql: "INSERT OR IGNORE INTO event_relay (event, relay, seen_at) VALUES (?, ?, ?)").run(row, relayID, seenAt)
            pending.observations += db.changesCount
        case .relay(let url, let network, let discoveredAt):
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO relay (url, network, discovered_at) VALUES (?, ?, ?)")
                .execute(arguments: [url, network.rawValue, discoveredAt])
            pending.relays += db.changesCount
        case .metadata(let metadata):
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO metadata (hash, type, data) VALUES (?, ?, ?)")
                .execute(arguments: [Data(metadata.hash.bytes), metadata.type.name, metadata.canonicalJSON])
            pending.metadata += db.changesCount
        case .relayMetadata(let relay, let type, let hash, let generatedAt, let values):
            guard let relayID = try relayID(relay) else {
                throw ArchiveError(.inconsistent, "metadata snapshot for relay \(relay) before the relay record")
            }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO relay_metadata (relay, type, generated_at, hash, data) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [relayID, type, generatedAt, Data(hash.bytes), values])
        }
    }

    /// Indexes every record of some written frames and advances the watermark past the
    /// last. The events' keys go in last, as one new run (``KeyRuns``); returns their number.
    @discardableResult
    /// `knownRows` are the rows of archived events the caller has already looked up (their
    /// observations then need no lookup).
    func apply(frames: [SegmentWriter.WrittenFrame], knownNew: Bool = false, knownRows: [EventID: Int64] = [:]) throws -> Int {
        var pending = Pending()
        pending.rows = knownRows
        for frame in frames {
            let id = try insertFrame(segment: frame.segment, offset: frame.offset, length: frame.length)
            for (item, pos) in frame.items { try apply(item, frame: id, pos: pos, knownNew: knownNew, pending: &pending) }
        }
        let keys = pending.keys.count
        try finish(&pending)
        if let last = frames.last { try setWatermark(segment: last.segment, offset: last.offset + Int64(last.length)) }
        return keys
    }

    /// Writes what `pending` holds back: the keys as a run, the totals.
    func finish(_ pending: inout Pending) throws {
        try KeyRuns.write(&pending.keys, newestAt: pending.newestAt, filters: filters, db)
        let totals = [("events", pending.events), ("observations", pending.observations), ("relays", pending.relays), ("metadata", pending.metadata)]
        for (name, added) in totals where added > 0 {
            try db.cachedStatement(sql: "UPDATE tally SET value = value + ? WHERE name = ?").execute(arguments: [added, name])
        }
        for (kind, added) in pending.kinds {
            try db.cachedStatement(sql: """
                INSERT INTO kind_tally (kind, events) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET events = events + excluded.events
                """).execute(arguments: [kind, added])
        }
    }

    /// Inserts an event row, returning its row id. Its keys are the caller's.
    func insertEvent(_ entry: EventIndexEntry, author: Int64, frame: Int64, pos: Int) throws -> Int64 {
        let insert = try FastStatement(db, sql: "INSERT INTO event (id, pubkey, created_at, kind, frame, pos) VALUES (?, ?, ?, ?, ?, ?)")
        try entry.id.withUnsafeBytes { id in
            try insert.run(.blob(id), .int(author), .int(entry.createdAt), .int(entry.kind), .int(frame), .int(Int64(pos)))
        }
        return db.lastInsertedRowID
    }

    func setServiceState(_ update: ServiceStateUpdate) throws {
        if let value = update.value {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO service_state (service, key, value, updated_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [update.service, update.key, value, update.updatedAt])
        } else {
            try db.cachedStatement(sql: "DELETE FROM service_state WHERE service = ? AND key = ?")
                .execute(arguments: [update.service, update.key])
        }
    }
}

/// Small caches of surrogate ids, bounded so that memory stays flat on big archives.
/// `@unchecked Sendable`: only the writer (one task at a time) touches it.
final class IndexCaches: @unchecked Sendable {
    var pubkeys: [PublicKey: Int64] = [:]
    var relays: [String: Int64] = [:]
    static let maxPubkeys = 200_000

    func remember(_ key: PublicKey, _ id: Int64) {
        if pubkeys.count >= Self.maxPubkeys { pubkeys.removeAll(keepingCapacity: true) }
        pubkeys[key] = id
    }
}

/// How tags become index keys. A value's key is the first 8 bytes of a 64-hex value's raw
/// bytes, or of the SHA-256 of any other value, as a signed 64-bit integer; a row's key
/// (``IndexKey``) puts the tag's letter above the value key's first 40 bits.
enum TagKey {
    /// The `event_key` key of a tag with this letter and first-value key (never negative:
    /// letters are ASCII). Schema 003 converts older rows with the same arithmetic.
    static func row(letter: UInt8, value: Int64) -> Int64 {
        IndexKey.make(Int64(letter), topBitsOf: value)
    }

    static func letter(_ name: String) -> UInt8? {
        guard name.utf8.count == 1, let c = name.utf8.first, (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) else {
            return nil
        }
        return c
    }

    static func key(_ value: String) -> Int64 {
        var raw: [UInt8] = []
        if Hex.appendBytes32(of: value, to: &raw) { return raw.withUnsafeBytes { key(rawHex32: $0) } }
        var value = value
        return value.withUTF8 { ContentDigest.sha256Prefix(UnsafeRawBufferPointer($0)) }
    }

    /// The key of a value stored as 32 raw bytes (it was 64 hex digits).
    static func key(rawHex32 raw: UnsafeRawBufferPointer) -> Int64 {
        Int64(bigEndian: raw.loadUnaligned(as: Int64.self))
    }

    /// The key of a value stored as UTF-8 bytes (never 64 lowercase hex digits: those are
    /// stored raw).
    static func key(utf8 raw: UnsafeRawBufferPointer) -> Int64 {
        ContentDigest.sha256Prefix(raw)
    }
}
