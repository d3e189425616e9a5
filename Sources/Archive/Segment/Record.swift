public import Nostr

/// A durable fact, as stored in a segment (docs/segment-format.md).
public enum Record: Sendable, Hashable {
    /// A full NIP-01 event.
    case event(Event)
    /// An event seen at a relay at a time.
    case observation(eventID: EventID, relay: String, seenAt: Int64)
    /// A relay known to the archive.
    case relay(url: String, network: RelayNetwork, discoveredAt: Int64)
    /// A content-addressed metadata document.
    case metadata(Metadata)
    /// A relay's metadata of one type at one time.
    case relayMetadata(relay: String, type: String, hash: ContentHash, generatedAt: Int64)

    /// Record type bytes. Values are part of the format and never reused.
    enum Kind: UInt8 {
        case event = 1, observation = 2, relay = 3, metadata = 4, relayMetadata = 5
    }

    var kind: Kind {
        switch self {
        case .event: .event
        case .observation: .observation
        case .relay: .relay
        case .metadata: .metadata
        case .relayMetadata: .relayMetadata
        }
    }
}
