/// A CIDR block of addresses that are not public relays, with its IANA name.
struct ReservedRange: Sendable {
    let address: IPAddress
    let prefixLength: Int
    let name: String

    init(_ cidr: String, _ name: String) {
        let parts = cidr.split(separator: "/")
        // The table below is a compile-time constant; a typo in it is a programming error.
        guard parts.count == 2, let bits = Int(parts[1]),
            let address = IPAddress(ipv4: parts[0]) ?? IPAddress(ipv6: parts[0])
        else { preconditionFailure("bad CIDR in ReservedAddressRanges: \(cidr)") }
        self.address = address
        self.prefixLength = bits
        self.name = name
    }

    func contains(_ ip: IPAddress) -> Bool {
        switch (address, ip) {
        case (.v4(let net), .v4(let a)):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength)
            return a & mask == net & mask
        case (.v6(let nh, let nl), .v6(let ah, let al)):
            let hiBits = min(prefixLength, 64), loBits = max(prefixLength - 64, 0)
            let hiMask: UInt64 = hiBits == 0 ? 0 : ~UInt64(0) << UInt64(64 - hiBits)
            let loMask: UInt64 = loBits == 0 ? 0 : ~UInt64(0) << UInt64(64 - loBits)
            return ah & hiMask == nh & hiMask && al & loMask == nl & loMask
        default:
            return false
        }
    }

    var cidr: String { "\(address)/\(prefixLength)" }
}

/// Local, private and reserved address ranges that a relay URL may not point at.
///
/// The first 28 are the IANA special-purpose ranges BigBrotr rejects. brotr adds the
/// ranges that are not globally reachable either and that BigBrotr lets through (6to4,
/// IPv4-compatible, site-local, local-use NAT64, ORCHIDv2, the 2024 documentation prefix
/// and SRv6 SIDs).
enum ReservedAddressRanges {
    static let all: [ReservedRange] = [
        ReservedRange("0.0.0.0/8", "\"this network\""),
        ReservedRange("10.0.0.0/8", "private-use (RFC 1918)"),
        ReservedRange("100.64.0.0/10", "shared address space (CGNAT, RFC 6598)"),
        ReservedRange("127.0.0.0/8", "loopback"),
        ReservedRange("169.254.0.0/16", "link-local"),
        ReservedRange("172.16.0.0/12", "private-use (RFC 1918)"),
        ReservedRange("192.0.0.0/24", "IETF protocol assignments"),
        ReservedRange("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ReservedRange("192.88.99.0/24", "6to4 relay anycast"),
        ReservedRange("192.168.0.0/16", "private-use (RFC 1918)"),
        ReservedRange("198.18.0.0/15", "benchmarking"),
        ReservedRange("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ReservedRange("203.0.113.0/24", "documentation (TEST-NET-3)"),
        ReservedRange("224.0.0.0/4", "multicast"),
        ReservedRange("255.255.255.255/32", "limited broadcast"),  // before 240/4, so it names itself
        ReservedRange("240.0.0.0/4", "reserved for future use"),
        ReservedRange("::1/128", "loopback"),
        ReservedRange("::/128", "unspecified address"),
        ReservedRange("::ffff:0:0/96", "IPv4-mapped"),
        ReservedRange("64:ff9b::/96", "NAT64 well-known prefix"),
        ReservedRange("100::/64", "discard-only"),
        ReservedRange("2001::/32", "Teredo"),
        ReservedRange("2001:2::/48", "benchmarking"),
        ReservedRange("2001:db8::/32", "documentation"),
        ReservedRange("2001:10::/28", "ORCHID"),
        ReservedRange("fc00::/7", "unique-local"),
        ReservedRange("fe80::/10", "link-local"),
        ReservedRange("ff00::/8", "multicast"),
        // Beyond BigBrotr's list:
        ReservedRange("2002::/16", "6to4"),
        ReservedRange("::/96", "IPv4-compatible (deprecated)"),
        ReservedRange("fec0::/10", "site-local (deprecated)"),
        ReservedRange("64:ff9b:1::/48", "local-use NAT64"),
        ReservedRange("2001:20::/28", "ORCHIDv2"),
        ReservedRange("3fff::/20", "documentation"),
        ReservedRange("5f00::/16", "SRv6 SIDs"),
    ]

    /// The loopback ranges that `allowLoopback` admits.
    static let loopback: [ReservedRange] = [ReservedRange("127.0.0.0/8", "loopback"), ReservedRange("::1/128", "loopback")]

    /// The first reserved range containing `ip`, or nil for a public address.
    static func range(containing ip: IPAddress) -> ReservedRange? {
        all.first { $0.contains(ip) }
    }
}
