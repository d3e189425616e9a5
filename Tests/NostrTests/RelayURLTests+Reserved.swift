import Testing

@testable import Nostr

/// Every reserved address range is refused, and the addresses just outside are accepted.
extension RelayURLTests {
    // MARK: - Reserved ranges

    /// A reserved range, addresses inside it (as written in a URL), and the range the
    /// rejection names: itself, unless an earlier range in the list also holds the address.
    struct ReservedCase: Sendable, CustomTestStringConvertible {
        let cidr: String
        let inside: [String]
        let named: String

        init(_ cidr: String, _ inside: [String], named: String? = nil) {
            self.cidr = cidr
            self.inside = inside
            self.named = named ?? cidr
        }

        var testDescription: String { cidr }
    }

    /// The 35 ranges in the order the rules give, each with its lowest and highest address
    /// where an earlier range does not claim them.
    static let reserved: [ReservedCase] = [
        ReservedCase("0.0.0.0/8", ["0.0.0.0", "0.255.255.255"]),
        ReservedCase("10.0.0.0/8", ["10.0.0.0", "10.255.255.255"]),
        ReservedCase("100.64.0.0/10", ["100.64.0.0", "100.127.255.255"]),
        ReservedCase("127.0.0.0/8", ["127.0.0.0", "127.255.255.255"]),
        ReservedCase("169.254.0.0/16", ["169.254.0.0", "169.254.255.255"]),
        ReservedCase("172.16.0.0/12", ["172.16.0.0", "172.31.255.255"]),
        ReservedCase("192.0.0.0/24", ["192.0.0.0", "192.0.0.255"]),
        ReservedCase("192.0.2.0/24", ["192.0.2.0", "192.0.2.255"]),
        ReservedCase("192.88.99.0/24", ["192.88.99.0", "192.88.99.255"]),
        ReservedCase("192.168.0.0/16", ["192.168.0.0", "192.168.255.255"]),
        ReservedCase("198.18.0.0/15", ["198.18.0.0", "198.19.255.255"]),
        ReservedCase("198.51.100.0/24", ["198.51.100.0", "198.51.100.255"]),
        ReservedCase("203.0.113.0/24", ["203.0.113.0", "203.0.113.255"]),
        ReservedCase("224.0.0.0/4", ["224.0.0.0", "239.255.255.255"]),
        // Listed before 240.0.0.0/4, which also holds it, so that it names itself.
        ReservedCase("255.255.255.255/32", ["255.255.255.255"]),
        ReservedCase("240.0.0.0/4", ["240.0.0.0", "255.255.255.254"]),
        ReservedCase("::1/128", ["[::1]"]),
        ReservedCase("::/128", ["[::]"]),
        ReservedCase("::ffff:0:0/96", ["[::ffff:0.0.0.0]", "[::ffff:255.255.255.255]"]),
        ReservedCase("64:ff9b::/96", ["[64:ff9b::]", "[64:ff9b::ffff:ffff]"]),
        ReservedCase("100::/64", ["[100::]", "[100::ffff:ffff:ffff:ffff]"]),
        ReservedCase("2001::/32", ["[2001::]", "[2001:0:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("2001:2::/48", ["[2001:2::]", "[2001:2:0:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("2001:db8::/32", ["[2001:db8::]", "[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("2001:10::/28", ["[2001:10::]", "[2001:1f:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("fc00::/7", ["[fc00::]", "[fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("fe80::/10", ["[fe80::]", "[febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("ff00::/8", ["[ff00::]", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("2002::/16", ["[2002::]", "[2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        // :: and ::1 belong to the earlier ::/128 and ::1/128.
        ReservedCase("::/96", ["[::2]", "[::ffff:ffff]"]),
        ReservedCase("fec0::/10", ["[fec0::]", "[feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("64:ff9b:1::/48", ["[64:ff9b:1::]", "[64:ff9b:1:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("2001:20::/28", ["[2001:20::]", "[2001:2f:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("3fff::/20", ["[3fff::]", "[3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff]"]),
        ReservedCase("5f00::/16", ["[5f00::]", "[5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"]),
    ]

    @Test func reservedRangeTableIsTheRulesList() {
        #expect(Self.reserved.count == 35)
        #expect(ReservedAddressRanges.all.map(\.cidr) == Self.reserved.map(\.cidr))
    }

    @Test(arguments: Self.reserved)
    func reservedRangeRejectsAnAddressInside(_ r: ReservedCase) throws {
        let range = try #require(ReservedAddressRanges.all.first { $0.cidr == r.cidr })
        for host in r.inside {
            let literal = host.hasPrefix("[") ? host.dropFirst().dropLast() : Substring(host)
            let ip = try #require(IPAddress(ipv4: literal) ?? IPAddress(ipv6: literal), "\(host)")
            #expect(range.contains(ip), "\(host) should be in \(r.cidr)")

            for allowLoopback in [false, true] where !(allowLoopback && (r.cidr == "127.0.0.0/8" || r.cidr == "::1/128")) {
                let error = #expect(throws: NostrError.self, "\(host)") {
                    try RelayURL("wss://\(host)", allowLoopback: allowLoopback)
                }
                #expect(error?.code == .invalidRelayURL)
                #expect(error?.message.contains("in \(r.named), ") == true, "\(host): \(error?.message ?? "")")
                #expect(error?.message.contains("local, private and reserved") == true, "\(host): \(error?.message ?? "")")
            }
        }
    }

    /// Neighbours of the reserved ranges that no range holds, written canonically.
    static let justOutside: [String] = [
        "1.0.0.0", "9.255.255.255", "11.0.0.0",
        "100.63.255.255", "100.128.0.0",
        "126.255.255.255", "128.0.0.0",
        "169.253.255.255", "169.255.0.0",
        "172.15.255.255", "172.32.0.0",
        "191.255.255.255", "192.0.1.0", "192.0.1.255", "192.0.3.0",
        "192.88.98.255", "192.88.100.0",
        "192.167.255.255", "192.169.0.0",
        "198.17.255.255", "198.20.0.0",
        "198.51.99.255", "198.51.101.0",
        "203.0.112.255", "203.0.114.0",
        "223.255.255.255",
        "[::1:0:0]", "[::fffe:ffff:ffff]", "[::1:0:0:0]",
        "[64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff]", "[64:ff9b::1:0:0]",
        "[64:ff9b:0:ffff:ffff:ffff:ffff:ffff]", "[64:ff9b:2::]",
        "[ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]", "[100:0:0:1::]",
        "[2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff]", "[2001:1::]",
        "[2001:1:ffff:ffff:ffff:ffff:ffff:ffff]", "[2001:2:1::]",
        "[2001:f:ffff:ffff:ffff:ffff:ffff:ffff]", "[2001:30::]",
        "[2001:db7:ffff:ffff:ffff:ffff:ffff:ffff]", "[2001:db9::]",
        "[2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff]", "[2003::]",
        "[3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff]", "[3fff:1000::]",
        "[5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]", "[5f01::]",
        "[fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]", "[fe00::]",
        "[fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff]",
    ]

    @Test(arguments: Self.justOutside)
    func addressJustOutsideAReservedRangeIsAccepted(_ host: String) throws {
        let relay = try RelayURL("wss://\(host)")
        #expect(relay.url == "wss://\(host)")
        #expect(relay.network == .clearnet)
    }
}
