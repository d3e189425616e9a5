/// A Nostr event (NIP-01).
///
/// An `Event` is always well-formed: the id, pubkey and signature have their exact
/// sizes, `kind` is 0...65535, `created_at` is a non-negative integer, and tags are
/// arrays of strings. Whether the id and signature are *correct* is a separate question,
/// answered by ``verify()``: relays send events to be checked in bulk, on every core,
/// after parsing.
///
/// See [NIP-01](https://github.com/nostr-protocol/nips/blob/master/01.md).
public struct Event: Sendable, Hashable {
    /// SHA-256 of the canonical serialization.
    public let id: EventID
    /// The author's x-only public key.
    public let pubkey: PublicKey
    /// Unix time in seconds, as the author claims it.
    public let createdAt: Int64
    /// The event kind.
    public let kind: UInt16
    /// Tags: arrays of strings, the first being the tag name.
    public let tags: [[String]]
    /// Arbitrary text.
    public let content: String
    /// BIP-340 signature of `id` by `pubkey`.
    public let sig: Signature

    /// The range of `created_at` brotr accepts.
    public static let createdAtRange: ClosedRange<Int64> = 0...Int64.max

    /// Creates an event from its parts, without checking the id or signature.
    /// - Throws: ``NostrError`` with code `invalidEvent` if `createdAt` is negative.
    public init(
        id: EventID, pubkey: PublicKey, createdAt: Int64, kind: UInt16, tags: [[String]], content: String,
        sig: Signature
    ) throws {
        guard Self.createdAtRange.contains(createdAt) else {
            throw NostrError(.invalidEvent, field: "created_at", "must not be negative")
        }
        self.init(unchecked: id, pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags, content: content, sig: sig)
    }

    init(unchecked id: EventID, pubkey: PublicKey, createdAt: Int64, kind: UInt16, tags: [[String]], content: String, sig: Signature) {
        self.id = id
        self.pubkey = pubkey
        self.createdAt = createdAt
        self.kind = kind
        self.tags = tags
        self.content = content
        self.sig = sig
    }
}

extension Event {
    /// The kind's NIP-01 class: regular, replaceable, ephemeral or addressable.
    public enum KindClass: Sendable {
        case regular, replaceable, ephemeral, addressable
    }

    /// The class NIP-01 assigns to this event's kind.
    public var kindClass: KindClass {
        switch kind {
        case 0, 3, 10000..<20000: .replaceable
        case 20000..<30000: .ephemeral
        case 30000..<40000: .addressable
        default: .regular
        }
    }

    /// The values of every tag named `name` (the second element of each such tag).
    public func tagValues(_ name: String) -> [String] {
        tags.compactMap { $0.count >= 2 && $0[0] == name ? $0[1] : nil }
    }
}
