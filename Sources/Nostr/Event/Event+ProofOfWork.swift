extension EventID {
    /// NIP-13's difficulty: the number of leading zero bits of the id.
    public var leadingZeroBits: Int {
        withUnsafeBytes { bytes in
            var bits = 0
            for byte in bytes {
                guard byte == 0 else { return bits + byte.leadingZeroBitCount }
                bits += 8
            }
            return bits
        }
    }
}

extension Event {
    /// Signs an event whose id has at least `difficulty` leading zero bits (NIP-13): a
    /// `["nonce", n, "difficulty"]` tag is appended and `n` counted up until the id
    /// qualifies. Returns nil when `maxAttempts` ids did not reach it (each attempt is one
    /// SHA-256 of the serialization; difficulty d takes 2^d attempts on average).
    public static func signWithWork(
        kind: UInt16, tags: [[String]] = [], content: String, createdAt: Int64, with key: SecretKey, difficulty: Int, maxAttempts: Int
    ) throws -> Event? {
        var buffer: [UInt8] = []
        for nonce in 0..<max(1, maxAttempts) {
            let mined = tags + [["nonce", String(nonce), String(difficulty)]]
            buffer.removeAll(keepingCapacity: true)
            Unsigned(pubkey: key.publicKey, createdAt: createdAt, kind: kind, tags: mined, content: content).appendSerialization(to: &buffer, style: .nip01)
            guard hash(buffer).leadingZeroBits >= difficulty else { continue }
            return try sign(kind: kind, tags: mined, content: content, createdAt: createdAt, with: key)
        }
        return nil
    }
}
