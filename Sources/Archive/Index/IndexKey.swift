import Nostr

/// The keys of `event_key` (``KeyRuns``). A key is 48 bits, so that SQLite stores it in six
/// bytes: bits 40-47 say what the key is of (1 an event id, 2 an author, an ASCII letter a
/// single-letter tag: ``TagKey``), the 40 bits below hold its value. Keys of different kinds
/// never collide, and sort kind by kind.
///
/// Values of ids and tags are their first 40 bits: two may share a key (among ten million
/// ids, about fifty pairs do), so whatever a key finds is confirmed against the event itself.
enum IndexKey {
    static let idTag: Int64 = 1
    static let authorTag: Int64 = 2
    /// Bits below the kind byte.
    static let valueBits: Int64 = 40

    /// The key of kind `tag` whose value is the top 40 bits of `bits`.
    static func make(_ tag: Int64, topBitsOf bits: Int64) -> Int64 {
        tag << valueBits | Int64(bitPattern: UInt64(bitPattern: bits) >> (64 - UInt64(valueBits)))
    }

    /// The first key of kind `tag`; every key of that kind is at or above it and below
    /// `first(tag + 1)`.
    static func first(_ tag: Int64) -> Int64 { tag << valueBits }

    /// An event id's key: its first 5 bytes.
    static func id(_ id: EventID) -> Int64 {
        id.withUnsafeBytes { make(idTag, topBitsOf: Int64(bigEndian: $0.loadUnaligned(as: Int64.self))) }
    }

    /// An author's key: the row of the pubkey in the `pubkey` table.
    static func author(_ pubkeyRow: Int64) -> Int64 {
        authorTag << valueBits | pubkeyRow & (1 << valueBits - 1)
    }

    /// The SQL for ``author(_:)`` of a pubkey row named `column`.
    static func authorSQL(_ column: String) -> String { "(\(first(authorTag)) | \(column))" }
}
