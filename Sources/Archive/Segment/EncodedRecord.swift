import Nostr

/// A record in its segment encoding, with the index's view of it. Encoding is the costly
/// part of a write that needs no shared state, so callers may make these on every core
/// before the writer takes the batch.
struct EncodedRecord: Sendable {
    /// The record as it goes into a frame: type, body length, body.
    let bytes: [UInt8]
    let item: IndexItem

    /// Encodes `record`. An event's index entry is read back from the encoded bytes, so the
    /// live index has exactly the keys a reindex computes from the segment.
    init(_ record: Record) throws {
        guard case .event(let event) = record else {
            var bytes: [UInt8] = []
            RecordCodec.append(record, to: &bytes)
            self.init(bytes: bytes, item: .record(record))
            return
        }
        try self.init(id: event.id, sig: event.sig, event)
    }

    /// Encodes an event record from a packed event: the same bytes as from its ``Event``.
    init(event: PackedEvent) throws {
        try self.init(id: event.id, sig: event.sig, event)
    }

    private init(id: EventID, sig: Signature, _ event: some EventContent) throws {
        var bytes: [UInt8] = []
        RecordCodec.appendEvent(id: id, sig: sig, event, to: &bytes)
        do {
            let entry = try bytes.withUnsafeBytes { buffer in
                var reader = ByteReader(buffer)
                return try RecordCodec.readEnvelope(&reader) { _, body in try EventIndexEntry(&body) }
            }
            self.init(bytes: bytes, item: .event(entry))
        } catch {
            throw ArchiveError(.invalidRequest, "an event's encoding does not read back (\(error))")
        }
    }

    private init(bytes: [UInt8], item: IndexItem) {
        self.bytes = bytes
        self.item = item
    }
}
