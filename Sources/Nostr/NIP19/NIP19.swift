/// NIP-19 bech32 entities for keys and event ids: `npub`, `nsec` and `note`.
///
/// See [NIP-19](https://github.com/nostr-protocol/nips/blob/master/19.md).
public enum NIP19 {
    /// A decoded NIP-19 string.
    public enum Entity: Sendable, Hashable {
        case npub(PublicKey)
        case nsec(SecretKey)
        case note(EventID)
    }

    /// Decodes `npub1...`, `nsec1...` or `note1...`.
    /// - Throws: ``NostrError`` with code `invalidBech32` or `invalidKey`.
    public static func decode(_ text: String) throws -> Entity {
        let (hrp, data) = try Bech32.decode(text)
        func need32() throws {
            guard data.count == 32 else { throw NostrError(.invalidBech32, "\(hrp) carries 32 bytes, got \(data.count)") }
        }
        switch hrp {
        case "npub":
            try need32()
            guard let key = PublicKey(bytes: data), key.isValidPoint else {
                throw NostrError(.invalidKey, "npub is not a point on secp256k1")
            }
            return .npub(key)
        case "nsec":
            try need32()
            return .nsec(try SecretKey(bytes: data))
        case "note":
            try need32()
            guard let id = EventID(bytes: data) else { throw NostrError(.invalidBech32, "bad note") }
            return .note(id)
        default:
            throw NostrError(.invalidBech32, "unsupported prefix '\(hrp.prefix(20))' (expected npub, nsec or note)")
        }
    }
}

extension PublicKey {
    /// The NIP-19 `npub1...` spelling.
    public var npub: String { Bech32.encode(hrp: "npub", data: bytes) }

    /// Parses an `npub1...` string.
    public init(npub: String) throws {
        guard case .npub(let key) = try NIP19.decode(npub) else {
            throw NostrError(.invalidBech32, "expected an npub")
        }
        self = key
    }
}

extension SecretKey {
    /// The NIP-19 `nsec1...` spelling. Handle with care.
    public var nsec: String { Bech32.encode(hrp: "nsec", data: bytes) }

    /// Parses an `nsec1...` string.
    public init(nsec: String) throws {
        guard case .nsec(let key) = try NIP19.decode(nsec) else {
            throw NostrError(.invalidBech32, "expected an nsec")
        }
        self = key
    }
}

extension EventID {
    /// The NIP-19 `note1...` spelling.
    public var note: String { Bech32.encode(hrp: "note", data: bytes) }
}
