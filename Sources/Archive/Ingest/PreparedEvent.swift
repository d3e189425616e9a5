public import Nostr

/// An event made ready for the archive writer: encoded as its segment record, with its
/// index entry. Making these in parallel (``IngestPipeline`` does, beside verification)
/// takes that work off the writer, whose work is serial.
public struct PreparedEvent: Sendable {
    public let id: EventID
    let encoded: EncodedRecord

    /// About how many bytes the record holds in memory.
    public var byteCount: Int { 64 + encoded.bytes.count }

    /// Encodes a packed event, which should be verified already: the writer does not check it.
    public init(_ event: PackedEvent) throws {
        id = event.id
        encoded = try EncodedRecord(event: event)
    }
}
