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
        var bytes: [UInt8] = []
        RecordCodec.append(record, to: &bytes)
        self.bytes = bytes
        guard case .event = record else {
            item = .record(record)
            return
        }
        do {
            item = try bytes.withUnsafeBytes { buffer in
                var reader = ByteReader(buffer)
                return .event(try RecordCodec.readEnvelope(&reader) { _, body in try EventIndexEntry(&body) })
            }
        } catch {
            throw ArchiveError(.invalidRequest, "an event's encoding does not read back (\(error))")
        }
    }
}
