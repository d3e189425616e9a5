/// A strict, allocation-light JSON reader over UTF-8 bytes (RFC 8259).
///
/// The event, filter and message parsers read their input with it directly, so a relay
/// message becomes an ``Event`` without an intermediate tree. Everything it rejects
/// becomes a ``NostrError`` with code `malformedJSON` that names the byte offset:
/// bad syntax, invalid UTF-8, unescaped control characters, lone surrogates, numbers
/// out of range, nesting deeper than the limit, duplicate keys.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    let options: JSONValue.ParseOptions

    init(_ bytes: UnsafeRawBufferPointer, options: JSONValue.ParseOptions = .init()) {
        self.bytes = bytes
        self.options = options
    }

    // MARK: Structure

    func error(_ message: String, at offset: Int? = nil) -> NostrError {
        NostrError(.malformedJSON, "\(message) at byte \(offset ?? index)")
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The next significant byte, after whitespace; nil at the end of input.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    mutating func expect(_ c: UInt8) throws {
        guard peek() == c else {
            throw error(index < bytes.count ? "expected '\(Character(Unicode.Scalar(c)))'" : "unexpected end of input")
        }
        index += 1
    }

    /// Consumes `c` if it is the next significant byte.
    mutating func consume(_ c: UInt8) -> Bool {
        guard peek() == c else { return false }
        index += 1
        return true
    }

    /// After an element of an array or object: true if another element follows (a comma
    /// was consumed), false if `close` was consumed.
    mutating func nextElement(close: UInt8) throws -> Bool {
        switch peek() {
        case UInt8(ascii: ","): index += 1; return true
        case close: index += 1; return false
        case nil: throw error("unexpected end of input")
        default: throw error("expected ',' or '\(Character(Unicode.Scalar(close)))'")
        }
    }

    /// Only whitespace may follow the top-level value.
    mutating func expectEnd() throws {
        if peek() != nil { throw error("unexpected data after the JSON value") }
    }

    // MARK: Strings

    /// Reads a string and calls `body` with its unescaped UTF-8 bytes, which are valid
    /// UTF-8 on entry. Strings without escapes are passed without copying.
    mutating func withString<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let start = index
        return try withUnvalidatedString { bytes in
            if bytes.contains(where: { $0 >= 0x80 }), !UTF8Validation.isValid(bytes) {
                throw NostrError(.malformedJSON, "invalid UTF-8 in string at byte \(start)")
            }
            return try body(bytes)
        }
    }

    /// Reads a string value, validating its UTF-8 in the same pass that builds it.
    mutating func readString() throws -> String {
        let start = index
        let string = try withUnvalidatedString { String(validating: $0, as: UTF8.self) }
        guard let string else { throw error("invalid UTF-8 in string", at: start) }
        return string
    }

    /// Like ``withString(_:)``, but the bytes may not be valid UTF-8: the caller checks.
    private mutating func withUnvalidatedString<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try expect(UInt8(ascii: "\""))
        let start = index
        skipPlainWords()
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return try body(slice)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("unescaped control character in string") }
            index += 1
        }
        guard index < bytes.count else { throw error("unterminated string", at: start - 1) }
        // Slow path: escapes present.
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        try readEscapedTail(into: &out, start: start)
        return try out.withUnsafeBytes { buffer in try body(buffer) }
    }

    private mutating func readEscapedTail(into out: inout [UInt8], start: Int) throws {
        while index < bytes.count {
            let c = bytes[index]
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): try readUnicodeEscape(into: &out)
                default: throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: index - 2)
                }
            default:
                if c < 0x20 { throw error("unescaped control character in string") }
                // The run of plain bytes up to the next quote, backslash or control byte.
                let run = index
                index += 1
                skipPlainWords()
                while index < bytes.count, bytes[index] != 0x22, bytes[index] != 0x5C, bytes[index] >= 0x20 { index += 1 }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index]))
            }
        }
        throw error("unterminated string", at: start - 1)
    }

    /// Skips whole 8-byte words of string that hold no quote, backslash or control byte.
    @inline(__always)
    private mutating func skipPlainWords() {
        while index + 8 <= bytes.count, !JSONWriter.hasQuoteBackslashOrControl(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
            index += 8
        }
    }

    private mutating func readHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index] | 0x20  // \u escapes may use either case
            guard let n = Hex.nibble(c) else { throw error("invalid \\u escape") }
            value = value << 4 | UInt32(n)
            index += 1
        }
        return value
    }

    private mutating func readUnicodeEscape(into out: inout [UInt8]) throws {
        let at = index - 2
        var scalar = try readHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("unpaired surrogate in \\u escape", at: at) }
            index += 2
            let low = try readHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in \\u escape", at: at) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw error("unpaired surrogate in \\u escape", at: at)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape", at: at) }
        out.append(contentsOf: unicode.utf8)
    }

    // MARK: Numbers

    /// Reads a number and returns its literal, checked against the JSON grammar.
    mutating func readNumberLiteral() throws -> UnsafeRawBufferPointer {
        skipWhitespace()
        let start = index
        func digit(_ i: Int) -> Bool { i < bytes.count && (0x30...0x39).contains(bytes[i]) }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digit(index) else { throw error("invalid number", at: start) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if digit(index) { throw error("leading zero in number", at: start) }
        } else {
            while digit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digit(index) else { throw error("invalid number", at: start) }
            while digit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digit(index) else { throw error("invalid number", at: start) }
            while digit(index) { index += 1 }
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<index])
    }

    /// Reads a JSON integer in `range`. Fractions, exponents, `-0` and values out of range
    /// are rejected with `field` named in the message.
    mutating func readInteger(in range: ClosedRange<Int64>, field: String, code: NostrError.Code) throws -> Int64 {
        guard let c = peek() else { throw error("unexpected end of input") }
        guard c == UInt8(ascii: "-") || (0x30...0x39).contains(c) else {
            throw NostrError(code, field: field, "must be an integer")
        }
        let start = index
        let literal: UnsafeRawBufferPointer
        do { literal = try readNumberLiteral() } catch { throw NostrError(code, field: field, "must be an integer") }
        if literal.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) {
            throw NostrError(code, field: field, "must be an integer, not \(String(decoding: literal.prefix(40), as: UTF8.self))")
        }
        let negative = literal[0] == UInt8(ascii: "-")
        var value: Int64 = 0
        for c in literal.dropFirst(negative ? 1 : 0) {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(c - 0x30))
            if o1 || o2 { throw NostrError(code, field: field, "out of range \(range.lowerBound)...\(range.upperBound)") }
            value = s
        }
        if negative {
            if value == 0 { throw NostrError(code, field: field, "must not be negative zero (at byte \(start))") }
            value = -value
        }
        guard range.contains(value) else {
            throw NostrError(code, field: field, "\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    // MARK: Generic values

    mutating func readValue(depth: Int) throws -> JSONValue {
        guard depth < options.maxDepth else { throw error("nesting deeper than \(options.maxDepth)") }
        switch peek() {
        case nil: throw error("unexpected end of input")
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "{"):
            index += 1
            var members: [String: JSONValue] = [:]
            if consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                let at = index
                let key = try readString()
                try expect(UInt8(ascii: ":"))
                let value = try readValue(depth: depth + 1)
                if members.updateValue(value, forKey: key) != nil, !options.allowDuplicateKeys {
                    throw error("duplicate key \"\(key.prefix(64))\"", at: at)
                }
            } while try nextElement(close: UInt8(ascii: "}"))
            return .object(members)
        case UInt8(ascii: "["):
            index += 1
            var elements: [JSONValue] = []
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                elements.append(try readValue(depth: depth + 1))
            } while try nextElement(close: UInt8(ascii: "]"))
            return .array(elements)
        case UInt8(ascii: "t"): try readKeyword("true"); return .bool(true)
        case UInt8(ascii: "f"): try readKeyword("false"); return .bool(false)
        case UInt8(ascii: "n"): try readKeyword("null"); return .null
        default:
            let start = index
            let literal = String(decoding: try readNumberLiteral(), as: UTF8.self)
            let number = JSONNumber(validatedLiteral: literal)
            if !number.isInteger, !number.doubleValue.isFinite {
                throw error("number out of range", at: start)
            }
            return .number(number)
        }
    }

    /// Skips one value of any type, with the same checks as ``readValue(depth:)``.
    mutating func skipValue(depth: Int) throws {
        guard depth < options.maxDepth else { throw error("nesting deeper than \(options.maxDepth)") }
        switch peek() {
        case nil: throw error("unexpected end of input")
        case UInt8(ascii: "\""): try withString { _ in }
        case UInt8(ascii: "{"):
            index += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                try withString { _ in }
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            } while try nextElement(close: UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            index += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while try nextElement(close: UInt8(ascii: "]"))
        case UInt8(ascii: "t"): try readKeyword("true")
        case UInt8(ascii: "f"): try readKeyword("false")
        case UInt8(ascii: "n"): try readKeyword("null")
        default:
            let start = index
            let literal = try readNumberLiteral()
            if literal.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }),
                !(Double(String(decoding: literal, as: UTF8.self))?.isFinite ?? false)
            {
                throw error("number out of range", at: start)
            }
        }
    }

    private mutating func readKeyword(_ word: StaticString) throws {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard index + expected.count <= bytes.count,
            bytes[index..<index + expected.count].elementsEqual(expected)
        else { throw error("invalid literal") }
        index += expected.count
    }
}
