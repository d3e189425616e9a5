import Testing

@testable import Nostr

/// The word-at-a-time and branch-free fast paths agree with the plain definitions on every
/// byte value and at every position in the word.
struct FastPathTests {
    @Test func escapeScanAgreesWithTheByteByByteTest() {
        let reference = { (bytes: [UInt8]) in bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } }
        // Every byte value, alone, at every offset of a 19-byte string (two words and a tail).
        for value in 0...255 {
            for position in 0..<19 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 19)
                bytes[position] = UInt8(value)
                let fast = bytes.withUnsafeBytes { JSONWriter.mayNeedEscape($0) }
                #expect(fast == reference(bytes), "byte \(value) at \(position)")
            }
        }
        // Bytes just around the thresholds, mixed with high (UTF-8) bytes that never trigger.
        let neighbours: [UInt8] = [0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xA2, 0xDC, 0xFF, 0x00]
        var state: UInt32 = 7
        for _ in 0..<2000 {
            let bytes = (0..<Int(state % 40)).map { _ -> UInt8 in
                state = state &* 1_103_515_245 &+ 12345
                return neighbours[Int(state >> 16) % neighbours.count]
            }
            #expect(bytes.withUnsafeBytes { JSONWriter.mayNeedEscape($0) } == reference(bytes), "\(bytes)")
        }
        #expect([UInt8]().withUnsafeBytes { JSONWriter.mayNeedEscape($0) } == false)
    }

    /// Strings are read eight bytes at a time up to the first quote, backslash or control
    /// byte: wherever that byte falls in the word, the string reads as a byte-by-byte reader
    /// would read it, and a raw control byte is still an error.
    @Test func stringScanStopsAtEverySpecialByteWhereverItFalls() throws {
        // (JSON text inserted, what it reads as; nil: the string is an error).
        let specials: [(String, String?)] = [
            ("\\\"", "\""), ("\\\\", "\\"), ("\\n", "\n"), ("\\u00e9", "é"), ("\\/", "/"), ("é", "é"),
            ("\u{01}", nil), ("\u{1F}", nil), ("\t", nil),
        ]
        for (inserted, reads) in specials {
            for position in 0..<20 {
                // A second special byte 9 bytes later, in the escaped tail's own word scan.
                let text = String(repeating: "a", count: position) + inserted + String(repeating: "b", count: 9) + inserted + "cd"
                let json = "\"" + text + "\""
                if let reads {
                    let expected = String(repeating: "a", count: position) + reads + String(repeating: "b", count: 9) + reads + "cd"
                    #expect(try JSONValue(parsing: json) == .string(expected), "\(inserted) at \(position)")
                } else {
                    #expect(throws: NostrError.self, "\(inserted) at \(position)") { try JSONValue(parsing: json) }
                }
            }
        }
        // An unterminated string is an error wherever it stops.
        for length in 0..<20 {
            #expect(throws: NostrError.self) { try JSONValue(parsing: "\"" + String(repeating: "a", count: length)) }
            #expect(throws: NostrError.self) { try JSONValue(parsing: "\"\\n" + String(repeating: "a", count: length)) }
        }
    }

    @Test func hexDigitsAgreeWithTheCheckedDecoder() {
        for c in 0...255 {
            let (value, invalid) = Hex.nibbleUnchecked(UInt8(c))
            if let expected = Hex.nibble(UInt8(c)) {
                #expect(invalid == 0 && value == expected, "digit \(c)")
            } else {
                #expect(invalid == 1, "byte \(c) taken for a digit")
            }
        }
        // A bad digit anywhere in 64 rejects the whole value.
        let good = Array(String(repeating: "0123456789abcdef", count: 4).utf8)
        #expect(good.withUnsafeBytes { Bytes32(hexUTF8: $0) } != nil)
        for position in 0..<64 {
            for bad: UInt8 in [UInt8(ascii: "A"), UInt8(ascii: "g"), UInt8(ascii: "/"), UInt8(ascii: ":"), 0, 0xFF] {
                var bytes = good
                bytes[position] = bad
                #expect(bytes.withUnsafeBytes { Bytes32(hexUTF8: $0) } == nil, "\(bad) at \(position)")
            }
        }
    }

    /// Verification answers the same with the parsed-key cache warm: a good signature by a
    /// cached key verifies, a bad one by the same key fails, a key that is not a valid x
    /// coordinate fails every time (and is never cached), and more distinct keys than the
    /// cache holds still verify.
    @Test func parsedKeyCacheNeverChangesAnAnswer() throws {
        let key = SecretKey.generate()
        let good = try Event.sign(kind: 1, content: "a", createdAt: 1, with: key)
        let other = try Event.sign(kind: 1, content: "b", createdAt: 1, with: key)
        for _ in 0..<3 {
            #expect((try? good.verifySignature()) != nil)
            #expect(Schnorr.verify(signature: other.sig, message: good.id.bytes, publicKey: good.pubkey) == false)
        }
        // x = 5 is not on secp256k1 (5^3 + 7 = 132 is not a square mod p).
        let offCurve = try #require(PublicKey(bytes: [UInt8](repeating: 0, count: 31) + [5]))
        for _ in 0..<3 {
            #expect(Schnorr.verify(signature: good.sig, message: good.id.bytes, publicKey: offCurve) == false)
        }
        // One more distinct key than the cache holds, then some: each verifies once.
        var verified = 0
        for i in 0..<(Secp256k1.parsedKeysCapacity + 10) {
            let event = try Event.sign(kind: 1, content: "\(i)", createdAt: 1, with: SecretKey.generate())
            if (try? event.verify()) != nil { verified += 1 }
        }
        #expect(verified == Secp256k1.parsedKeysCapacity + 10)
        #expect((try? good.verify()) != nil)
    }
}
