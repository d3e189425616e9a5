/// An IPv4 or IPv6 address, parsed strictly and printed canonically.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    /// The 128 bits as two big-endian halves.
    case v6(hi: UInt64, lo: UInt64)

    /// Strict dotted-quad IPv4: four decimal octets 0-255 without leading zeros.
    /// Shorthand forms (`127.1`, `0x7f.0.0.1`, `2130706433`) are not addresses here.
    init?(ipv4 text: Substring) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit),
                part.count == 1 || part.first != "0", let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        self = .v4(value)
    }

    /// IPv6 in any RFC 4291 text form, including `::` compression and a dotted IPv4 tail.
    /// Zone identifiers (`%eth0`) are not accepted.
    init?(ipv6 text: Substring) {
        guard !text.isEmpty, !text.contains("%") else { return nil }
        var groups: [UInt16] = []
        var gapAt: Int? = nil
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        for (h, half) in halves.enumerated() {
            if h == 1 { gapAt = groups.count }
            if half.isEmpty { continue }
            let pieces = half.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if piece.contains("."), h == halves.count - 1, i == pieces.count - 1,
                    case .v4(let v4)? = IPAddress(ipv4: piece)
                {
                    groups.append(UInt16(v4 >> 16))
                    groups.append(UInt16(v4 & 0xFFFF))
                    continue
                }
                guard (1...4).contains(piece.count), let g = UInt16(piece, radix: 16), piece.allSatisfy(\.isHexDigit)
                else { return nil }
                groups.append(g)
            }
        }
        if let gapAt {
            guard groups.count <= 7 else { return nil }
            groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: gapAt)
        }
        guard groups.count == 8 else { return nil }
        let hi = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let lo = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        self = .v6(hi: hi, lo: lo)
    }

    /// An address from its 4 or 16 bytes in network order.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4: self = .v4(bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        case 16:
            let all = Array(bytes)
            self = .v6(hi: all[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, lo: all[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        default: return nil
        }
    }

    /// A dotted-quad IPv4 or a textual IPv6 address.
    public init?(_ text: String) {
        guard let address = IPAddress(ipv4: text[...]) ?? IPAddress(ipv6: text[...]) else { return nil }
        self = address
    }

    /// The 4 or 16 bytes in network order.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let v): (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) }
        case .v6(let hi, let lo): (0..<16).map { UInt8(truncatingIfNeeded: ($0 < 8 ? hi : lo) >> (56 - 8 * UInt64($0 % 8))) }
        }
    }

    /// Dotted quad for IPv4; RFC 5952 for IPv6 (lowercase, no leading zeros, the longest
    /// run of two or more zero groups compressed, the first such run on a tie).
    public var description: String {
        switch self {
        case .v4(let v):
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        case .v6(let hi, let lo):
            let groups = (0..<8).map { i -> UInt16 in
                let word = i < 4 ? hi : lo
                return UInt16(truncatingIfNeeded: word >> (UInt64(3 - i % 4) * 16))
            }
            var bestStart = -1, bestLen = 1, i = 0
            while i < 8 {
                guard groups[i] == 0 else { i += 1; continue }
                var j = i
                while j < 8, groups[j] == 0 { j += 1 }
                if j - i > bestLen { bestStart = i; bestLen = j - i }
                i = j
            }
            func hex(_ r: Range<Int>) -> String { groups[r].map { String($0, radix: 16) }.joined(separator: ":") }
            if bestStart < 0 { return hex(0..<8) }
            return hex(0..<bestStart) + "::" + hex((bestStart + bestLen)..<8)
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
