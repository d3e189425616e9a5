import GRDB
import GRDBSQLite

/// The id keys (``IndexKey/id(_:)``) of every archived event, as a Bloom filter the writer
/// keeps in memory. A new event's id is looked up in every key run (one B-tree seek each)
/// only when the filter may hold its key; most ids in a batch are new, and skip that. A
/// filter never forgets a key it was given, so a duplicate is always looked up.
///
/// One byte per key it is sized for, three bits set per key: about 3% of new ids are looked
/// up anyway when it is full, fewer before. It is built by reading the id keys of the
/// ready runs, and built again, larger, once the archive has grown by half.
struct IDKeyFilter {
    private var bits: [UInt64]
    /// The number of bits.
    private let size: UInt64
    /// Keys inserted since it was built.
    private(set) var count = 0
    /// Keys it is sized for; past that it should be built again.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1 << 16)
        size = UInt64(self.capacity) * 8
        bits = [UInt64](repeating: 0, count: Int(size / 64) + 1)
    }

    /// Three bit positions from the key's 56 random bits (an id's own bytes), each mixed
    /// and scaled to the filter's size (a multiply and a shift, no division).
    private func positions(_ key: Int64) -> (UInt64, UInt64, UInt64) {
        let k = UInt64(bitPattern: key)
        func scaled(_ h: UInt64) -> UInt64 { h.multipliedFullWidth(by: size).high }
        return (scaled(k &* 0x9E37_79B9_7F4A_7C15), scaled(k &* 0xC2B2_AE3D_27D4_EB4F), scaled(k &* 0x1656_67B1_9E37_79F9))
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

    /// A filter holding the id key of every event in the ready runs, with room for half as
    /// many again (1.5 bytes per archived event: 7.5 MB at 5M events).
    static func build(_ db: Database) throws -> IDKeyFilter {
        let events = try Int.fetchOne(db, sql: "SELECT value FROM tally WHERE name = 'events'") ?? 0
        var filter = IDKeyFilter(capacity: max(events + events / 2, 1 << 20))
        let handle = try db.cachedStatement(sql: "SELECT key FROM event_key WHERE run IN (\(KeyRuns.readyRuns)) AND key >= ? AND key < ?")
            .sqliteStatement
        sqlite3_bind_int64(handle, 1, IndexKey.idTag << 56)
        sqlite3_bind_int64(handle, 2, (IndexKey.idTag + 1) << 56)
        defer { sqlite3_reset(handle) }
        try KeyRuns.step(handle) { filter.insert(sqlite3_column_int64(handle, 0)) }
        return filter
    }
}
