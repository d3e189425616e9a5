/// A record as the index sees it: an event reduced to its ``EventIndexEntry`` (no strings
/// for its tags or content), any other record whole.
enum IndexItem: Sendable {
    case event(EventIndexEntry)
    case record(Record)

    /// Decodes the records of a frame's payload, with their positions in it. Errors name
    /// the record's position, the file and the frame's offset.
    static func decode(frame payload: [UInt8], file: String, offset: Int64) throws -> [(item: IndexItem, pos: Int)] {
        try decode(frame: payload, file: file, offset: offset, eachTag: nil)
    }

    /// Decodes as ``decode(frame:file:offset:)`` does; with `eachTag`, events come without
    /// their tags, which go to `eachTag` instead with the event's number in the frame.
    static func decode(
        frame payload: [UInt8], file: String, offset: Int64, eachTag: ((_ event: Int, _ letter: UInt8, _ key: Int64) throws -> Void)?
    ) throws -> [(item: IndexItem, pos: Int)] {
        try payload.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            var out: [(IndexItem, Int)] = []
            var events = 0
            while !reader.isAtEnd {
                let pos = reader.index
                do {
                    let item = try RecordCodec.readEnvelope(&reader) { type, body -> IndexItem in
                        guard type == Record.Kind.event.rawValue else { return .record(try RecordCodec.decodeBody(type: type, &body)) }
                        guard let eachTag else { return .event(try EventIndexEntry(&body)) }
                        defer { events += 1 }
                        return .event(try EventIndexEntry(&body) { try eachTag(events, $0, $1) })
                    }
                    out.append((item, pos))
                } catch let error as ArchiveError {
                    throw ArchiveError(error.code, "\(error.message) (record at \(pos) in the frame)", file: file, offset: offset)
                } catch {
                    throw ArchiveError(.corrupt, "undecodable record at \(pos) in the frame", file: file, offset: offset)
                }
            }
            return out
        }
    }
}
