/// Unsigned LEB128 integers, as the segment records write them.
enum Varint {
    @inline(__always)
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}

/// Reads a record body; every read checks bounds and throws on short input.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var index: Int

    init(_ bytes: UnsafeRawBufferPointer, at index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    var isAtEnd: Bool { index >= bytes.count }

    struct Short: Error {}

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < bytes.count, shift < 64 else { throw Short() }
            let b = bytes[index]
            index += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    mutating func byte() throws -> UInt8 {
        guard index < bytes.count else { throw Short() }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func slice(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - index else { throw Short() }
        defer { index += count }
        return UnsafeRawBufferPointer(rebasing: bytes[index..<index + count])
    }

    mutating func string() throws -> String {
        let length = try varint()
        guard length <= UInt64(bytes.count - index) else { throw Short() }
        let raw = try slice(Int(length))
        guard let s = String(validating: raw, as: UTF8.self) else { throw Short() }
        return s
    }
}
