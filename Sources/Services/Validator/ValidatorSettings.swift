public import Nostr
public import Transport

/// How the Validator checks candidates.
public struct ValidatorSettings: Sendable, Hashable {
    /// Candidates checked at once, in total and per network.
    public var concurrency = 16
    public var networkConcurrency: [RelayNetwork: Int] = [.clearnet: 16, .tor: 2, .i2p: 2, .loki: 2, .loopback: 16]
    /// Candidates checked per cycle at most (fewest failures first, then oldest).
    public var maxPerCycle = 2_000
    /// A candidate that failed is tried again after this many seconds.
    public var cooldown: Int64 = 3_600
    /// A candidate is dropped after this many failed attempts (BigBrotr's default).
    public var maxFailures = 720
    /// Connect and read timeouts for the check.
    public var connection = ConnectionOptions(connectTimeout: .seconds(10), readTimeout: .seconds(10))
    /// When TLS verification fails, check again accepting any certificate.
    public var allowInsecureFallback = true

    public init() {}
}
