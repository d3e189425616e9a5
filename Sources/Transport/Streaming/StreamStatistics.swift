/// Counts from one stream: what was requested, received, yielded and dropped, by reason.
public struct StreamStatistics: Sendable, Hashable {
    /// REQs sent (fetches, boundary fetches and probes).
    public var requests = 0
    /// EVENT messages received for our subscriptions.
    public var received = 0
    /// Events yielded: valid, matching, in the window, first time seen.
    public var yielded = 0
    /// Dropped: the id or signature does not verify.
    public var invalid = 0
    /// Dropped: the event does not match the filters.
    public var outsideFilter = 0
    /// Dropped: the event is larger than the event size cap.
    public var oversized = 0
    /// Dropped: the same event again in one fetch.
    public var duplicate = 0
    /// Messages that were not valid relay messages.
    public var malformed = 0
    /// Windows split in half because a page was full and could not be shown complete.
    public var splits = 0
    /// Single seconds holding more events than the relay would return at once: the stream
    /// holds what the relay gave, which may not be all.
    public var truncatedSeconds = 0

    public init() {}

    /// Adds another stream's counts.
    public mutating func add(_ other: StreamStatistics) {
        requests += other.requests
        received += other.received
        yielded += other.yielded
        invalid += other.invalid
        outsideFilter += other.outsideFilter
        oversized += other.oversized
        duplicate += other.duplicate
        malformed += other.malformed
        splits += other.splits
        truncatedSeconds += other.truncatedSeconds
    }
}
