/// A parsed JSON value.
///
/// Numbers keep their literal spelling (see ``JSONNumber``), so integers of any size
/// survive a round trip. Objects reject duplicate keys unless the parse options say
/// otherwise.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Options for parsing untrusted JSON.
    public struct ParseOptions: Sendable {
        /// Deepest nesting of arrays and objects accepted.
        public var maxDepth: Int
        /// When true, a repeated object key replaces the earlier value (as most JSON
        /// libraries do); when false it is an error.
        public var allowDuplicateKeys: Bool

        public init(maxDepth: Int = 64, allowDuplicateKeys: Bool = false) {
            self.maxDepth = maxDepth
            self.allowDuplicateKeys = allowDuplicateKeys
        }
    }

    /// Parses one JSON text: a value with optional surrounding whitespace and nothing else.
    /// - Throws: ``NostrError`` with code `malformedJSON`, naming the byte offset.
    public init(parsing text: String, options: ParseOptions = ParseOptions()) throws {
        var copy = text
        self = try copy.withUTF8 { buffer in
            try JSONValue(parsingUTF8: UnsafeRawBufferPointer(buffer), options: options)
        }
    }

    /// Parses one JSON text from UTF-8 bytes.
    public init(parsing bytes: [UInt8], options: ParseOptions = ParseOptions()) throws {
        self = try bytes.withUnsafeBytes { buffer in
            try JSONValue(parsingUTF8: buffer, options: options)
        }
    }

    init(parsingUTF8 buffer: UnsafeRawBufferPointer, options: ParseOptions) throws {
        var scanner = JSONScanner(buffer, options: options)
        self = try scanner.readValue(depth: 0)
        try scanner.expectEnd()
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Compact JSON text with standard escaping and sorted object keys.
    public var jsonText: String {
        var out: [UInt8] = []
        JSONWriter.appendValue(self, to: &out, style: .standard)
        return String(decoding: out, as: UTF8.self)
    }
}

/// A JSON number as written. The literal has already been checked against the JSON
/// grammar and, when it is not an integer, to be a finite double.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal, exactly as it appeared in the input.
    public let literal: String

    init(validatedLiteral: String) { self.literal = validatedLiteral }

    /// Creates a number from an integer.
    public init(_ value: Int64) { self.literal = String(value) }

    /// Creates a number from a double; nil for infinities and NaN, which JSON cannot hold.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        self.literal = "\(value)"
    }

    /// True when the literal has no fraction and no exponent.
    public var isInteger: Bool { !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") } }

    /// The value as an Int64, when the literal is an integer that fits. `-0` gives nil:
    /// Nostr's integers are never negative zero, so it marks a malformed message.
    public var int64Value: Int64? { isInteger && literal != "-0" ? Int64(literal) : nil }

    /// The value as a Double (integers too large for Int64 become approximations).
    public var doubleValue: Double { Double(literal) ?? .nan }

    public var description: String { literal }
}
