import GRDB
import GRDBSQLite

/// The id keys (``IndexKey/id(_:)``) of one key run, as a Bloom filter: an id is looked up
/// in a run (one B-tree seek) only when the run's filter may hold its key. Most ids a writer
/// checks are new, and most runs do not hold an id a reader asks for; both skip the seek.
/// A filter never forgets a key it was given.
///
/// Twelve bits per key it is sized for and four bits set per key: about 0.6% of the keys it
/// does not hold pass when it is full.
struct IDKeyFilter: Sendable {
    private var bits: [UInt64]
    /// The number of bits.
    private let size: UInt64

    init(capacity: Int) {
        size = UInt64(max(capacity, 64)) * 12
        bits = [UInt64](repeating: 0, count: Int(size / 64) + 1)
    }

    /// Four bit positions from the key's 40 random bits (an id's own bytes), each mixed and
    /// scaled to the filter's size (a multiply and a shift, no division).
    private func positions(_ key: Int64) -> (UInt64, UInt64, UInt64, UInt64) {
        let k = UInt64(bitPattern: key)
        func scaled(_ h: UInt64) -> UInt64 { h.multipliedFullWidth(by: size).high }
        return (
            scaled(k &* 0x9E37_79B9_7F4A_7C15), scaled(k &* 0xC2B2_AE3D_27D4_EB4F), scaled(k &* 0x1656_67B1_9E37_79F9),
            scaled(k &* 0xD6E8_FEB8_6659_FD93)
        )
    }

    mutating func insert(_ key: Int64) {
        let (a, b, c, d) = positions(key)
        bits[Int(a >> 6)] |= 1 << (a & 63)
        bits[Int(b >> 6)] |= 1 << (b & 63)
        bits[Int(c >> 6)] |= 1 << (c & 63)
        bits[Int(d >> 6)] |= 1 << (d & 63)
    }

    func mayContain(_ key: Int64) -> Bool {
        let (a, b, c, d) = positions(key)
        return bits[Int(a >> 6)] & (1 << (a & 63)) != 0 && bits[Int(b >> 6)] & (1 << (b & 63)) != 0
            && bits[Int(c >> 6)] & (1 << (c & 63)) != 0 && bits[Int(d >> 6)] & (1 << (d & 63)) != 0
    }

    /// A filter of the id keys run `run` holds, with room for `capacity`.
    static func build(_ db: Database, run: Int64, capacity: Int) throws -> IDKeyFilter {
        var filter = IDKeyFilter(capacity: capacity)
        let handle = try db.cachedStatement(sql: "SELECT key FROM event_key WHERE run = ? AND key >= ? AND key < ?").sqliteStatement
        sqlite3_bind_int64(handle, 1, run)
        sqlite3_bind_int64(handle, 2, IndexKey.first(IndexKey.idTag))
        sqlite3_bind_int64(handle, 3, IndexKey.first(IndexKey.idTag + 1))
        defer { sqlite3_reset(handle) }
        try KeyRuns.step(handle) { filter.insert(sqlite3_column_int64(handle, 0)) }
        return filter
    }
}
