import Nostr

/// The few DNS record types the monitor asks for (RFC 1035, RFC 3596).
public enum DNSRecordType: UInt16, Sendable, CaseIterable {
    case a = 1, ns = 2, cname = 5, ptr = 12, aaaa = 28
}

/// One answer record: its type, TTL and data as text (an address, or a name without the
/// final dot).
public struct DNSRecord: Sendable, Hashable {
    public var type: DNSRecordType
    public var ttl: UInt32
    public var data: String
}

/// A DNS query and the parsing of its answer. Parsing is bounded: names are followed
/// through at most 16 compression pointers, and any read past the end is an error.
enum DNSMessage {
    struct Malformed: Error {}

    /// A recursive query for `name`, `type`, class IN.
    static func query(id: UInt16, name: String, type: DNSRecordType) throws -> [UInt8] {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8)
            guard (1...63).contains(bytes.count) else { throw TransportError(.protocolError, "'\(name)' has a label longer than 63 bytes") }
            out.append(UInt8(bytes.count))
            out += bytes
        }
        out.append(0)
        out += [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1]
        guard out.count <= 512 else { throw TransportError(.protocolError, "'\(name)' is too long for a DNS query") }
        return out
    }

    /// The answer to query `id`: its response code and the answer records of known types.
    static func answer(_ bytes: [UInt8], id: UInt16) throws -> (rcode: Int, records: [DNSRecord]) {
        var reader = Reader(bytes: bytes)
        guard try reader.u16() == id else { throw Malformed() }
        let flags = try reader.u16()
        guard flags & 0x8000 != 0 else { throw Malformed() }
        let questions = try reader.u16(), answers = try reader.u16()
        reader.offset += 4
        for _ in 0..<questions {
            _ = try reader.name()
            reader.offset += 4
        }
        var records: [DNSRecord] = []
        for _ in 0..<answers {
            _ = try reader.name()
            let type = try reader.u16()
            reader.offset += 2
            let ttl = UInt32(try reader.u16()) << 16 | UInt32(try reader.u16())
            let length = Int(try reader.u16())
            let end = reader.offset + length
            guard end <= bytes.count else { throw Malformed() }
            switch DNSRecordType(rawValue: type) {
            case let address? where (address == .a && length == 4) || (address == .aaaa && length == 16):
                records.append(DNSRecord(type: address, ttl: ttl, data: IPAddress(bytes: bytes[reader.offset..<end])?.description ?? ""))
            case let name? where name == .cname || name == .ns || name == .ptr:
                var inner = reader
                records.append(DNSRecord(type: name, ttl: ttl, data: try inner.name()))
            default: break
            }
            reader.offset = end
        }
        return (Int(flags & 0x000F), records)
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func u8() throws -> UInt8 {
            guard offset < bytes.count else { throw Malformed() }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func u16() throws -> UInt16 { UInt16(try u8()) << 8 | UInt16(try u8()) }

        /// A name, following compression pointers; the reader ends after the name's first
        /// appearance.
        mutating func name() throws -> String {
            var labels: [String] = []
            var position = offset
            var jumped = false
            for _ in 0..<128 {
                guard position < bytes.count else { throw Malformed() }
                let length = Int(bytes[position])
                if length == 0 {
                    if !jumped { offset = position + 1 }
                    return labels.joined(separator: ".")
                }
                if length & 0xC0 == 0xC0 {
                    guard position + 1 < bytes.count, labels.count < 128 else { throw Malformed() }
                    if !jumped { offset = position + 2 }
                    jumped = true
                    position = (length & 0x3F) << 8 | Int(bytes[position + 1])
                    continue
                }
                guard position + 1 + length <= bytes.count else { throw Malformed() }
                labels.append(String(decoding: bytes[(position + 1)...(position + length)], as: UTF8.self))
                position += 1 + length
            }
            throw Malformed()
        }
    }
}
