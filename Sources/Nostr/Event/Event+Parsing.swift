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
        self = try PackedEvent(jsonUTF8: buffer).event
    }

    /// Reads one event object at the scanner's position.
    static func read(from scanner: inout JSONScanner) throws -> Event {
        try PackedEvent.read(from: &scanner).event
    }
}
