public import Nostr

/// Events on their way into the archive, with what commits beside them.
public struct IngestBatch: Sendable {
    /// One JSON text and where it came from (a line number), to name when it is rejected.
    public struct Line: Sendable {
        public var bytes: [UInt8]
        public var number: Int
        public init(bytes: [UInt8], number: Int) {
            self.bytes = bytes
            self.number = number
        }
    }

    /// The events, in the form their source has them. The first two are not trusted: the
    /// pipeline checks every id and signature.
    public enum Events: Sendable {
        /// JSON texts, parsed by the pipeline (`brotr import`).
        case json([Line])
        /// Events already parsed, packed.
        case packed([PackedEvent])
        /// Events the pipeline verified and encoded already (``IngestPipeline/prepare(_:)``):
        /// a source that gathers a batch window by window (the Synchronizer) holds them
        /// encoded, not packed and then encoded.
        case prepared(PreparedEvents)

        public var count: Int {
            switch self {
            case .json(let lines): lines.count
            case .packed(let events): events.count
            case .prepared(let prepared): prepared.events.count + prepared.rejected.count
            }
        }
    }

    public var events: Events
    /// The relay they were seen at, if any.
    public var relay: RelayURL?
    /// When they were seen, Unix seconds.
    public var seenAt: Int64
    /// Relay state committed in the batch's transaction (a sync cursor).
    public var relayUpdates: [RelayStateUpdate]
    /// Service state committed in the batch's transaction.
    public var stateUpdates: [ServiceStateUpdate]

    public init(
        _ events: Events, relay: RelayURL? = nil, seenAt: Int64, relayUpdates: [RelayStateUpdate] = [],
        stateUpdates: [ServiceStateUpdate] = []
    ) {
        self.events = events
        self.relay = relay
        self.seenAt = seenAt
        self.relayUpdates = relayUpdates
        self.stateUpdates = stateUpdates
    }
}

/// What happened to one batch, once it is durable.
public struct IngestOutcome: Sendable {
    /// An event refused: it did not parse, or its id or signature is wrong.
    public struct Rejection: Sendable {
        /// The JSON text, for a batch of ``IngestBatch/Events/json(_:)``.
        public var line: IngestBatch.Line?
        public var error: NostrError
    }

    public var rejected: [Rejection]
    /// Events that verified (archived now, or recognised as archived before).
    public var accepted: Int
    /// The id of the batch's last event that verified.
    public var lastID: EventID?
    public var result: BatchResult
    /// The relay state committed with the batch.
    public var relayUpdates: [RelayStateUpdate]
}

/// Events verified and encoded, and those refused, in input order within each.
public struct PreparedEvents: Sendable {
    public internal(set) var events: [PreparedEvent] = []
    public internal(set) var rejected: [IngestOutcome.Rejection] = []

    public init() {}

    /// About how many bytes the encoded events hold.
    public var byteCount: Int { events.reduce(0) { $0 + $1.byteCount } }

    public mutating func append(_ other: PreparedEvents) {
        events += other.events
        rejected += other.rejected
    }
}
