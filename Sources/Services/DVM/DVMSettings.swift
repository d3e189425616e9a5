public import Archive
public import Nostr

/// What the DVM answers, where, and at what price.
public struct DVMSettings: Sendable, Equatable {
    /// Relays it reads requests from and answers on (besides those a request names).
    public var relays: [RelayURL] = []
    /// A file with its secret key; BROTR_DVM_KEY first, the monitor's key when neither is set.
    public var keyFile = ""
    /// The NIP-89 announcement: its `d` tag, name and description.
    public var dTag = "brotr-dvm"
    public var name = "brotr DVM"
    public var about = "Nostr relay network analytics: query brotr's tables over NIP-90 (kind 5050)"
    /// Answer requests that name no provider (no `p` tag), not only those for this key.
    public var acceptUntargeted = true
    /// Requests older than this (seconds) are ignored.
    public var maxAge: Int64 = 3600
    /// Requests per author per minute; more are ignored.
    public var ratePerMinute = 10
    /// A job still running after this gets a `processing` feedback first (0: every job).
    public var processingAfter: Duration = .seconds(1)
    /// Connecting, and waiting for a relay's answer.
    public var timeout: Duration = .seconds(10)
    /// Time between NIP-89 announcements (seconds).
    public var announceInterval: Int64 = 86400
    /// Page sizes and the per-query deadline, as the REST API's.
    public var limits = AnalyticsQuery.Limits()
    public var queryTimeout: Duration = .seconds(10)
    /// The tables offered, each with a price in millisats (0: free).
    public var tables: [String: Int64] = Dictionary(uniqueKeysWithValues: AnalyticsTables.names.map { ($0, 0) })
    /// Requests read per relay per cycle, at most.
    public var maxRequests = 500

    public init() {}
}
