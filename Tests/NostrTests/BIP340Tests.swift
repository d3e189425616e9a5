import Testing

@testable import Nostr

/// The official BIP-340 test vectors (bitcoin/bips, bip-0340/test-vectors.csv).
struct BIP340Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let index: Int
        let secretKey: String, publicKey: String, auxRand: String, message: String, signature: String
        let valid: Bool
        var testDescription: String { "vector \(index)" }
    }

    static let vectors: [Vector] = {
        guard let text = try? Fixtures.text("bip340-test-vectors.csv") else { return [] }
        // The file has CRLF line ends; "\r\n" is a single Character, so split on newlines.
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 7, let index = Int(f[0]) else { return nil }
            return Vector(
                index: index, secretKey: f[1].lowercased(), publicKey: f[2].lowercased(), auxRand: f[3].lowercased(),
                message: f[4].lowercased(), signature: f[5].lowercased(), valid: f[6] == "TRUE")
        }
    }()

    @Test func allVectorsAreLoaded() {
        #expect(Self.vectors.count == 19)
        #expect(Self.vectors.contains { !$0.valid })
        #expect(Self.vectors.contains { $0.message.count != 64 })  // messages of other lengths
    }

    @Test(arguments: vectors)
    func verify(_ v: Vector) throws {
        let pubkey = try #require(PublicKey(hex: v.publicKey))
        let signature = try #require(Signature(hex: v.signature))
        #expect(Schnorr.verify(signature: signature, message: bytes(fromHex: v.message), publicKey: pubkey) == v.valid)
    }

    @Test(arguments: vectors.filter { !$0.secretKey.isEmpty })
    func sign(_ v: Vector) throws {
        let key = try SecretKey(hex: v.secretKey)
        #expect(key.publicKey.hex == v.publicKey)
        let signature = try Schnorr.sign(message: bytes(fromHex: v.message), with: key, auxRand: bytes(fromHex: v.auxRand))
        #expect(signature.hex == v.signature)
    }
}
