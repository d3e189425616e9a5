public import Nostr
public import Transport

/// How the Synchronizer syncs: what, how far, how many at once, and per-relay overrides.
public struct SynchronizerSettings: Sendable, Hashable {
    /// Relays synced at once.
    public var concurrency = 8
    /// Relays synced at once per network (tor, i2p and loki are slow and share a proxy).
    public var networkConcurrency: [RelayNetwork: Int] = [.clearnet: 8, .tor: 2, .i2p: 2, .loki: 2, .loopback: 8]
    /// Sync up to now minus this many seconds: recent events are still propagating.
    public var endLag: Int64 = 86_400
    /// The first second synced for a relay with no cursor.
    public var start: Int64 = 0
    /// NIP-01 filters; empty means all events.
    public var filters: [Filter] = []
    /// Time one relay may take in one cycle; the rest waits for the next cycle.
    public var relayBudget: Duration = .seconds(900)
    /// Events per archive write (one fsync and one transaction each).
    public var batchSize = 2_000
    /// Bytes of events per archive write at most, whatever their number: what one relay's
    /// batch holds in memory.
    public var batchBytes = 4 << 20
    /// Connection and stream settings, for every relay unless overridden.
    public var connection = ConnectionOptions()
    public var stream = StreamOptions()
    /// Per-relay overrides, by relay URL.
    public var overrides: [String: RelayOverride] = [:]
    /// NIP-77 first, for relays known to speak it (the Monitor's probe, or an earlier
    /// reconciliation), with windows as the fallback.
    public var negentropy = true
    /// The most bytes of one negentropy message brotr writes (strfry's client uses 60,000).
    public var negentropyFrameLimit = 60_000
    /// Ids asked for per REQ when fetching what reconciliation found missing.
    public var idBatch = 100
    /// The longest wait for a negentropy answer: a relay silent this long does not speak
    /// NIP-77 here, and windows take over.
    public var negentropyTimeout: Duration = .seconds(10)

    public init() {}

    /// Whether to try NIP-77 with `relay`, whose support is `nip77` (nil: not known). Never
    /// with sync filters: reconciliation covers every event of the window.
    func usesNegentropy(_ relay: RelayURL, nip77: Bool?) -> Bool {
        guard filters.isEmpty else { return false }
        if let forced = overrides[relay.url]?.negentropy { return forced }
        return negentropy && nip77 == true
    }

    /// The connection and stream settings for one relay, after its override.
    func settings(for relay: RelayURL, network: NetworkConfiguration) -> (ConnectionOptions, StreamOptions) {
        var connection = network.options(connection, for: relay)
        var stream = stream
        if let o = overrides[relay.url] {
            if let v = o.connectTimeout { connection.connectTimeout = v }
            if let v = o.readTimeout { connection.readTimeout = v }
            if let v = o.allowInsecure { connection.allowInsecure = v }
            if let v = o.pageSize { stream.pageSize = max(1, v) }
        }
        return (connection, stream)
    }
}

/// Settings that override the defaults for one relay.
public struct RelayOverride: Sendable, Hashable {
    public var connectTimeout: Duration?
    public var readTimeout: Duration?
    public var pageSize: Int?
    public var allowInsecure: Bool?
    /// Always (true) or never (false) try NIP-77 with this relay, whatever is known of it.
    public var negentropy: Bool?

    public init(
        connectTimeout: Duration? = nil, readTimeout: Duration? = nil, pageSize: Int? = nil, allowInsecure: Bool? = nil, negentropy: Bool? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.pageSize = pageSize
        self.allowInsecure = allowInsecure
        self.negentropy = negentropy
    }
}
