import Nostr

/// What the index needs of an event record, decoded without building the event: no
/// strings for content or tags, tag keys computed from the raw bytes. Used by reindex,
/// where it replaces a full decode per event.
struct EventIndexEntry: Sendable {
    var id: EventID
    var pubkey: PublicKey
    var createdAt: Int64
    var kind: Int64
    /// (tag letter, key of the first value) for single-letter tags.
    var tags: [(letter: UInt8, key: Int64)]

    /// Decodes the event record body at `reader`. Structure is checked as the full
    /// decoder checks it; UTF-8 and signatures are left to `brotr check`.
    init(_ r: inout ByteReader) throws {
        var tags: [(letter: UInt8, key: Int64)] = []
        try self.init(&r) { tags.append(($0, $1)) }
        self.tags = tags
    }

    /// Decodes as ``init(_:)`` does, but hands each (letter, key) to `eachTag` instead of
    /// keeping them: a reindex sends tag rows straight to its sorter.
    init(_ r: inout ByteReader, eachTag: (UInt8, Int64) throws -> Void) throws {
        guard let id = EventID(rawBytes: try r.slice(32)), let pubkey = PublicKey(rawBytes: try r.slice(32)) else {
            throw ByteReader.Short()
        }
        _ = try r.slice(64)  // sig
        let createdAt = try r.varint(), kind = try r.varint()
        guard createdAt <= UInt64(Int64.max), kind <= 65535 else { throw ByteReader.Short() }
        self.id = id
        self.pubkey = pubkey
        self.createdAt = Int64(createdAt)
        self.kind = Int64(kind)
        self.tags = []
        let count = try r.varint()
        guard count <= UInt64(r.bytes.count) else { throw ByteReader.Short() }
        for _ in 0..<count {
            let n = try r.varint()
            var letter: UInt8?
            for element in 0..<n {
                let header = try r.varint()
                let raw: UnsafeRawBufferPointer
                if header == 1 {
                    raw = try r.slice(32)
                } else {
                    guard header & 1 == 0, header >> 1 <= UInt64(r.bytes.count) else { throw ByteReader.Short() }
                    raw = try r.slice(Int(header >> 1))
                }
                if element == 0, header == 2, let c = raw.first, (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) {
                    letter = c
                } else if element == 1, let letter {
                    try eachTag(letter, header == 1 ? TagKey.key(rawHex32: raw) : TagKey.key(utf8: raw))
                }
            }
        }
        let contentLength = try r.varint()
        guard contentLength <= UInt64(r.bytes.count) else { throw ByteReader.Short() }
        _ = try r.slice(Int(contentLength))
    }
}
