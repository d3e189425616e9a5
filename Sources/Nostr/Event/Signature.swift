/// A 64-byte BIP-340 Schnorr signature.
public struct Signature: Sendable, Hashable, CustomStringConvertible {
    var storage: Bytes64

    init(storage: Bytes64) { self.storage = storage }

    /// Creates a signature from exactly 64 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard let storage = Bytes64(bytes) else { return nil }
        self.storage = storage
    }

    /// Parses 128 lowercase hex digits.
    public init?(hex: some StringProtocol) {
        var copy = String(hex)
        guard let storage = copy.withUTF8({ Bytes64(hexUTF8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self.storage = storage
    }

    /// The 64 raw bytes.
    public var bytes: [UInt8] { storage.bytes }
    /// 128 lowercase hex digits.
    public var hex: String { storage.hex }
    public var description: String { hex }

    /// Calls `body` with the 64 raw bytes, without copying.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }
}
