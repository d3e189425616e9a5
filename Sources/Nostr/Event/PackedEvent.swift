/// An event as parsed, its strings packed into one buffer.
///
/// It is as well-formed as an ``Event`` (the same parser makes both: an `Event` is a
/// `PackedEvent` unpacked), but its tags and content are one byte buffer and two arrays of
/// lengths instead of a `String` and an array per tag. A contact list of 500 tags is three
/// allocations, not a thousand. Bulk paths that parse, verify and store events without
/// looking at their tags (`brotr import`) use it; ``event`` unpacks it.
public struct PackedEvent: Sendable, EventContent {
    public let id: EventID
    public let pubkey: PublicKey
    public let createdAt: Int64
    public let kind: UInt16
    public let sig: Signature
    /// The UTF-8 of every tag element, tag after tag, then of the content, back to back.
    let text: [UInt8]
    /// The length in `text` of each tag element, then of the content.
    let lengths: [UInt32]
    /// The number of elements of each tag.
    let tagSizes: [UInt32]

    /// Parses an event object from UTF-8 JSON bytes, as ``Event/init(jsonUTF8:)`` does.
    public init(jsonUTF8 buffer: UnsafeRawBufferPointer) throws {
        var scanner = JSONScanner(buffer)
        self = try PackedEvent.read(from: &scanner)
        try scanner.expectEnd()
    }

