public import Transport

/// What one Synchronizer cycle did.
public struct SynchronizerReport: Sendable {
    /// Relays the cycle set out to sync.
    public var relaysTotal = 0
    /// Relays that reached their end time, or had nothing to do.
    public var relaysSynced = 0
    /// Relays that failed (connection, protocol, timeout); their cursor kept what was done.
    public var relaysFailed = 0
    /// Relays stopped by the time budget, to continue next cycle.
    public var relaysPartial = 0
    /// Events archived for the first time.
    public var eventsNew = 0
    /// Events already archived (an observation at this relay was still recorded).
    public var eventsDuplicate = 0
    /// WebSocket payload bytes received.
    public var bytesReceived = 0
    /// Stream counts summed over relays.
    public var stream = StreamStatistics()
    /// Events dropped: bad id or signature.
    public var eventsInvalid = 0
    /// Failures, by relay URL.
    public var failures: [String: String] = [:]
    /// NIP-77: windows reconciled, ids fetched because the archive lacked them, ids the
    /// archive held already (an observation only), and fallbacks to windows by reason.
    public var negentropyWindows = 0
    public var negentropyFetched = 0
    public var negentropyObserved = 0
    public var negentropyFallbacks: [String: Int] = [:]
    /// NIP-77 messages exchanged.
    public var negentropyMessages = 0

    public init() {}

    mutating func add(_ other: SynchronizerReport) {
        relaysSynced += other.relaysSynced
        relaysFailed += other.relaysFailed
        relaysPartial += other.relaysPartial
        eventsNew += other.eventsNew
        eventsDuplicate += other.eventsDuplicate
        eventsInvalid += other.eventsInvalid
        bytesReceived += other.bytesReceived
        stream.add(other.stream)
        failures.merge(other.failures) { a, _ in a }
        negentropyWindows += other.negentropyWindows
        negentropyFetched += other.negentropyFetched
        negentropyObserved += other.negentropyObserved
        negentropyFallbacks.merge(other.negentropyFallbacks, uniquingKeysWith: +)
        negentropyMessages += other.negentropyMessages
    }
}
