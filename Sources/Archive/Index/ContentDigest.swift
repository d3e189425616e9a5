import Crypto
import Foundation

enum ContentDigest {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// The first 8 bytes of the SHA-256 of `bytes`, big-endian, without an array on the way:
    /// a reindex hashes every tag value that is not stored raw.
    static func sha256Prefix(_ bytes: UnsafeRawBufferPointer) -> Int64 {
        SHA256.hash(data: bytes).withUnsafeBytes { Int64(bigEndian: $0.loadUnaligned(as: Int64.self)) }
    }
}
