import Foundation  // NFKC normalization of internationalized hosts

/// Host validation and network detection for ``RelayURL``.
enum RelayHost {
    static func reject(_ message: String) -> NostrError { NostrError(.invalidRelayURL, message) }

    /// Returns the canonical host (lowercase, punycode, IPv6 compressed) and its network.
    static func classify(_ raw: Substring, ipv6Literal: Bool, allowLoopback: Bool) throws -> (String, RelayNetwork) {
        if ipv6Literal {
            if raw.contains("%") { throw reject("IPv6 zone identifiers are not allowed") }
            guard let ip = IPAddress(ipv6: raw) else { throw reject("'\(raw.prefix(50))' is not an IPv6 address") }
            return try classify(ip: ip, allowLoopback: allowLoopback)
        }
        guard let decoded = RelayURLParser.percentDecode(raw) else {
            throw reject("malformed percent-encoding in host '\(raw.prefix(50))'")
        }
        var host = try toASCII(decoded)
        while host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty else { throw reject("no host") }

        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        // A numeric last label means the host is an IPv4 address or nothing.
        if let last = labels.last, !last.isEmpty, last.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let ip = IPAddress(ipv4: Substring(host)) else {
                throw reject("'\(host.prefix(50))' is neither a dotted-quad IPv4 address nor a host name")
            }
            return try classify(ip: ip, allowLoopback: allowLoopback)
        }
        if host == "localhost" || host == "localhost.localdomain" {
            guard allowLoopback else {
                throw reject("'\(host)' is a local name, not a public relay (--allow-loopback admits it for local testbeds)")
            }
            return ("localhost", .loopback)
        }
        if host.hasSuffix(".onion") { return (try onion(host, labels: labels), .tor) }
        if host.hasSuffix(".i2p") { return (try i2p(host, labels: labels), .i2p) }
        if host.hasSuffix(".loki") { return (try loki(host, labels: labels), .loki) }
        try checkHostName(host, labels: labels)
        return (host, .clearnet)
    }

    static func classify(ip: IPAddress, allowLoopback: Bool) throws -> (String, RelayNetwork) {
        if allowLoopback, ReservedAddressRanges.loopback.contains(where: { $0.contains(ip) }) {
            return (ip.description, .loopback)
        }
        if let range = ReservedAddressRanges.range(containing: ip) {
            let hint = range.name == "loopback" ? " (--allow-loopback admits loopback relays for local testbeds)" : ""
            throw reject("\(ip) is in \(range.cidr), \(range.name): local, private and reserved addresses are not public relays\(hint)")
        }
        return (ip.description, .clearnet)
    }

    /// Lowercases, applies NFKC, and turns each non-ASCII label into `xn--` punycode.
    static func toASCII(_ host: String) throws -> String {
        if host.utf8.allSatisfy({ $0 < 0x80 }) { return host.lowercased() }
        let mapped = host.precomposedStringWithCompatibilityMapping.lowercased()
            .replacingOccurrences(of: "\u{3002}", with: ".")  // ideographic full stop separates labels
        var labels: [String] = []
        for label in mapped.split(separator: ".", omittingEmptySubsequences: false) {
            if label.utf8.allSatisfy({ $0 < 0x80 }) { labels.append(String(label)); continue }
            guard !label.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }),
                let encoded = Punycode.encode(Array(label.unicodeScalars)), encoded.utf8.count + 4 <= 63
            else { throw reject("invalid internationalized host label '\(label.prefix(50))'") }
            labels.append("xn--" + encoded)
        }
        return labels.joined(separator: ".")
    }

    /// DNS host name rules: at least two labels, at most 253 bytes, labels of 1-63 bytes
    /// from `[a-z0-9_-]` that neither start nor end with `-`.
    static func checkHostName(_ host: String, labels: [Substring]) throws {
        guard labels.count >= 2 else { throw reject("single-label host '\(host.prefix(50))' is not a public relay") }
        guard host.utf8.count <= 253 else { throw reject("host is longer than 253 bytes") }
        for label in labels {
            guard !label.isEmpty else { throw reject("empty label in host '\(host.prefix(50))'") }
            guard label.utf8.count <= 63 else { throw reject("label '\(label.prefix(20))...' is longer than 63 bytes") }
            if let bad = label.unicodeScalars.first(where: { !isHostChar($0) }) {
                throw reject("invalid character '\(bad.escaped(asASCII: true))' in host '\(host.prefix(50))'")
            }
            guard !label.hasPrefix("-"), !label.hasSuffix("-") else {
                throw reject("label '\(label)' starts or ends with '-'")
            }
        }
    }

    private static func isHostChar(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
    }

    private static let base32: Set<Character> = Set("abcdefghijklmnopqrstuvwxyz234567")
    private static let zBase32: Set<Character> = Set("ybndrfg8ejkmcpqxot1uwisza345h769")

    /// Tor v3: a 56-character base32 name, with optional subdomains.
    static func onion(_ host: String, labels: [Substring]) throws -> String {
        guard labels.count >= 2 else { throw reject("'.onion' alone is not an onion address") }
        let name = labels[labels.count - 2]
        if name.count == 16, name.allSatisfy(base32.contains) {
            throw reject("Tor v2 onion addresses are obsolete (Tor removed them in 2021)")
        }
        guard name.count == 56, name.allSatisfy(base32.contains) else {
            throw reject("'\(host.prefix(80))' is not a Tor v3 onion address (56 base32 characters)")
        }
        try checkHostName(host, labels: labels)
        return host
    }

    /// I2P: a `.b32.i2p` address of 52 base32 characters, or an I2P host name.
    static func i2p(_ host: String, labels: [Substring]) throws -> String {
        if labels.count >= 3, labels[labels.count - 2] == "b32" {
            let name = labels[labels.count - 3]
            guard labels.count == 3, name.count == 52, name.allSatisfy(base32.contains) else {
                throw reject("'\(host.prefix(80))' is not an I2P b32 address (52 base32 characters)")
            }
            return host
        }
        try checkHostName(host, labels: labels)
        return host
    }

    /// Lokinet: 52 characters of z-base32 before `.loki`.
    static func loki(_ host: String, labels: [Substring]) throws -> String {
        guard labels.count == 2, labels[0].count == 52, labels[0].allSatisfy(zBase32.contains) else {
            throw reject("'\(host.prefix(80))' is not a Lokinet address (52 z-base32 characters)")
        }
        return host
    }
}
