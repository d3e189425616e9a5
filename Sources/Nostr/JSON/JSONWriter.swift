/// Writes compact JSON as UTF-8 bytes, in one of the escaping styles Nostr needs.
enum JSONWriter {
    enum Style {
        /// NIP-01's rules for the id serialization: only `\n \" \\ \r \t \b \f` are escaped;
        /// every other character, control characters included, is written verbatim.
        case nip01
        /// RFC 8259 JSON for the wire: `"` and `\` escaped, control characters escaped
        /// (short forms where they exist, `\u00xx` otherwise), everything else verbatim.
        case standard
        /// Python's `json.dumps(..., ensure_ascii=False)`, as BigBrotr hashes metadata: strings
        /// as `standard` writes them (Python escapes the same characters, in the same
        /// forms), numbers the way Python writes them.
        case python
    }

    static func appendString(_ string: String, to out: inout [UInt8], style: Style) {
        var string = string
        string.withUTF8 { appendString(utf8: UnsafeRawBufferPointer($0), to: &out, style: style) }
    }

    static func appendString(utf8: UnsafeRawBufferPointer, to out: inout [UInt8], style: Style) {
        out.append(UInt8(ascii: "\""))
        // Fast path: most strings need no escaping at all.
        let plain: Bool
        switch style {
        case .nip01:
            plain = !mayNeedEscape(utf8) || !utf8.contains { $0 == 0x22 || $0 == 0x5C || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0x08 || $0 == 0x0C }
        case .standard, .python: plain = !mayNeedEscape(utf8)
        }
        if plain {
            out.append(contentsOf: utf8)
        } else {
            for c in utf8 {
                if let short = shortEscape(UInt32(c)) {
                    out.append(0x5C)
                    out.append(short)
                } else if c < 0x20, style != .nip01 {
                    appendUnicodeEscape(UInt32(c), to: &out)
                } else {
                    out.append(c)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether any byte is a quote, a backslash or below 0x20, tested eight bytes at a time:
    /// event ids are computed by serializing every string of every event.
    @inline(__always)
    static func mayNeedEscape(_ utf8: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i + 8 <= utf8.count {
            if hasQuoteBackslashOrControl(utf8.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return true }
            i += 8
        }
        while i < utf8.count {
            let c = utf8[i]
            if c < 0x20 || c == 0x22 || c == 0x5C { return true }
            i += 1
        }
        return false
    }

    /// Whether any of the eight bytes of `x` is a quote, a backslash or below 0x20: the bytes
    /// a JSON string cannot hold as they are. Reading and writing strings skip eight bytes
    /// at a time with it.
    @inline(__always)
    static func hasQuoteBackslashOrControl(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        // A byte of x is zero or below n (n <= 0x80) exactly where (x - n*ones) & ~x & highs is set.
        @inline(__always) func below(_ x: UInt64, _ n: UInt64) -> Bool { (x &- n &* ones) & ~x & highs != 0 }
        return below(x, 0x20) || below(x ^ (0x22 &* ones), 1) || below(x ^ (0x5C &* ones), 1)
    }

    /// The letter after the backslash for the characters every style escapes the same way
    /// (`\"` `\\` `\n` `\r` `\t` `\b` `\f`), or nil.
    @inline(__always)
    private static func shortEscape(_ c: UInt32) -> UInt8? {
        switch c {
        case 0x22: 0x22
        case 0x5C: 0x5C
        case 0x0A: UInt8(ascii: "n")
        case 0x0D: UInt8(ascii: "r")
        case 0x09: UInt8(ascii: "t")
        case 0x08: UInt8(ascii: "b")
        case 0x0C: UInt8(ascii: "f")
        default: nil
        }
    }

    private static func appendUnicodeEscape(_ v: UInt32, to out: inout [UInt8]) {
        out.append(0x5C)
        out.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(Hex.digits[Int((v >> UInt32(shift)) & 0xF)])
        }
    }

    /// Writes a value with object keys sorted by code point.
    static func appendValue(_ value: JSONValue, to out: inout [UInt8], style: Style) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            out.append(contentsOf: (style == .python ? PythonNumberFormat.format(n) : n.literal).utf8)
        case .string(let s): appendString(s, to: &out, style: style)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(e, to: &out, style: style)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // UTF-8 byte order is code point order, which is what Python's sort_keys uses.
            for (i, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out, style: style)
                out.append(UInt8(ascii: ":"))
                if let v = members[key] { appendValue(v, to: &out, style: style) }
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
