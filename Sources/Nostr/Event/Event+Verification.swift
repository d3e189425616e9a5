import Crypto

extension Event {
    /// SHA-256 of ``canonicalSerialization``: what the id must be.
    public var computedID: EventID { Event.hash(canonicalSerialization) }

    static func hash(_ bytes: [UInt8]) -> EventID {
        let digest = SHA256.hash(data: bytes)
        var storage = Bytes32()
        digest.withUnsafeBytes { src in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) }
        }
        return EventID(storage: storage)
    }

    /// Checks the id, then the BIP-340 signature.
    ///
    /// The id must be the SHA-256 of the NIP-01 serialization. For events that contain a
    /// control character other than `\n \r \t \b \f`, the `JSON.stringify` form that
    /// nostr-tools and rust-nostr hash is accepted too (see ``jsonStringifySerialization``).
    /// - Throws: ``NostrError`` with code `badID` or `badSignature`.
    public func verify() throws {
        try verifyID()
        try verifySignature()
    }

    /// Checks that the id matches the content (see ``verify()``).
    public func verifyID() throws {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(content.utf8.count + 160 + tags.count * 80)
        Event.appendSerialization(
            pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags, content: content, to: &buffer, style: .nip01)
        let canonical = Event.hash(buffer)
        if canonical == id { return }
        if hasAmbiguousControlCharacters, Event.hash(jsonStringifySerialization) == id { return }
        throw NostrError(.badID, field: "id", "does not match the event's content (SHA-256 is \(canonical.hex))")
    }

    /// Checks the BIP-340 signature of the id by the pubkey.
    public func verifySignature() throws {
        let ok = sig.withUnsafeBytes { s in
            id.withUnsafeBytes { m in
                pubkey.withUnsafeBytes { p in Secp256k1.shared.verify(signature: s, message: m, pubkey: p) }
            }
        }
        guard ok else { throw NostrError(.badSignature, field: "sig", "does not verify against the pubkey") }
    }

    /// True when content or tags hold a control character that NIP-01 and `JSON.stringify`
    /// serialize differently.
    var hasAmbiguousControlCharacters: Bool {
        func ambiguous(_ s: String) -> Bool {
            s.utf8.contains { $0 < 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 && $0 != 0x08 && $0 != 0x0C }
        }
        return ambiguous(content) || tags.contains { $0.contains(where: ambiguous) }
    }

    /// Creates and signs an event. The id is the SHA-256 of the NIP-01 serialization.
    /// - Parameters:
    ///   - auxRand: BIP-340 auxiliary randomness (32 bytes); nil draws it from the system.
    /// - Throws: ``NostrError`` if `createdAt` is negative or signing fails.
    public static func sign(
        kind: UInt16, tags: [[String]] = [], content: String, createdAt: Int64, with key: SecretKey,
        auxRand: [UInt8]? = nil
    ) throws -> Event {
        guard createdAtRange.contains(createdAt) else {
            throw NostrError(.invalidEvent, field: "created_at", "must not be negative")
        }
        var buffer: [UInt8] = []
        appendSerialization(
            pubkey: key.publicKey, createdAt: createdAt, kind: kind, tags: tags, content: content, to: &buffer,
            style: .nip01)
        let id = hash(buffer)
        let sig = try Schnorr.sign(message: id.bytes, with: key, auxRand: auxRand)
        return Event(unchecked: id, pubkey: key.publicKey, createdAt: createdAt, kind: kind, tags: tags, content: content, sig: sig)
    }
}
