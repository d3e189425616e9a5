/// The wire form of NIP-77 negentropy messages, protocol version 1 (`0x61`): a version
/// byte, then ranges, each an upper bound, a mode and that mode's payload.
///
/// - Varints are base 128, most significant group first, the high bit set on every byte
///   but the last.
/// - A bound is a timestamp, written as 0 for infinity and otherwise as 1 + its
///   difference from the previous bound's timestamp in the same message, then an id
///   prefix (its length as a varint, then the bytes).
/// - Modes: 0 skip (no payload), 1 fingerprint (16 bytes), 2 id list (a varint count,
///   then 32 bytes per id).
public enum NegentropyMessage {
    /// The protocol version this implementation speaks.
    public static let version: UInt8 = 0x61

    /// A range's payload.
    public enum Payload: Sendable, Equatable {
        case skip
        case fingerprint(NegentropyFingerprint)
        case ids([EventID])
    }

    /// One range of a message: everything from the previous range's bound up to `upper`.
    public struct Range: Sendable, Equatable {
        public var upper: NegentropyBound
        public var payload: Payload

        public init(upper: NegentropyBound, payload: Payload) {
            self.upper = upper
            self.payload = payload
        }
    }

    /// What a message is made of, once read.
    public enum Decoded: Sendable, Equatable {
        /// A message of this version.
        case ranges([Range])
        /// A message of another version (a responder's answer to a version it does not
        /// speak is that single byte, the version it does).
        case otherVersion(UInt8)
    }

    /// Reads a message.
    /// - Throws: ``NostrError`` (`invalidMessage`) naming what is wrong and where.
    public static func decode(_ bytes: [UInt8]) throws -> Decoded {
        var reader = Reader(bytes: bytes)
        let version = try reader.byte()
        guard (0x60...0x6F).contains(version) else {
            throw NostrError(.invalidMessage, "negentropy: 0x\(String(version, radix: 16)) is not a protocol version byte")
        }
        guard version == Self.version else { return .otherVersion(version) }
        var ranges: [Range] = []
        var lastTimestamp: UInt64 = 0
        while !reader.isAtEnd {
            let bound = try reader.bound(lastTimestamp: &lastTimestamp)
            let payload: Payload
            switch try reader.varint() {
            case 0: payload = .skip
            case 1: payload = .fingerprint(NegentropyFingerprint(bytes: try reader.bytes(16)))
            case 2:
                let count = try reader.varint()
                // Each id is 32 bytes: a count the rest cannot hold is refused before any allocation.
                guard count <= UInt64(reader.remaining / 32) else {
                    throw NostrError(.invalidMessage, "negentropy: an id list of \(count) ids in \(reader.remaining) bytes")
                }
                var ids: [EventID] = []
                ids.reserveCapacity(Int(count))
                for _ in 0..<count {
                    guard let id = EventID(bytes: try reader.bytes(32)) else { throw NostrError(.invalidMessage, "negentropy: a bad id") }
                    ids.append(id)
                }
                payload = .ids(ids)
            case let mode:
                throw NostrError(.invalidMessage, "negentropy: unknown mode \(mode) at byte \(reader.offset)")
            }
            ranges.append(Range(upper: bound, payload: payload))
        }
        return .ranges(ranges)
    }

    /// Writes a message of this version.
    public static func encode(_ ranges: [Range]) -> [UInt8] {
        var writer = Writer()
        for range in ranges { writer.append(range) }
        return writer.bytes
    }

    /// Writes ranges one at a time, knowing the size so far (for frame limits).
    struct Writer {
        private(set) var bytes: [UInt8] = [NegentropyMessage.version]
        private var lastTimestamp: UInt64 = 0

        var count: Int { bytes.count }

        mutating func append(_ range: Range) {
            appendBound(range.upper)
            switch range.payload {
            case .skip:
                NegentropyVarint.append(0, to: &bytes)
            case .fingerprint(let fingerprint):
                NegentropyVarint.append(1, to: &bytes)
                bytes += fingerprint.bytes
            case .ids(let ids):
                NegentropyVarint.append(2, to: &bytes)
                NegentropyVarint.append(UInt64(ids.count), to: &bytes)
                for id in ids { id.withUnsafeBytes { bytes += $0 } }
            }
        }

        /// The size `range` would add.
        func size(of range: Range) -> Int {
            var copy = Writer()
            copy.bytes = []
            copy.lastTimestamp = lastTimestamp
            copy.append(range)
            return copy.bytes.count
        }

        private mutating func appendBound(_ bound: NegentropyBound) {
            if bound.timestamp == .max {
                NegentropyVarint.append(0, to: &bytes)
                lastTimestamp = .max
            } else {
                // Bounds come in ascending order; after infinity nothing but infinity can.
                NegentropyVarint.append(bound.timestamp &- lastTimestamp &+ 1, to: &bytes)
                lastTimestamp = bound.timestamp
            }
            NegentropyVarint.append(UInt64(bound.idPrefix.count), to: &bytes)
            bytes += bound.idPrefix
        }
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var isAtEnd: Bool { offset >= bytes.count }
        var remaining: Int { bytes.count - offset }

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw NostrError(.invalidMessage, "negentropy: the message ends early") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            guard count <= remaining else { throw NostrError(.invalidMessage, "negentropy: the message ends early") }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }

        mutating func varint() throws -> UInt64 {
            var value: UInt64 = 0
            for _ in 0..<10 {
                let b = try byte()
                guard value >> 57 == 0 else { throw NostrError(.invalidMessage, "negentropy: a varint over 64 bits") }
                value = value << 7 | UInt64(b & 0x7F)
                if b & 0x80 == 0 { return value }
            }
            throw NostrError(.invalidMessage, "negentropy: a varint over 64 bits")
        }

        mutating func bound(lastTimestamp: inout UInt64) throws -> NegentropyBound {
            var timestamp = try varint()
            if timestamp == 0 || lastTimestamp == .max {
                timestamp = .max
            } else {
                let (sum, overflow) = (timestamp - 1).addingReportingOverflow(lastTimestamp)
                timestamp = overflow ? .max : sum
            }
            lastTimestamp = timestamp
            let length = try varint()
            guard length <= 32 else { throw NostrError(.invalidMessage, "negentropy: an id prefix of \(length) bytes") }
            return NegentropyBound(timestamp: timestamp, idPrefix: try bytes(Int(length)))
        }
    }
}

/// Negentropy's varints: base 128, most significant group first.
enum NegentropyVarint {
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var groups: [UInt8] = [UInt8(value & 0x7F)]
        var rest = value >> 7
        while rest > 0 {
            groups.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out += groups.reversed()
    }
}
