import Crypto

/// One element of a negentropy set: an event's `created_at` and id. Elements are ordered
/// by time, then by id as bytes.
public struct NegentropyItem: Sendable, Hashable, Comparable {
    public let timestamp: UInt64
    public let id: EventID

    public init(timestamp: UInt64, id: EventID) {
        self.timestamp = timestamp
        self.id = id
    }

    public static func < (a: NegentropyItem, b: NegentropyItem) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.id < b.id
    }
}

/// A range's upper bound: a timestamp (`UInt64.max` for infinity) and an id prefix of up
/// to 32 bytes. An item is below the bound when its time is earlier, or equal with an id
/// below the prefix padded with zero bytes.
public struct NegentropyBound: Sendable, Hashable {
    public let timestamp: UInt64
    public let idPrefix: [UInt8]

    public init(timestamp: UInt64, idPrefix: [UInt8] = []) {
        self.timestamp = timestamp
        self.idPrefix = idPrefix
    }

    public static let infinity = NegentropyBound(timestamp: .max)

    /// Whether `item` sorts before this bound.
    func isAbove(_ item: NegentropyItem) -> Bool {
        if item.timestamp != timestamp { return item.timestamp < timestamp }
        return item.id.withUnsafeBytes { id in
            for i in 0..<32 {
                let b = i < idPrefix.count ? idPrefix[i] : 0
                if id[i] != b { return id[i] < b }
            }
            return false
        }
    }

    /// The shortest bound that sorts `previous` below it and `next` not: the time of
    /// `next` alone when the times differ, else `next`'s id up to the first byte in which
    /// the two differ.
    static func between(_ previous: NegentropyItem, _ next: NegentropyItem) -> NegentropyBound {
        guard previous.timestamp == next.timestamp else { return NegentropyBound(timestamp: next.timestamp) }
        let a = previous.id.bytes, b = next.id.bytes
        var shared = 0
        while shared < 32, a[shared] == b[shared] { shared += 1 }
        return NegentropyBound(timestamp: next.timestamp, idPrefix: Array(b.prefix(shared + 1)))
    }
}

/// The fingerprint of a set of ids: the first 16 bytes of SHA-256 over their sum as
/// 256-bit little-endian numbers (mod 2^256) followed by their count as a varint.
public struct NegentropyFingerprint: Sendable, Hashable {
    public let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }
}

/// A sorted set of items, as either side of a reconciliation holds it.
public struct NegentropySet: Sendable {
    public private(set) var items: [NegentropyItem]

    /// Sorts `items` and drops repeats.
    public init(_ items: [NegentropyItem]) {
        var sorted = items.sorted()
        var unique = 0
        for i in sorted.indices where i == 0 || sorted[i] != sorted[unique - 1] {
            sorted[unique] = sorted[i]
            unique += 1
        }
        sorted.removeLast(sorted.count - unique)
        self.items = sorted
    }

    public var count: Int { items.count }

    /// The first index at or after `start`, below `end`, whose item is not below `bound`.
    func lowerBound(_ start: Int, _ end: Int, _ bound: NegentropyBound) -> Int {
        var low = start, high = end
        while low < high {
            let mid = (low + high) / 2
            if bound.isAbove(items[mid]) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The fingerprint of the items in `range`.
    func fingerprint(_ range: Range<Int>) -> NegentropyFingerprint {
        var sum: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for i in range {
            items[i].id.withUnsafeBytes { raw in
                var carry: UInt64 = 0
                func add(_ word: inout UInt64, _ offset: Int) {
                    let value = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                    let (a, o1) = word.addingReportingOverflow(value)
                    let (b, o2) = a.addingReportingOverflow(carry)
                    word = b
                    carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
                }
                add(&sum.0, 0)
                add(&sum.1, 8)
                add(&sum.2, 16)
                add(&sum.3, 24)
            }
        }
        var input: [UInt8] = []
        input.reserveCapacity(42)
        for word in [sum.0, sum.1, sum.2, sum.3] { withUnsafeBytes(of: word.littleEndian) { input += $0 } }
        NegentropyVarint.append(UInt64(range.count), to: &input)
        return NegentropyFingerprint(bytes: Array(SHA256.hash(data: input).prefix(16)))
    }
}
