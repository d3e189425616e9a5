import CSecp256k1

/// A secp256k1 secret key: 32 bytes forming a scalar in 1..<n.
///
/// Its `description` never prints the key.
public struct SecretKey: Sendable, Hashable, CustomStringConvertible {
    var storage: Bytes32
    /// The expanded key pair, cached: deriving it costs a point multiplication.
    let keypair: KeyPairStorage

    /// Creates a key from 32 bytes.
    /// - Throws: ``NostrError`` with code `invalidKey` if the bytes are not a valid scalar.
    public init(bytes: [UInt8]) throws {
        guard let storage = Bytes32(bytes) else {
            throw NostrError(.invalidKey, "a secret key is 32 bytes, got \(bytes.count)")
        }
        try self.init(storage: storage)
    }

    /// Parses 64 lowercase hex digits.
    public init(hex: String) throws {
        guard let storage = Bytes32(hex: hex) else {
            throw NostrError(.invalidKey, "a secret key is 64 lowercase hex digits")
        }
        try self.init(storage: storage)
    }

    init(storage: Bytes32) throws {
        guard let keypair = KeyPairStorage(secret: storage) else {
            throw NostrError(.invalidKey, "not a valid secp256k1 secret key (zero or not below the group order)")
        }
        self.storage = storage
        self.keypair = keypair
    }

    /// A new random key from the operating system's generator.
    public static func generate() -> SecretKey {
        while true {
            if let storage = Bytes32(SecureRandom.bytes(32)), let key = try? SecretKey(storage: storage) {
                return key
            }
        }
    }

    /// The x-only public key (BIP-340).
    public var publicKey: PublicKey { keypair.publicKey }
    /// The 32 raw bytes. Handle with care.
    public var bytes: [UInt8] { storage.bytes }
    /// 64 lowercase hex digits. Handle with care.
    public var hex: String { storage.hex }
    public var description: String { "SecretKey(redacted, pubkey: \(publicKey.hex))" }

    public static func == (a: SecretKey, b: SecretKey) -> Bool { a.storage == b.storage }
    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}

/// libsecp256k1's opaque key pair, held inline.
struct KeyPairStorage: Sendable {
    var raw: secp256k1_keypair
    let publicKey: PublicKey

    init?(secret: Bytes32) {
        let ctx = Secp256k1.shared.context
        var keypair = secp256k1_keypair()
        let created = withUnsafeBytes(of: secret) { sk -> Bool in
            guard let base = sk.bindMemory(to: UInt8.self).baseAddress else { return false }
            return secp256k1_keypair_create(ctx, &keypair, base) == 1
        }
        guard created else { return nil }
        var xonly = secp256k1_xonly_pubkey()
        var parity: Int32 = 0
        guard secp256k1_keypair_xonly_pub(ctx, &xonly, &parity, &keypair) == 1 else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        guard secp256k1_xonly_pubkey_serialize(ctx, &out, &xonly) == 1, let pk = Bytes32(out) else { return nil }
        self.raw = keypair
        self.publicKey = PublicKey(storage: pk)
    }

    /// BIP-340 signature of `message` with 32 bytes of auxiliary randomness.
    func sign(message: UnsafeRawBufferPointer, auxRand: [UInt8]) -> Signature? {
        guard auxRand.count == 32 else { return nil }
        var keypair = raw
        var sig = [UInt8](repeating: 0, count: 64)
        var aux = auxRand
        let ok = aux.withUnsafeMutableBytes { auxPtr -> Bool in
            var params = secp256k1_schnorrsig_extraparams()
            // SECP256K1_SCHNORRSIG_EXTRAPARAMS_MAGIC, spelled out: the C macro initializer is not imported.
            params.magic = (0xda, 0x6f, 0xb3, 0x8c)
            params.noncefp = nil
            params.ndata = auxPtr.baseAddress
            return secp256k1_schnorrsig_sign_custom(
                Secp256k1.shared.context, &sig,
                message.bindMemory(to: UInt8.self).baseAddress, message.count, &keypair, &params) == 1
        }
        guard ok else { return nil }
        return Signature(bytes: sig)
    }
}
