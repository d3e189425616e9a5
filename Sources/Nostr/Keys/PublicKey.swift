import CSecp256k1

/// A BIP-340 x-only public key: the 32-byte x coordinate, as Nostr writes pubkeys.
///
/// Parsing checks the spelling (64 lowercase hex digits). Whether the bytes are the x
/// coordinate of a curve point is checked by ``isValidPoint`` and, implicitly, by every
/// signature verification; an event whose pubkey is off the curve fails as a bad signature.
public struct PublicKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    var storage: Bytes32

    init(storage: Bytes32) { self.storage = storage }

    /// Creates a key from exactly 32 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard let storage = Bytes32(bytes) else { return nil }
        self.storage = storage
    }

    /// Creates a key from exactly 32 bytes in memory; nil for any other length. Decoders
    /// read them straight from a buffer, without an array per value.
    public init?(rawBytes: UnsafeRawBufferPointer) {
        guard let storage = Bytes32(rawBytes) else { return nil }
        self.storage = storage
    }

    /// Parses 64 lowercase hex digits.
    public init?(hex: some StringProtocol) {
        guard let storage = Bytes32(hex: hex) else { return nil }
        self.storage = storage
    }

    /// True when the bytes are the x coordinate of a point on secp256k1.
    public var isValidPoint: Bool {
        var xonly = secp256k1_xonly_pubkey()
        return withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return false }
            return secp256k1_xonly_pubkey_parse(Secp256k1.shared.context, &xonly, base) == 1
        }
    }

    /// The 32 raw bytes.
    public var bytes: [UInt8] { storage.bytes }
    /// 64 lowercase hex digits.
    public var hex: String { storage.hex }
    public var description: String { hex }

    /// Calls `body` with the 32 raw bytes, without copying.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    public static func < (a: PublicKey, b: PublicKey) -> Bool { a.storage < b.storage }
}
