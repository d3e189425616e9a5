extension Event {
    /// Parses an event object from JSON text. Unknown fields are ignored.
    ///
    /// This checks structure only; call ``verify()`` to check the id and signature.
    /// - Throws: ``NostrError``: `malformedJSON` for bad JSON, `invalidEvent` naming the
    ///   field that is missing, repeated, ill-typed or out of range.
    public init(json: String) throws {
        var copy = json
        self = try copy.withUTF8 { buffer in try Event(jsonUTF8: UnsafeRawBufferPointer(buffer)) }
    }

    /// Parses an event object from UTF-8 JSON bytes.
    public init(json bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { buffer in try Event(jsonUTF8: buffer) }
    }

    /// Parses an event object from UTF-8 JSON bytes, without copying them.
    public init(jsonUTF8 buffer: UnsafeRawBufferPointer) throws {
        var scanner = JSONScanner(buffer)
        self = try Event.read(from: &scanner)
        try scanner.expectEnd()
    }

    fileprivate struct Fields: OptionSet {
        let rawValue: UInt8
        static let id = Fields(rawValue: 1), pubkey = Fields(rawValue: 2), createdAt = Fields(rawValue: 4)
        static let kind = Fields(rawValue: 8), tags = Fields(rawValue: 16), content = Fields(rawValue: 32)
        static let sig = Fields(rawValue: 64)
        static let all: Fields = [.id, .pubkey, .createdAt, .kind, .tags, .content, .sig]
    }

    /// Reads one event object at the scanner's position.
    static func read(from scanner: inout JSONScanner) throws -> Event {
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw NostrError(.invalidEvent, "an event must be a JSON object")
        }
        scanner.index += 1
        var seen: Fields = []
        var id = Bytes32(), pubkey = Bytes32(), sig = Bytes64()
        var createdAt: Int64 = 0, kind: UInt16 = 0
        var tags: [[String]] = [], content = ""

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
                    createdAt = try scanner.readInteger(in: createdAtRange, field: "created_at", code: .invalidEvent)
                case .kind:
                    kind = UInt16(try scanner.readInteger(in: 0...65535, field: "kind", code: .invalidEvent))
                case .tags: tags = try readTags(&scanner)
                default:
                    guard scanner.peek() == UInt8(ascii: "\"") else {
                        throw NostrError(.invalidEvent, field: "content", "must be a string")
                    }
                    content = try scanner.readString()
                }
            } while try scanner.nextElement(close: UInt8(ascii: "}"))
        }
        let missing = Fields.all.subtracting(seen)
        guard missing.isEmpty else {
            let names = [Fields.id, .pubkey, .createdAt, .kind, .tags, .content, .sig].filter(missing.contains).map(\.name)
            throw NostrError(.invalidEvent, field: names[0], "missing (required: \(names.joined(separator: ", ")))")
        }
        return Event(
            unchecked: EventID(storage: id), pubkey: PublicKey(storage: pubkey), createdAt: createdAt, kind: kind,
            tags: tags, content: content, sig: Signature(storage: sig))
    }

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

    private static func readTags(_ scanner: inout JSONScanner) throws -> [[String]] {
        guard scanner.consume(UInt8(ascii: "[")) else { throw NostrError(.invalidEvent, field: "tags", "must be an array") }
        var tags: [[String]] = []
        if scanner.consume(UInt8(ascii: "]")) { return tags }
        repeat {
            let i = tags.count
            guard scanner.consume(UInt8(ascii: "[")) else {
                throw NostrError(.invalidEvent, field: "tags[\(i)]", "must be an array of strings")
            }
            var tag: [String] = []
            if !scanner.consume(UInt8(ascii: "]")) {
                repeat {
                    guard scanner.peek() == UInt8(ascii: "\"") else {
                        throw NostrError(.invalidEvent, field: "tags[\(i)][\(tag.count)]", "must be a string")
                    }
                    tag.append(try scanner.readString())
                } while try scanner.nextElement(close: UInt8(ascii: "]"))
            }
            tags.append(tag)
        } while try scanner.nextElement(close: UInt8(ascii: "]"))
        return tags
    }
}

extension Event.Fields {
    fileprivate var name: String {
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
