import CSecp256k1
import Synchronization

/// The process-wide libsecp256k1 context.
///
/// `@unchecked Sendable`: the context is randomized once in `init` and never mutated
/// again; libsecp256k1 documents every function that takes a `const` context (verify,
/// sign, key derivation) as safe to call from many threads at once. The cache of parsed
/// keys is behind a mutex.
final class Secp256k1: @unchecked Sendable {
    static let shared = Secp256k1()

    let context: OpaquePointer

    private init() {
        // SECP256K1_CONTEXT_NONE: since 0.2.0 precomputed tables are static.
        guard let ctx = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            fatalError("libsecp256k1: cannot create a context")  // out of memory at start-up
        }
        // Blinding against side channels when signing.
        var seed = SecureRandom.bytes(32)
        _ = secp256k1_context_randomize(ctx, &seed)
        context = ctx
    }

    /// Recently parsed x-only keys. Parsing one takes a square root in the field, about an
    /// eighth of a verification, and events come in runs by author (a relay's history, an
    /// export), so most verifications skip it. Bounded: emptied when full.
    private let parsedKeys = Mutex([Bytes32: secp256k1_xonly_pubkey]())
    static let parsedKeysCapacity = 8192

    /// The parsed form of a 32-byte x-only key, or nil when it is not a valid x coordinate.
    private func parsedKey(_ pubkey: UnsafeRawBufferPointer, _ pk: UnsafePointer<UInt8>) -> secp256k1_xonly_pubkey? {
        guard let key = Bytes32(pubkey) else { return nil }
        if let known = parsedKeys.withLock({ $0[key] }) { return known }
        var xonly = secp256k1_xonly_pubkey()
        guard secp256k1_xonly_pubkey_parse(context, &xonly, pk) == 1 else { return nil }
        parsedKeys.withLock { keys in
            if keys.count >= Self.parsedKeysCapacity { keys.removeAll(keepingCapacity: true) }
            keys[key] = xonly
        }
        return xonly
    }

    /// BIP-340 verification of `signature` over `message` by the x-only key `pubkey`.
    /// False when the key is not a valid x coordinate.
    func verify(signature: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer, pubkey: UnsafeRawBufferPointer) -> Bool {
        guard signature.count == 64, pubkey.count == 32,
            let sig = signature.bindMemory(to: UInt8.self).baseAddress,
            let pk = pubkey.bindMemory(to: UInt8.self).baseAddress
        else { return false }
        guard var xonly = parsedKey(pubkey, pk) else { return false }
        if let msg = message.bindMemory(to: UInt8.self).baseAddress {
            return secp256k1_schnorrsig_verify(context, sig, msg, message.count, &xonly) == 1
        }
        // An empty message (BIP-340 allows it): the library wants a non-NULL pointer.
        var none: UInt8 = 0
        return secp256k1_schnorrsig_verify(context, sig, &none, 0, &xonly) == 1
    }
}

/// Random bytes from the operating system (getrandom on Linux).
enum SecureRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        // Eight bytes per draw: each draw is a getrandom(2) call.
        var rng = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        out.reserveCapacity(count + 7)
        while out.count < count {
            withUnsafeBytes(of: rng.next()) { out.append(contentsOf: $0) }
        }
        out.removeLast(out.count - count)
        return out
    }
}
