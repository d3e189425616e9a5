/// A record as the index sees it: an event reduced to its ``EventIndexEntry`` (no strings
/// for its tags or content), any other record whole.
enum IndexItem: Sendable {
    case event(EventIndexEntry)
    case record(Record)

    /// Decodes the records of a frame's payload, with their positions in it. Errors name
    /// the record's position, the file and the frame's offset.
    static func decode(frame payload: [UInt8], file: String, offset: Int64) throws -> [(item: IndexItem, pos: Int)] {
        try payload.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            var out: [(IndexItem, Int)] = []
            while !reader.isAtEnd {
                let pos = reader.index
                do {
                    let item = try RecordCodec.readEnvelope(&reader) { type, body -> IndexItem in
                        type == Record.Kind.event.rawValue
                            ? .event(try EventIndexEntry(&body)) : .record(try RecordCodec.decodeBody(type: type, &body))
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
