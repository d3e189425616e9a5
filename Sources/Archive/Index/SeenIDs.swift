import Nostr

/// Notices event ids that may have been seen before, in bounded memory: a Bloom filter
/// over the ids' own bytes (they are SHA-256 output, so they need no further hashing).
///
/// A reindex keeps one while it scans. Events written twice are rare, so an observation
/// of an event whose id was never flagged can go straight into the index: that event has
/// one row. Observations of flagged ids (every true repeat, and a few false alarms) wait
/// until the copies are known.
struct SeenIDs {
    private var bits: [UInt64]
    private let mask: UInt64

    /// - Parameter expected: about how many ids will be inserted; 16 bits each, within
    ///   64 KiB to 32 MiB. Past that the filter flags more ids, and still every repeat.
    init(expected: Int) {
        var size = 1 << 19
        while size < expected.multipliedReportingOverflow(by: 16).partialValue, size < 1 << 28 { size <<= 1 }
        bits = [UInt64](repeating: 0, count: size / 64)
        mask = UInt64(size - 1)
    }

    /// Records `id`, and returns whether all of its bits were set already: true for every
    /// id seen before, and for a few others.
    mutating func insert(_ id: EventID) -> Bool {
        let (w0, w1, w2) = id.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 8, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
             $0.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
        // Each call sets one bit and says whether it was set already; all three are set.
        let a = set(w0), b = set(w1), c = set(w2)
        return a && b && c
    }

    private mutating func set(_ word: UInt64) -> Bool {
        let bit = word & mask
        let slot = Int(bit >> 6), flag = UInt64(1) << (bit & 63)
        defer { bits[slot] |= flag }
        return bits[slot] & flag != 0
    }
}
