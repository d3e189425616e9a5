/// 32 bytes held inline (no heap allocation), compared lexicographically.
///
/// The storage is four words whose memory is the bytes in order, so
/// `withUnsafeBytes` hands out the bytes directly.
@usableFromInline
struct Bytes32: Sendable, Hashable, Comparable {
    @usableFromInline var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    init() {}

    /// Copies exactly 32 bytes; nil for any other length.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        withUnsafeMutableBytes(of: &self) { $0.copyMemory(from: bytes) }
    }

    init?(_ bytes: [UInt8]) {
        guard let value = bytes.withUnsafeBytes({ Bytes32($0) }) else { return nil }
        self = value
    }

    /// Parses 64 lowercase hex digits.
    ///
    /// Branch-free per digit, with one validity check at the end: ids, keys, signatures
    /// and tag values of every event pass through here, several times per event.
    init?(hexUTF8 utf8: UnsafeRawBufferPointer) {
        guard utf8.count == 64, let digits = utf8.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var value = Bytes32()
        var invalid: UInt8 = 0
        withUnsafeMutableBytes(of: &value) { out in
            for i in 0..<32 {
                let (hi, badHi) = Hex.nibbleUnchecked(digits[2 &* i])
                let (lo, badLo) = Hex.nibbleUnchecked(digits[2 &* i &+ 1])
                invalid |= badHi | badLo
                out.storeBytes(of: hi << 4 | lo, toByteOffset: i, as: UInt8.self)
            }
        }
        guard invalid == 0 else { return nil }
        self = value
    }

    init?(hex: some StringProtocol) {
        var copy = String(hex)
        guard let value = copy.withUTF8({ Bytes32(hexUTF8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = value
    }

    var bytes: [UInt8] { withUnsafeBytes(of: self) { Array($0) } }
    var hex: String { withUnsafeBytes(of: self) { Hex.encode($0) } }

    @usableFromInline
    static func < (a: Bytes32, b: Bytes32) -> Bool {
        (UInt64(bigEndian: a.w0), UInt64(bigEndian: a.w1), UInt64(bigEndian: a.w2), UInt64(bigEndian: a.w3))
            < (UInt64(bigEndian: b.w0), UInt64(bigEndian: b.w1), UInt64(bigEndian: b.w2), UInt64(bigEndian: b.w3))
    }
}

/// 64 bytes held inline: a BIP-340 signature.
@usableFromInline
struct Bytes64: Sendable, Hashable {
    @usableFromInline var lo = Bytes32(), hi = Bytes32()

    init() {}

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 64 else { return nil }
        withUnsafeMutableBytes(of: &self) { $0.copyMemory(from: bytes) }
    }

    init?(_ bytes: [UInt8]) {
        guard let value = bytes.withUnsafeBytes({ Bytes64($0) }) else { return nil }
        self = value
    }

    init?(hexUTF8 utf8: UnsafeRawBufferPointer) {
        guard utf8.count == 128,
            let lo = Bytes32(hexUTF8: UnsafeRawBufferPointer(rebasing: utf8[0..<64])),
            let hi = Bytes32(hexUTF8: UnsafeRawBufferPointer(rebasing: utf8[64..<128]))
        else { return nil }
        self.lo = lo
        self.hi = hi
    }

    var bytes: [UInt8] { withUnsafeBytes(of: self) { Array($0) } }
    var hex: String { withUnsafeBytes(of: self) { Hex.encode($0) } }
}
