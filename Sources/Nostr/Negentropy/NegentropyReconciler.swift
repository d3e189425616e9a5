/// NIP-77 set reconciliation (negentropy protocol version 1) over a sorted set, as the
/// initiator (a client syncing from a relay) or the responder (what a relay does). No I/O:
/// messages in, messages out.
///
/// The initiator opens with its whole set split in 16 fingerprinted ranges (a list of ids
/// when it holds fewer than 32). Each side answers a range whose fingerprint differs from
/// its own by splitting it the same way, and a small range by its ids; equal ranges are
/// skipped. The initiator learns, from the id lists, which ids only it has (`have`) and
/// which only the responder has (`need`), and is done when it has nothing left to send.
///
/// Frames are bounded: a message that would pass `frameLimit` bytes stops there and ends
/// with one fingerprint over everything after, which the next round splits again.
public struct NegentropyReconciler: Sendable {
    public let set: NegentropySet
    /// The most bytes of one message this side writes (0: no limit; otherwise 4096 or more).
    public let frameLimit: Int

    /// Ranges are split in this many parts.
    static let buckets = 16

    /// - Throws: ``NostrError`` (`invalidMessage`) for a frame limit under 4096 bytes
    ///   (other than 0), too small to carry a split range.
    public init(set: NegentropySet, frameLimit: Int = 0) throws {
        guard frameLimit == 0 || frameLimit >= 4096 else {
            throw NostrError(.invalidMessage, "negentropy: a frame limit must be 0 or at least 4096 bytes, got \(frameLimit)")
        }
        self.set = set
        self.frameLimit = frameLimit
    }

    /// The initiator's first message.
    public func initiate() -> [UInt8] {
        var writer = NegentropyMessage.Writer()
        for range in split(0..<set.count, upper: .infinity) { writer.append(range) }
        return writer.bytes
    }

    /// One round for the initiator: reads the responder's message, adds to `have` the ids
    /// only this side holds and to `need` those only the responder holds, and returns the
    /// next message, or nil when the sets are reconciled.
    /// - Throws: ``NostrError`` (`invalidMessage`) for a malformed message or a protocol
    ///   version other than 1 (the responder's one-byte answer to a version it lacks).
    public func reconcile(_ message: [UInt8], have: inout [EventID], need: inout [EventID]) throws -> [UInt8]? {
        switch try NegentropyMessage.decode(message) {
        case .otherVersion(let version):
            throw NostrError(.invalidMessage, "negentropy: the responder speaks protocol version 0x\(String(version, radix: 16)), not 0x61")
        case .ranges(let ranges):
            let output = process(ranges, initiator: true, have: &have, need: &need)
            return output.count > 1 ? output : nil
        }
    }

    /// The responder's answer to a message: one byte, this side's version, when the
    /// message is of another version (as NIP-77 says).
    /// - Throws: ``NostrError`` (`invalidMessage`) for a malformed message.
    public func respond(_ message: [UInt8]) throws -> [UInt8] {
        switch try NegentropyMessage.decode(message) {
        case .otherVersion: return [NegentropyMessage.version]
        case .ranges(let ranges):
            var have: [EventID] = [], need: [EventID] = []
            return process(ranges, initiator: false, have: &have, need: &need)
        }
    }

    private func exceeds(_ size: Int) -> Bool { frameLimit != 0 && size > frameLimit - 200 }

    private func process(_ ranges: [NegentropyMessage.Range], initiator: Bool, have: inout [EventID], need: inout [EventID]) -> [UInt8] {
        var writer = NegentropyMessage.Writer()
        var previousIndex = 0
        var previousBound = NegentropyBound(timestamp: 0)
        // Skipped ranges are written as one, just before the next range that says something.
        var skipping = false
        // Where the ranges written so far end: a closing fingerprint covers what follows.
        var writtenIndex = 0
        let items = set.items
        for range in ranges {
            var output: [NegentropyMessage.Range] = []
            func flushSkip() {
                if skipping {
                    skipping = false
                    output.append(NegentropyMessage.Range(upper: previousBound, payload: .skip))
                }
            }
            let lower = previousIndex
            var upper = set.lowerBound(previousIndex, items.count, range.upper)
            var truncated = false
            switch range.payload {
            case .skip:
                skipping = true
            case .fingerprint(let theirs):
                if theirs == set.fingerprint(lower..<upper) {
                    skipping = true
                } else {
                    flushSkip()
                    output += split(lower..<upper, upper: range.upper)
                }
            case .ids(let theirs):
                if initiator {
                    let theirSet = Set(theirs)
                    var ours = Set<EventID>()
                    for item in items[lower..<upper] {
                        ours.insert(item.id)
                        if !theirSet.contains(item.id) { have.append(item.id) }
                    }
                    var listed = Set<EventID>()
                    for id in theirs where !ours.contains(id) && listed.insert(id).inserted { need.append(id) }
                    skipping = true
                } else {
                    flushSkip()
                    // This side's ids for the range, as many as the frame holds; the rest
                    // is then covered by the closing fingerprint below.
                    var ids: [EventID] = []
                    var end = range.upper
                    let pending = writer.count + output.reduce(0) { $0 + writer.size(of: $1) } + 80
                    for index in lower..<upper {
                        if exceeds(pending + 32 * ids.count) {
                            end = NegentropyBound(timestamp: items[index].timestamp, idPrefix: items[index].id.bytes)
                            upper = index
                            truncated = true
                            break
                        }
                        ids.append(items[index].id)
                    }
                    output.append(NegentropyMessage.Range(upper: end, payload: .ids(ids)))
                }
            }
            var probe = writer
            for range in output { probe.append(range) }
            if truncated {
                // The ids that fit, then one fingerprint over the rest.
                probe.append(NegentropyMessage.Range(upper: .infinity, payload: .fingerprint(set.fingerprint(upper..<items.count))))
                return probe.bytes
            }
            if exceeds(probe.count) {
                // Nothing of this range is said: the closing fingerprint covers it, the
                // skipped ranges before it, and all after.
                writer.append(NegentropyMessage.Range(upper: .infinity, payload: .fingerprint(set.fingerprint(writtenIndex..<items.count))))
                return writer.bytes
            }
            writer = probe
            if !output.isEmpty { writtenIndex = upper }
            previousIndex = upper
            previousBound = range.upper
        }
        return writer.bytes
    }

    /// `range` as 16 fingerprinted parts, or as its ids when it holds fewer than 32.
    private func split(_ range: Range<Int>, upper: NegentropyBound) -> [NegentropyMessage.Range] {
        let items = set.items
        let count = range.count
        guard count >= 2 * Self.buckets else {
            return [NegentropyMessage.Range(upper: upper, payload: .ids(items[range].map(\.id)))]
        }
        let perBucket = count / Self.buckets, withExtra = count % Self.buckets
        var ranges: [NegentropyMessage.Range] = []
        var current = range.lowerBound
        for bucket in 0..<Self.buckets {
            let size = perBucket + (bucket < withExtra ? 1 : 0)
            let fingerprint = set.fingerprint(current..<(current + size))
            current += size
            let bound = current == range.upperBound ? upper : NegentropyBound.between(items[current - 1], items[current])
            ranges.append(NegentropyMessage.Range(upper: bound, payload: .fingerprint(fingerprint)))
        }
        return ranges
    }
}
