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
    public func verifyID() throws { try checkID(id) }

    /// Checks the BIP-340 signature of the id by the pubkey.
    public func verifySignature() throws { try Event.checkSignature(sig, of: id, by: pubkey) }

    static func checkSignature(_ sig: Signature, of id: EventID, by pubkey: PublicKey) throws {
        let ok = sig.withUnsafeBytes { s in
            id.withUnsafeBytes { m in
                pubkey.withUnsafeBytes { p in Secp256k1.shared.verify(signature: s, message: m, pubkey: p) }
            }
        }
        guard ok else { throw NostrError(.badSignature, field: "sig", "does not verify against the pubkey") }
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
        Unsigned(pubkey: key.publicKey, createdAt: createdAt, kind: kind, tags: tags, content: content)
            .appendSerialization(to: &buffer, style: .nip01)
        let id = hash(buffer)
        let sig = try Schnorr.sign(message: id.bytes, with: key, auxRand: auxRand)
        return Event(unchecked: id, pubkey: key.publicKey, createdAt: createdAt, kind: kind, tags: tags, content: content, sig: sig)
    }
}
