public import Nostr

/// Settings of a windowed stream.
public struct StreamOptions: Sendable, Hashable {
    /// Events asked for per REQ; a page this full is checked for truncation or split.
    public var pageSize: Int
    /// Events whose EVENT message is larger than this are dropped and counted.
    public var maxEventBytes: Int
    /// A fetch that takes longer than this, even with messages flowing, fails.
    public var fetchTimeout: Duration
    /// A relay that sends more than this for one REQ is cut off (the window is split).
    public var maxEventsPerFetch: Int
    /// A relay that sends more than this many bytes of events for one REQ is cut off like
    /// one that sends too many (the window is split): what one page can hold in memory.
    public var maxPageBytes: Int
    /// Answers NIP-42 challenges with this key; with none, a relay that demands AUTH fails.
    public var authKey: SecretKey?
    /// Whether the stream checks each event's id and signature before it delivers it. A
    /// consumer that checks them itself, in bulk on every core (the Synchronizer's ingest
    /// pipeline does), turns this off.
    public var verifies: Bool

    public init(
        pageSize: Int = 500, maxEventBytes: Int = 1 << 20, fetchTimeout: Duration = .seconds(120),
        maxEventsPerFetch: Int? = nil, maxPageBytes: Int = 8 << 20, authKey: SecretKey? = nil, verifies: Bool = true
    ) {
        self.pageSize = max(1, pageSize)
        self.maxEventBytes = maxEventBytes
        self.fetchTimeout = fetchTimeout
        self.maxEventsPerFetch = maxEventsPerFetch ?? max(10_000, 4 * self.pageSize)
        self.maxPageBytes = max(maxPageBytes, maxEventBytes)
        self.authKey = authKey
        self.verifies = verifies
    }
}
