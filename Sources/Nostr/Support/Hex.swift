/// Lowercase hexadecimal, as Nostr writes ids, keys and signatures.
public enum Hex {
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The value of a lowercase hex digit, or nil. Uppercase is rejected: NIP-01 ids and
    /// keys are lowercase, and accepting both would give one event two spellings.
    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        default: return nil
        }
    }

    /// The value of a lowercase hex digit and 0, or an unspecified value and 1, without
    /// branches, for loops that check validity once at the end.
    @inline(__always)
    static func nibbleUnchecked(_ c: UInt8) -> (value: UInt8, invalid: UInt8) {
        let decimal = c &- UInt8(ascii: "0"), letter = c &- UInt8(ascii: "a")
        let isDecimal: UInt8 = decimal < 10 ? 1 : 0, isLetter: UInt8 = letter < 6 ? 1 : 0
        return (isDecimal &* decimal | isLetter &* (letter &+ 10), 1 &- (isDecimal | isLetter))
    }

    /// Decodes an even number of lowercase hex digits, of any length (NIP-77 messages).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let count = text.utf8.count
        guard count % 2 == 0 else { return nil }
        return decode(text, count: count / 2)
    }

    /// Decodes exactly `count` bytes from `2 * count` lowercase hex digits.
    static func decode(_ text: some StringProtocol, count: Int) -> [UInt8]? {
        var copy = String(text)
        return copy.withUTF8 { decode(UnsafeRawBufferPointer($0), count: count) }
    }

    static func decode(_ utf8: UnsafeRawBufferPointer, count: Int) -> [UInt8]? {
        guard utf8.count == count * 2 else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            guard let hi = nibble(utf8[2 * i]), let lo = nibble(utf8[2 * i + 1]) else { return nil }
            out[i] = hi << 4 | lo
        }
        return out
    }

    /// The lowercase hex spelling of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the 32 bytes that `text` spells when it is exactly 64 lowercase hex digits,
    /// the form of ids and keys in tags; returns false, appending nothing, otherwise.
    public static func appendBytes32(of text: String, to out: inout [UInt8]) -> Bool {
        guard text.utf8.count == 64 else { return false }
        var text = text
        return text.withUTF8 { appendBytes32(ofUTF8: UnsafeRawBufferPointer($0), to: &out) }
    }

    /// ``appendBytes32(of:to:)`` for text given as UTF-8 bytes.
    public static func appendBytes32(ofUTF8 utf8: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        guard let bytes = Bytes32(hexUTF8: utf8) else { return false }
        withUnsafeBytes(of: bytes) { out.append(contentsOf: $0) }
        return true
    }

    /// Appends the hex spelling of `bytes` to `out`.
    @inline(__always)
    static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
    }
}
