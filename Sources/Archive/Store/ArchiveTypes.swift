public import Nostr

/// How the archive stores data.
public struct ArchiveConfiguration: Sendable, Hashable {
    /// Segments rotate when they reach this size.
    public var maxSegmentBytes: Int64
    /// The most uncompressed bytes per LZ4 frame (a point read decompresses one frame).
    public var maxFramePayload: Int
    /// LZ4 level: 0-2 fast, 3-12 LZ4-HC.
    public var compressionLevel: Int32
    /// Writes stop while the file system holding the data directory has less free space
    /// than this, so that the index, its WAL and a merge always have room (0: write until
    /// the disk is full).
    public var minFreeBytes: Int64

    public init(maxSegmentBytes: Int64 = 64 << 20, maxFramePayload: Int = 64 << 10, compressionLevel: Int32 = 0, minFreeBytes: Int64 = 256 << 20) {
        self.maxSegmentBytes = maxSegmentBytes
        self.maxFramePayload = maxFramePayload
        self.compressionLevel = compressionLevel
        self.minFreeBytes = minFreeBytes
    }
}

/// A stage's state change, committed in the same transaction as a batch.
public struct ServiceStateUpdate: Sendable, Hashable {
    public var service: String
    public var key: String
    /// The new value; nil removes the key.
    public var value: String?
    public var updatedAt: Int64

    public init(service: String, key: String, value: String?, updatedAt: Int64) {
        self.service = service
        self.key = key
        self.value = value
        self.updatedAt = updatedAt
    }
}

/// Events to archive in one durable step: verified events, where they were seen, and
/// state updates to commit with them.
public struct EventBatch: Sendable {
    /// Events whose id and signature were already verified.
    enum Events: Sendable {
        case plain([Event])
        case prepared([PreparedEvent])
    }
    let events: Events
    /// The relay they were seen at, if any (a normalized URL).
    public var relay: RelayURL?
    /// When they were seen, Unix seconds.
    public var seenAt: Int64
    /// State changes committed atomically with the batch (a sync cursor).
    public var stateUpdates: [ServiceStateUpdate]
    /// Relay state changes committed atomically with the batch (the relay's cursor).
    public var relayUpdates: [RelayStateUpdate]

    /// A batch of verified events; the writer encodes them.
    public init(
        events: [Event], relay: RelayURL? = nil, seenAt: Int64, stateUpdates: [ServiceStateUpdate] = [], relayUpdates: [RelayStateUpdate] = []
    ) {
        self.events = .plain(events)
        self.relay = relay
        self.seenAt = seenAt
        self.stateUpdates = stateUpdates
        self.relayUpdates = relayUpdates
    }

    /// A batch of verified events encoded beforehand (in parallel, say).
    public init(
        prepared: [PreparedEvent], relay: RelayURL? = nil, seenAt: Int64, stateUpdates: [ServiceStateUpdate] = [],
        relayUpdates: [RelayStateUpdate] = []
    ) {
        self.events = .prepared(prepared)
        self.relay = relay
        self.seenAt = seenAt
        self.stateUpdates = stateUpdates
        self.relayUpdates = relayUpdates
    }

    /// The events' ids, in order.
    var ids: [EventID] {
        switch events {
        case .plain(let events): events.map(\.id)
        case .prepared(let events): events.map(\.id)
        }
    }

    /// The record of event `i`: encoded now for a plain event, so that the writer encodes
    /// only the events it finds new.
    func record(_ i: Int) throws -> EncodedRecord {
        switch events {
        case .plain(let events): try EncodedRecord(.event(events[i]))
        case .prepared(let events): events[i].encoded
        }
    }
}

/// What a batch did, once it is durable.
public struct BatchResult: Sendable, Hashable {
    /// Events that were not archived before.
    public var new: Int
    /// Events already archived (they only got an observation, if a relay was given).
    public var duplicates: Int
    /// Observations recorded.
    public var observations: Int
}

/// Counts and sizes of an archive.
public struct ArchiveStats: Sendable, Hashable {
    public var events: Int
    public var relays: Int
    public var observations: Int
    public var metadata: Int
    public var segments: Int
    public var segmentBytes: Int64
    public var indexBytes: Int64
}
