/// An error from the Nostr protocol model: malformed JSON, an invalid event, filter,
/// message, key or relay URL.
///
/// Every error carries a ``Code`` that says what kind of thing was wrong, the ``field``
/// it concerns when there is one (`"sig"`, `"tags[2][0]"`, `"#e"`), and a message
/// a person can act on.
public struct NostrError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of input was rejected.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }

        /// The input is not well-formed JSON (syntax, encoding, depth or number range).
        public static let malformedJSON = Code("malformed JSON")
        /// A field of an event is missing, ill-typed or out of range.
        public static let invalidEvent = Code("invalid event")
        /// The event id is not the SHA-256 of its canonical serialization.
        public static let badID = Code("bad id")
        /// The BIP-340 signature does not verify against the pubkey and id.
        public static let badSignature = Code("bad signature")
        /// A NIP-01 filter is malformed or exceeds a bound.
        public static let invalidFilter = Code("invalid filter")
        /// A relay or client message is malformed or of an unknown type.
        public static let invalidMessage = Code("invalid message")
        /// A secret or public key is malformed or not a valid curve point or scalar.
        public static let invalidKey = Code("invalid key")
        /// A bech32 / NIP-19 string is malformed or has the wrong prefix.
        public static let invalidBech32 = Code("invalid bech32")
        /// A relay URL was rejected by the normalization rules.
        public static let invalidRelayURL = Code("invalid relay URL")
        /// A metadata document cannot be canonicalized.
        public static let invalidMetadata = Code("invalid metadata")

        public var description: String { name }
    }

    /// What kind of input was rejected.
    public let code: Code
    /// The field or path the error concerns, if any (for example `"sig"` or `"tags[3][1]"`).
    public let field: String?
    /// What was wrong, in words.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// `code: field: message`, for logs and CLI output.
    public var description: String {
        if let field { return "\(code): \(field): \(message)" }
        return "\(code): \(message)"
    }
}
