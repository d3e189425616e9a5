import Nostr

/// Notices event ids that may have been seen before, in bounded memory: a Bloom filter
/// over the ids' own bytes (they are SHA-256 output, so they need no further hashing).
///
/// A reindex keeps one while it scans. Events written twice are rare, so rather than ask
/// the index which of all the events have copies, it asks only about the id prefixes this
/// filter flagged: every true repeat, and a few false alarms.
struct SeenIDs {
    private var bits: [UInt64]
    private let mask: UInt64
    /// The first 8 bytes of each id that may have been seen before, as `substr(id, 1, 8)`
    /// reads them; nil once there were more than the capacity (every id is then suspect).
    private(set) var suspects: [[UInt8]]? = []
    private let suspectCapacity: Int

    /// The most suspects kept by default: 1M, some 50 MiB. A filter flags that many only
    /// on an archive of tens of millions of events, where searching them all costs little
    /// more than searching the suspects.
    static let defaultSuspectCapacity = 1 << 20

    /// - Parameters:
    ///   - expected: about how many ids will be inserted; 16 bits each, within 64 KiB to
    ///     32 MiB. Past that the filter flags more ids, and answers stay exact.
    ///   - suspectCapacity: how many suspects to keep before giving up on the list.
    init(expected: Int, suspectCapacity: Int = SeenIDs.defaultSuspectCapacity) {
        var size = 1 << 19
        while size < expected.multipliedReportingOverflow(by: 16).partialValue, size < 1 << 28 { size <<= 1 }
        bits = [UInt64](repeating: 0, count: size / 64)
        mask = UInt64(size - 1)
        self.suspectCapacity = suspectCapacity
    }

    /// Records `id`, and notes its prefix as a suspect when all of its bits were set already.
    mutating func insert(_ id: EventID) {
        let (w0, w1, w2) = id.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 8, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
             $0.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
        // Each call sets one bit and says whether it was set already; all three are set.
        let a = set(w0), b = set(w1), c = set(w2)
        guard a && b && c, suspects != nil else { return }
        if suspects?.count ?? 0 >= suspectCapacity {
            suspects = nil
        } else {
            suspects?.append(Array(id.bytes.prefix(8)))
        }
    }

    private mutating func set(_ word: UInt64) -> Bool {
        let bit = word & mask
        let slot = Int(bit >> 6), flag = UInt64(1) << (bit & 63)
        defer { bits[slot] |= flag }
        return bits[slot] & flag != 0
    }
}
