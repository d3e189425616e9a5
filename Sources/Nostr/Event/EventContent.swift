/// The parts of an event that its id covers: pubkey, created_at, kind, tags and content.
///
/// ``Event`` holds its strings as `String`s; ``PackedEvent`` holds them all in one buffer.
/// Both hand them out through ``visitStrings(tag:element:content:)`` as UTF-8 bytes, so
/// one serializer (for the id) and one record encoder serve both.
public protocol EventContent {
    var pubkey: PublicKey { get }
    var createdAt: Int64 { get }
    var kind: UInt16 { get }
    /// The number of tags.
    var tagCount: Int { get }

    /// Calls `tag` with each tag's element count, then `element` with the UTF-8 of each of
    /// its elements, tag after tag; last calls `content` with the content's UTF-8.
    func visitStrings(
        tag: (Int) throws -> Void, element: (UnsafeRawBufferPointer) throws -> Void,
        content: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows
}

extension EventContent {
    /// Appends the serialization whose SHA-256 is the id, in `style`:
    /// `[0,<pubkey>,<created_at>,<kind>,<tags>,<content>]`, no whitespace.
    func appendSerialization(to out: inout [UInt8], style: JSONWriter.Style) {
        out.append(contentsOf: "[0,\"".utf8)
        pubkey.withUnsafeBytes { Hex.append($0, to: &out) }
        out.append(contentsOf: "\",".utf8)
        Event.appendDecimal(createdAt, to: &out)
        out.append(UInt8(ascii: ","))
        Event.appendDecimal(Int64(kind), to: &out)
        out.append(UInt8(ascii: ","))
        appendTagsAndContent(separator: ",", to: &out, style: style)
        out.append(UInt8(ascii: "]"))
    }

    /// Appends the tags as a JSON array, then `separator`, then the content as a JSON string.
    func appendTagsAndContent(separator: StaticString, to out: inout [UInt8], style: JSONWriter.Style) {
        var firstTag = true, firstElement = true
        out.append(UInt8(ascii: "["))
        visitStrings(
            tag: { _ in
                out.append(contentsOf: firstTag ? "[".utf8 : "],[".utf8)
                firstTag = false
                firstElement = true
            },
            element: { utf8 in
                if !firstElement { out.append(UInt8(ascii: ",")) }
                firstElement = false
                JSONWriter.appendString(utf8: utf8, to: &out, style: style)
            },
            content: { utf8 in
                out.append(contentsOf: firstTag ? "]".utf8 : "]]".utf8)
                out.append(contentsOf: UnsafeRawBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount))
                JSONWriter.appendString(utf8: utf8, to: &out, style: style)
            })
    }

    /// Checks that `id` is the SHA-256 of the NIP-01 serialization or, for content with a
    /// control character the two spell differently, of the `JSON.stringify` one.
    /// - Throws: ``NostrError`` with code `badID`.
    func checkID(_ id: EventID) throws {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256 + tagCount * 80)
        appendSerialization(to: &buffer, style: .nip01)
        let canonical = Event.hash(buffer)
        if canonical == id { return }
        if hasAmbiguousControlCharacters {
            buffer.removeAll(keepingCapacity: true)
            appendSerialization(to: &buffer, style: .standard)
            if Event.hash(buffer) == id { return }
        }
        throw NostrError(.badID, field: "id", "does not match the event's content (SHA-256 is \(canonical.hex))")
    }

    /// True when content or tags hold a control character that NIP-01 and `JSON.stringify`
    /// serialize differently.
    var hasAmbiguousControlCharacters: Bool {
        func ambiguous(_ utf8: UnsafeRawBufferPointer) -> Bool {
            utf8.contains { $0 < 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 && $0 != 0x08 && $0 != 0x0C }
        }
        var found = false
        visitStrings(tag: { _ in }, element: { found = found || ambiguous($0) }, content: { found = found || ambiguous($0) })
        return found
    }
}

extension Event {
    /// The strings of `tags` and `content`, as ``EventContent/visitStrings(tag:element:content:)``
    /// hands them out.
    static func visit(
        _ tags: [[String]], _ text: String, tag: (Int) throws -> Void, element: (UnsafeRawBufferPointer) throws -> Void,
        content: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        for t in tags {
            try tag(t.count)
            for var value in t { try value.withUTF8 { try element(UnsafeRawBufferPointer($0)) } }
        }
        var text = text
        try text.withUTF8 { try content(UnsafeRawBufferPointer($0)) }
    }

    /// An event before it is signed: what ``sign(kind:tags:content:createdAt:with:auxRand:)`` hashes.
    struct Unsigned: EventContent {
        let pubkey: PublicKey
        let createdAt: Int64
        let kind: UInt16
        let tags: [[String]]
        let content: String
        var tagCount: Int { tags.count }

        func visitStrings(
            tag: (Int) throws -> Void, element: (UnsafeRawBufferPointer) throws -> Void,
            content visitContent: (UnsafeRawBufferPointer) throws -> Void
        ) rethrows {
            try Event.visit(tags, content, tag: tag, element: element, content: visitContent)
        }
    }
}

extension Event: EventContent {
    public var tagCount: Int { tags.count }

    public func visitStrings(
        tag: (Int) throws -> Void, element: (UnsafeRawBufferPointer) throws -> Void,
        content visitContent: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        try Event.visit(tags, content, tag: tag, element: element, content: visitContent)
    }
}
