import Nostr

/// The binary form of ``Record``s (docs/segment-format.md, format version 1).
///
/// Each record is `type (1 byte) | body length (varint) | body`. Integers are unsigned
/// LEB128 varints; strings are a varint length and UTF-8 bytes. In events, tag values that
/// are 64 lowercase hex digits are stored as their 32 raw bytes, which round-trips exactly.
enum RecordCodec {
    /// Appends `record` to `out`.
    static func append(_ record: Record, to out: inout [UInt8]) {
        appendEnvelope(record.kind, to: &out) { body in encodeBody(record, to: &body) }
    }

    /// Appends an event record from either form of the event (``EventContent``).
    static func appendEvent(id: EventID, sig: Signature, _ e: some EventContent, to out: inout [UInt8]) {
        appendEnvelope(.event, to: &out) { body in encodeEvent(id: id, sig: sig, e, to: &body) }
    }

    /// Appends type, body length and the body that `encode` writes.
    private static func appendEnvelope(_ kind: Record.Kind, to out: inout [UInt8], _ encode: (inout [UInt8]) -> Void) {
        var body: [UInt8] = []
        encode(&body)
        out.append(kind.rawValue)
        Varint.append(UInt64(body.count), to: &out)
        out.append(contentsOf: body)
    }

    private static func encodeBody(_ record: Record, to body: inout [UInt8]) {
        switch record {
        case .event(let e): encodeEvent(id: e.id, sig: e.sig, e, to: &body)
        case .observation(let id, let relay, let seenAt):
            id.withUnsafeBytes { body.append(contentsOf: $0) }
            Varint.append(UInt64(clamping: seenAt), to: &body)
            appendString(relay, to: &body)
        case .relay(let url, let network, let discoveredAt):
            Varint.append(UInt64(clamping: discoveredAt), to: &body)
            body.append(networkCode(network))
            appendString(url, to: &body)
        case .metadata(let m):
            body.append(contentsOf: m.hash.bytes)
            appendString(m.type.name, to: &body)
            appendString(m.canonicalJSON, to: &body)
        case .relayMetadata(let relay, let type, let hash, let generatedAt, let values):
            body.append(contentsOf: hash.bytes)
            Varint.append(UInt64(clamping: generatedAt), to: &body)
            appendString(type, to: &body)
            appendString(relay, to: &body)
            if let values { appendString(values, to: &body) }
        }
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        Varint.append(UInt64(s.utf8.count), to: &out)
        out.append(contentsOf: s.utf8)
    }

