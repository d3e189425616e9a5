import Crypto

/// A content-addressed metadata document: a NIP-11 information document or the result
/// of a NIP-66 check.
///
/// The document is sanitized (nulls and empty containers removed, recursively; the top
/// level stays even if empty), serialized as canonical JSON, and addressed by the SHA-256
/// of that text. Canonical JSON is byte for byte what BigBrotr 6.6.9 hashes, Python's
/// `json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`: keys
/// sorted by code point, no whitespace, non-ASCII written as it is (UTF-8), control
/// characters escaped, numbers as Python writes them. Identical documents therefore get
/// identical hashes in brotr and in BigBrotr.
public struct Metadata: Sendable, Hashable {
    /// What the document describes.
    public let type: MetadataType
    /// The sanitized document.
    public let document: [String: JSONValue]
    /// The canonical JSON text.
    public let canonicalJSON: String
    /// SHA-256 of ``canonicalJSON``.
    public let hash: ContentHash

    /// The deepest nesting kept; deeper values are dropped, as BigBrotr does.
    public static let maxDepth = 50

    /// Canonicalizes a document.
    /// - Throws: ``NostrError`` with code `invalidMetadata` if a string or key holds U+0000.
    public init(type: MetadataType, document: [String: JSONValue]) throws {
        let clean = try Metadata.sanitize(.object(document), depth: 0)
        var out: [UInt8] = []
        let object = clean?.objectValue ?? [:]
        JSONWriter.appendValue(.object(object), to: &out, style: .python)
        self.type = type
        self.document = object
        self.canonicalJSON = String(decoding: out, as: UTF8.self)
        var storage = Bytes32()
        SHA256.hash(data: out).withUnsafeBytes { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
        self.hash = ContentHash(storage: storage)
    }

    /// Parses and canonicalizes a JSON object. Duplicate keys keep the last value, as
    /// most JSON libraries (and BigBrotr) do.
    public init(type: MetadataType, json: String) throws {
        let value = try JSONValue(parsing: json, options: .init(maxDepth: 64, allowDuplicateKeys: true))
        guard case .object(let object) = value else {
            throw NostrError(.invalidMetadata, "a metadata document must be a JSON object")
        }
        try self.init(type: type, document: object)
    }

    /// Nil for values that disappear: null, empty containers, and anything nested too deep.
    static func sanitize(_ value: JSONValue, depth: Int) throws -> JSONValue? {
        guard depth <= maxDepth else { return nil }
        switch value {
        case .null: return nil
        case .string(let s):
            guard !s.utf8.contains(0) else { throw NostrError(.invalidMetadata, "a string contains U+0000") }
            return value
        case .bool, .number: return value
        case .array(let elements):
            let kept = try elements.compactMap { try sanitize($0, depth: depth + 1) }.filter { !isEmptyContainer($0) }
            return .array(kept)
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (k, v) in members {
                guard !k.utf8.contains(0) else { throw NostrError(.invalidMetadata, "a key contains U+0000") }
                if let s = try sanitize(v, depth: depth + 1), !isEmptyContainer(s) { kept[k] = s }
            }
            return .object(kept)
        }
    }

    private static func isEmptyContainer(_ v: JSONValue) -> Bool {
        switch v {
        case .array(let a): a.isEmpty
        case .object(let o): o.isEmpty
        default: false
        }
    }
}

/// The kind of a metadata document: `nip11_info`, one of the NIP-66 checks, or the AUTH and
/// NIP-77 probes'.
public struct MetadataType: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    /// - Throws: ``NostrError`` with code `invalidMetadata` unless `name` is 1-32 of `[a-z0-9_]`.
    public init(_ name: String) throws {
        guard (1...32).contains(name.utf8.count),
            name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F })
        else { throw NostrError(.invalidMetadata, "metadata type must be 1-32 of [a-z0-9_], got '\(name.prefix(40))'") }
        self.name = name
    }

    private init(known: String) { self.name = known }

    public static let nip11Info = MetadataType(known: "nip11_info")
    public static let nip66RTT = MetadataType(known: "nip66_rtt")
    public static let nip66SSL = MetadataType(known: "nip66_ssl")
    public static let nip66Geo = MetadataType(known: "nip66_geo")
    public static let nip66Net = MetadataType(known: "nip66_net")
    public static let nip66DNS = MetadataType(known: "nip66_dns")
    public static let nip66HTTP = MetadataType(known: "nip66_http")
    /// Beyond BigBrotr's types: what the NIP-42 and NIP-77 probes found, and the outcome
    /// of the connection whose phases were timed.
    public static let nip42Auth = MetadataType(known: "nip42_auth")
    public static let nip77Negentropy = MetadataType(known: "nip77_negentropy")
    public static let connectionPhases = MetadataType(known: "connection_phases")
    /// The verdict of one monitor check of a relay, `{"answered": bool}`: whether any of its
    /// checks found the relay up (the relay_uptime analytics count these).
    public static let monitorCheck = MetadataType(known: "monitor_check")

    public var description: String { name }
}

/// A SHA-256 content address.
public struct ContentHash: Sendable, Hashable, Comparable, CustomStringConvertible {
    var storage: Bytes32

    init(storage: Bytes32) { self.storage = storage }

    /// A hash from exactly 32 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard let storage = Bytes32(bytes) else { return nil }
        self.storage = storage
    }

    /// Parses 64 lowercase hex digits.
    public init?(hex: some StringProtocol) {
        guard let storage = Bytes32(hex: hex) else { return nil }
        self.storage = storage
    }

    /// The 32 raw bytes.
    public var bytes: [UInt8] { storage.bytes }
    /// 64 lowercase hex digits.
    public var hex: String { storage.hex }
    public var description: String { hex }

    public static func < (a: ContentHash, b: ContentHash) -> Bool { a.storage < b.storage }
}