    /// Parses an event object from UTF-8 JSON bytes.
    public init(json bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try PackedEvent(jsonUTF8: $0) }
    }

    private init(
        id: EventID, pubkey: PublicKey, createdAt: Int64, kind: UInt16, sig: Signature, text: [UInt8], lengths: [UInt32],
        tagSizes: [UInt32]
    ) {
        self.id = id
        self.pubkey = pubkey
        self.createdAt = createdAt
        self.kind = kind
        self.sig = sig
        self.text = text
        self.lengths = lengths
        self.tagSizes = tagSizes
    }

    public var tagCount: Int { tagSizes.count }

    /// About how many bytes the event holds in memory: what bounds on buffered events count.
    public var byteCount: Int { 160 + text.count + 4 * (lengths.count + tagSizes.count) }

    /// The event with its strings unpacked.
    public var event: Event {
        text.withUnsafeBytes { text in
            var at = 0, next = 0
            func string() -> String {
                let length = Int(lengths[next])
                defer { at += length; next += 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: text[at..<at + length]), as: UTF8.self)
            }
            let tags = tagSizes.map { size in (0..<Int(size)).map { _ in string() } }
            return Event(unchecked: id, pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags, content: string(), sig: sig)
        }
    }

    public func visitStrings(
        tag: (Int) throws -> Void, element: (UnsafeRawBufferPointer) throws -> Void,
        content: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        try text.withUnsafeBytes { text in
            var at = 0, next = 0
            func slice() -> UnsafeRawBufferPointer {
                let length = Int(lengths[next])
                defer { at += length; next += 1 }
                return UnsafeRawBufferPointer(rebasing: text[at..<at + length])
            }
            for size in tagSizes {
                try tag(Int(size))
                for _ in 0..<size { try element(slice()) }
            }
            try content(slice())
        }
    }

    /// Checks the id, then the signature, as ``Event/verify()`` does.
    /// - Throws: ``NostrError`` with code `badID` or `badSignature`.
    public func verify() throws {
        try checkID(id)
        try Event.checkSignature(sig, of: id, by: pubkey)
    }

    private struct Fields: OptionSet {
        let rawValue: UInt8
        static let id = Fields(rawValue: 1), pubkey = Fields(rawValue: 2), createdAt = Fields(rawValue: 4)
        static let kind = Fields(rawValue: 8), tags = Fields(rawValue: 16), content = Fields(rawValue: 32)
        static let sig = Fields(rawValue: 64)
        static let all: Fields = [.id, .pubkey, .createdAt, .kind, .tags, .content, .sig]
        static let ordered: [Fields] = [.id, .pubkey, .createdAt, .kind, .tags, .content, .sig]

        var name: String {
            switch self {
            case .id: "id"
            case .pubkey: "pubkey"
            case .createdAt: "created_at"
            case .kind: "kind"
            case .tags: "tags"
            case .content: "content"
            default: "sig"
            }
        }
    }

    /// Reads one event object at the scanner's position.
    static func read(from scanner: inout JSONScanner) throws -> PackedEvent {
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw NostrError(.invalidEvent, "an event must be a JSON object")
        }
        scanner.index += 1
        var seen: Fields = []
        var id = Bytes32(), pubkey = Bytes32(), sig = Bytes64()
        var createdAt: Int64 = 0, kind: UInt16 = 0
        var text: [UInt8] = [], lengths: [UInt32] = [], tagSizes: [UInt32] = []
        // The strings are at most what is left of the input, less the fixed fields (id,
        // pubkey and sig take 256 bytes): reserved at once, the buffer is not grown by
        // doubling, which leaves a third of it unused on average.
        text.reserveCapacity(max(0, scanner.bytes.count - scanner.index - 256))
        // The content goes last in `text`; when it comes before the tags, it waits here.
        var early: [UInt8]?

        if !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                guard scanner.peek() == UInt8(ascii: "\"") else { throw scanner.error("expected a field name") }
                let field = try scanner.withString { key -> Fields? in
                    switch String(decoding: key, as: UTF8.self) {
                    case "id": .id
                    case "pubkey": .pubkey
                    case "created_at": .createdAt
                    case "kind": .kind
                    case "tags": .tags
                    case "content": .content
                    case "sig": .sig
                    default: nil
                    }
                }
                try scanner.expect(UInt8(ascii: ":"))
                guard let field else {
                    try scanner.skipValue(depth: 1)  // unknown fields are ignored
                    continue
                }
                guard !seen.contains(field) else {
                    throw NostrError(.invalidEvent, field: field.name, "appears more than once")
                }
                seen.insert(field)
                switch field {
                case .id: id = try readHex32(&scanner, field: "id")
                case .pubkey: pubkey = try readHex32(&scanner, field: "pubkey")
                case .sig:
                    guard let value = try readString(&scanner, field: "sig", { Bytes64(hexUTF8: $0) }) else {
                        throw NostrError(.invalidEvent, field: "sig", "must be 128 lowercase hex digits")
                    }
                    sig = value
                case .createdAt:
                    createdAt = try scanner.readInteger(in: Event.createdAtRange, field: "created_at", code: .invalidEvent)
                case .kind:
                    kind = UInt16(try scanner.readInteger(in: 0...65535, field: "kind", code: .invalidEvent))
                case .tags: try readTags(&scanner, text: &text, lengths: &lengths, tagSizes: &tagSizes)
                default:
                    try readString(&scanner, field: "content") { utf8 in
                        if seen.contains(.tags) {
                            text.append(contentsOf: utf8)
                            lengths.append(UInt32(utf8.count))
                        } else {
                            early = Array(utf8)
                        }
                    }
                }
            } while try scanner.nextElement(close: UInt8(ascii: "}"))
        }
        let missing = Fields.all.subtracting(seen)
        guard missing.isEmpty else {
            let names = Fields.ordered.filter(missing.contains).map(\.name)
            throw NostrError(.invalidEvent, field: names[0], "missing (required: \(names.joined(separator: ", ")))")
        }
        if let early {
            text.append(contentsOf: early)
            lengths.append(UInt32(early.count))
        }
        return PackedEvent(
            id: EventID(storage: id), pubkey: PublicKey(storage: pubkey), createdAt: createdAt, kind: kind,
            sig: Signature(storage: sig), text: text, lengths: lengths, tagSizes: tagSizes)
    }

    /// Reads a string field and hands its UTF-8 (validated) to `body`.
    private static func readString<T>(
        _ scanner: inout JSONScanner, field: String, _ body: (UnsafeRawBufferPointer) -> T
    ) throws -> T {
        guard scanner.peek() == UInt8(ascii: "\"") else { throw NostrError(.invalidEvent, field: field, "must be a string") }
        return try scanner.withString { buffer in body(buffer) }
    }

    private static func readHex32(_ scanner: inout JSONScanner, field: String) throws -> Bytes32 {
        guard let value = try readString(&scanner, field: field, { Bytes32(hexUTF8: $0) }) else {
            throw NostrError(.invalidEvent, field: field, "must be 64 lowercase hex digits")
        }
        return value
    }

    private static func readTags(
        _ scanner: inout JSONScanner, text: inout [UInt8], lengths: inout [UInt32], tagSizes: inout [UInt32]
    ) throws {
        guard scanner.consume(UInt8(ascii: "[")) else { throw NostrError(.invalidEvent, field: "tags", "must be an array") }
        if scanner.consume(UInt8(ascii: "]")) { return }
        repeat {
            let i = tagSizes.count
            guard scanner.consume(UInt8(ascii: "[")) else {
                throw NostrError(.invalidEvent, field: "tags[\(i)]", "must be an array of strings")
            }
            var size: UInt32 = 0
            if !scanner.consume(UInt8(ascii: "]")) {
                repeat {
                    guard scanner.peek() == UInt8(ascii: "\"") else {
                        throw NostrError(.invalidEvent, field: "tags[\(i)][\(size)]", "must be a string")
                    }
                    try scanner.withString { utf8 in
                        text.append(contentsOf: utf8)
                        lengths.append(UInt32(utf8.count))
                    }
                    size += 1
                } while try scanner.nextElement(close: UInt8(ascii: "]"))
            }
            tagSizes.append(size)
        } while try scanner.nextElement(close: UInt8(ascii: "]"))
    }
}
