import Nostr

/// The keys of `event_key` (``KeyRuns``), one 64-bit integer each. The top byte says what
/// the key is of: 1 an event id, 2 an author, an ASCII letter a single-letter tag
/// (``TagKey``). Keys of different kinds never collide, and sort kind by kind.
enum IndexKey {
    static let idTag: Int64 = 1
    static let authorTag: Int64 = 2

    /// An event id's key: its first 7 bytes. Ids that share them share the key; the
    /// event row's full id tells them apart.
    static func id(_ id: EventID) -> Int64 {
        id.withUnsafeBytes { idTag << 56 | Int64(bigEndian: $0.loadUnaligned(as: Int64.self)) >> 8 & 0x00FF_FFFF_FFFF_FFFF }
    }

    /// An author's key: the row of the pubkey in the `pubkey` table.
    static func author(_ pubkeyRow: Int64) -> Int64 {
        authorTag << 56 | pubkeyRow & 0x00FF_FFFF_FFFF_FFFF
    }

    /// The SQL for ``author(_:)`` of a pubkey row named `column`.
    static func authorSQL(_ column: String) -> String { "(\(authorTag << 56) | \(column))" }
}