    /// Appends an event record's body: `e`'s strings as ``EventContent`` hands them out, so
    /// an ``Event`` and a ``PackedEvent`` of the same event encode to the same bytes.
    static func encodeEvent(id: EventID, sig: Signature, _ e: some EventContent, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + 200 + e.tagCount * 40)
        id.withUnsafeBytes { out.append(contentsOf: $0) }
        e.pubkey.withUnsafeBytes { out.append(contentsOf: $0) }
        sig.withUnsafeBytes { out.append(contentsOf: $0) }
        Varint.append(UInt64(e.createdAt), to: &out)
        Varint.append(UInt64(e.kind), to: &out)
        Varint.append(UInt64(e.tagCount), to: &out)
        e.visitStrings(
            tag: { Varint.append(UInt64($0), to: &out) },
            element: { value in
                out.append(1)  // header 1: 32 raw bytes for 64 lowercase hex digits
                if Hex.appendBytes32(ofUTF8: value, to: &out) { return }
                out.removeLast()  // header 2n: n bytes of UTF-8
                Varint.append(UInt64(value.count) << 1, to: &out)
                out.append(contentsOf: value)
            },
            content: { value in
                Varint.append(UInt64(value.count), to: &out)
                out.append(contentsOf: value)
            })
    }

    /// Reads a record's type and length and hands `decode` a reader over exactly its
    /// body, which must consume it all.
    static func readEnvelope<T>(_ reader: inout ByteReader, _ decode: (UInt8, inout ByteReader) throws -> T) throws -> T {
        let type = try reader.byte()
        let length = try reader.varint()
        guard length <= UInt64(reader.bytes.count - reader.index) else { throw ByteReader.Short() }
        var body = ByteReader(try reader.slice(Int(length)))
        let value = try decode(type, &body)
        guard body.isAtEnd else { throw ByteReader.Short() }
        return value
    }

    /// Decodes one record at `reader`'s position.
    /// - Throws: ``ArchiveError`` (`corrupt`) for an unknown type or a malformed body.
    static func read(_ reader: inout ByteReader) throws -> Record {
        let start = reader.index
        do {
            return try readEnvelope(&reader) { type, body in try decodeBody(type: type, &body) }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError(.corrupt, "malformed record at offset \(start) of its frame")
        }
    }

    static func decodeBody(type: UInt8, _ r: inout ByteReader) throws -> Record {
        switch Record.Kind(rawValue: type) {
        case .event: return .event(try decodeEvent(&r))
        case .observation:
            guard let id = EventID(rawBytes: try r.slice(32)) else { throw ByteReader.Short() }
            let seenAt = Int64(clamping: try r.varint())
            return .observation(eventID: id, relay: try r.string(), seenAt: seenAt)
        case .relay:
            let discoveredAt = Int64(clamping: try r.varint())
            let network = try network(r.byte())
            return .relay(url: try r.string(), network: network, discoveredAt: discoveredAt)
        case .metadata:
            let hash = Array(try r.slice(32))
            let type = try MetadataType(try r.string())
            let metadata = try Metadata(type: type, json: try r.string())
            guard metadata.hash.bytes == hash else {
                throw ArchiveError(.corrupt, "metadata record whose content does not match its hash")
            }
            return .metadata(metadata)
        case .relayMetadata, .relayMetadataValues:
            let withValues = Record.Kind(rawValue: type) == .relayMetadataValues
            let hash = Array(try r.slice(32))
            let generatedAt = Int64(clamping: try r.varint())
            let metadataType = try r.string()
            let relay = try r.string()
            let values = withValues ? try r.string() : nil
            guard let contentHash = ContentHash(bytes: hash) else { throw ByteReader.Short() }
            return .relayMetadata(relay: relay, type: metadataType, hash: contentHash, generatedAt: generatedAt, values: values)
        case nil:
            throw ArchiveError(.corrupt, "unknown record type \(type)")
        }
    }

    static func decodeEvent(_ r: inout ByteReader) throws -> Event {
        guard let id = EventID(rawBytes: try r.slice(32)), let pubkey = PublicKey(rawBytes: try r.slice(32)),
            let sig = Signature(bytes: Array(try r.slice(64)))
        else { throw ByteReader.Short() }
        let createdAt = try r.varint()
        let kind = try r.varint()
        guard createdAt <= UInt64(Int64.max), kind <= 65535 else { throw ByteReader.Short() }
        let tagCount = try r.varint()
        guard tagCount <= UInt64(r.bytes.count) else { throw ByteReader.Short() }
        var tags: [[String]] = []
        tags.reserveCapacity(Int(tagCount))
        for _ in 0..<tagCount {
            let n = try r.varint()
            guard n <= UInt64(r.bytes.count) else { throw ByteReader.Short() }
            var tag: [String] = []
            tag.reserveCapacity(Int(n))
            for _ in 0..<n {
                let header = try r.varint()
                if header == 1 {
                    tag.append(Hex.encode(try r.slice(32)))
                } else {
                    guard header & 1 == 0, header >> 1 <= UInt64(r.bytes.count) else { throw ByteReader.Short() }
                    let raw = try r.slice(Int(header >> 1))
                    guard let s = String(validating: raw, as: UTF8.self) else { throw ByteReader.Short() }
                    tag.append(s)
                }
            }
            tags.append(tag)
        }
        let content = try r.string()
        return try Event(id: id, pubkey: pubkey, createdAt: Int64(createdAt), kind: UInt16(kind), tags: tags, content: content, sig: sig)
    }

    static func networkCode(_ n: RelayNetwork) -> UInt8 {
        switch n {
        case .clearnet: 0
        case .tor: 1
        case .i2p: 2
        case .loki: 3
        case .loopback: 4
        }
    }

    static func network(_ code: UInt8) throws -> RelayNetwork {
        switch code {
        case 0: .clearnet
        case 1: .tor
        case 2: .i2p
        case 3: .loki
        case 4: .loopback
        default: throw ByteReader.Short()
        }
    }
}
