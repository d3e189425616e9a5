/// BIP-340 Schnorr signatures over arbitrary messages.
///
/// Nostr signs 32-byte event ids; the general form is here so that the official BIP-340
/// test vectors (which include messages of other lengths) can be checked.
public enum Schnorr {
    /// Verifies a BIP-340 signature.
    /// - Returns: false when the signature does not verify or the key is not on the curve.
    public static func verify(signature: Signature, message: [UInt8], publicKey: PublicKey) -> Bool {
        signature.withUnsafeBytes { sig in
            message.withUnsafeBytes { msg in
                publicKey.withUnsafeBytes { pk in
                    Secp256k1.shared.verify(signature: sig, message: msg, pubkey: pk)
                }
            }
        }
    }

    /// Signs a message. `auxRand` is BIP-340's 32 bytes of auxiliary randomness; the
    /// default draws it from the operating system.
    /// - Throws: ``NostrError`` with code `invalidKey` if `auxRand` is not 32 bytes.
    public static func sign(message: [UInt8], with key: SecretKey, auxRand: [UInt8]? = nil) throws -> Signature {
        let aux = auxRand ?? SecureRandom.bytes(32)
        guard aux.count == 32 else { throw NostrError(.invalidKey, "BIP-340 auxiliary randomness is 32 bytes") }
        let signature = message.withUnsafeBytes { key.keypair.sign(message: $0, auxRand: aux) }
        guard let signature else { throw NostrError(.invalidKey, "libsecp256k1 refused to sign") }
        return signature
    }
}
