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
    /// A relay's metadata of one type at one time: the shared document's hash, and the
    /// values measured then that no other check shares (round-trip times), as canonical
    /// JSON, or nil.
    case relayMetadata(relay: String, type: String, hash: ContentHash, generatedAt: Int64, values: String? = nil)

    /// Record type bytes. Values are part of the format and never reused.
    enum Kind: UInt8 {
        case event = 1, observation = 2, relay = 3, metadata = 4, relayMetadata = 5, relayMetadataValues = 6
    }

    var kind: Kind {
        switch self {
        case .event: .event
        case .observation: .observation
        case .relay: .relay
        case .metadata: .metadata
        case .relayMetadata(_, _, _, _, let values): values == nil ? .relayMetadata : .relayMetadataValues
        }
    }
}
