import GRDB
import GRDBSQLite

/// The id keys (``IndexKey/id(_:)``) of every archived event, as a Bloom filter the writer
/// keeps in memory. A new event's id is looked up in every key run (one B-tree seek each)
/// only when the filter may hold its key; most ids in a batch are new, and skip that. A
/// filter never forgets a key it was given, so a duplicate is always looked up.
///
/// One byte per key it is sized for, three bits set per key: about 3% of new ids are looked
/// up anyway when it is full, fewer before. It is built by reading the id keys of the
/// ready runs, and built again, larger, once the archive has outgrown it.
struct IDKeyFilter {
    private var bits: [UInt64]
    private let mask: UInt64
    /// Keys inserted since it was built.
    private(set) var count = 0
    /// Keys it is sized for; past that it should be built again.
    let capacity: Int

    init(capacity: Int) {
        var size = 1 << 23  // 1 MiB at least
        while size < capacity.multipliedReportingOverflow(by: 8).partialValue, size < 1 << 36 { size <<= 1 }
        bits = [UInt64](repeating: 0, count: size / 64)
        mask = UInt64(size - 1)
        self.capacity = size / 8
    }

    /// Three bit positions from the key's 56 random bits (an id's own bytes).
    private func positions(_ key: Int64) -> (UInt64, UInt64, UInt64) {
        let k = UInt64(bitPattern: key)
        return ((k &* 0x9E37_79B9_7F4A_7C15) >> 20 & mask, (k &* 0xC2B2_AE3D_27D4_EB4F) >> 20 & mask, (k &* 0x1656_67B1_9E37_79F9) >> 20 & mask)
    }

    mutating func insert(_ key: Int64) {
        let (a, b, c) = positions(key)
        bits[Int(a >> 6)] |= 1 << (a & 63)
        bits[Int(b >> 6)] |= 1 << (b & 63)
        bits[Int(c >> 6)] |= 1 << (c & 63)
        count += 1
    }

    func mayContain(_ key: Int64) -> Bool {
        let (a, b, c) = positions(key)
        return bits[Int(a >> 6)] & (1 << (a & 63)) != 0 && bits[Int(b >> 6)] & (1 << (b & 63)) != 0
            && bits[Int(c >> 6)] & (1 << (c & 63)) != 0
    }

    /// A filter holding the id key of every event in the ready runs, with room for as many
    /// again.
    static func build(_ db: Database) throws -> IDKeyFilter {
        let events = try Int.fetchOne(db, sql: "SELECT value FROM tally WHERE name = 'events'") ?? 0
        var filter = IDKeyFilter(capacity: max(2 * events, 1 << 20))
        let handle = try db.cachedStatement(sql: "SELECT key FROM event_key WHERE run IN (\(KeyRuns.readyRuns)) AND key >= ? AND key < ?")
            .sqliteStatement
        sqlite3_bind_int64(handle, 1, IndexKey.idTag << 56)
        sqlite3_bind_int64(handle, 2, (IndexKey.idTag + 1) << 56)
        defer { sqlite3_reset(handle) }
        try KeyRuns.step(handle) { filter.insert(sqlite3_column_int64(handle, 0)) }
        return filter
    }
}
