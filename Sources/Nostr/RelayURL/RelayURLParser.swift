import Foundation  // NFKC normalization of internationalized hosts

/// The steps of ``RelayURL`` normalization, in order.
enum RelayURLParser {
    struct Parts {
        var scheme: String
        var host: String
        var port: Int?
        var path: String
        var network: RelayNetwork
    }

    static func reject(_ message: String) -> NostrError { NostrError(.invalidRelayURL, message) }

    static func parse(_ input: String, allowLoopback: Bool) throws -> Parts {
        let text = input.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw reject("empty") }
        if let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw reject("contains \(bad.value < 0x20 || bad.value == 0x7F ? "a control character" : "whitespace") (U+\(String(bad.value, radix: 16, uppercase: true)))")
        }
        guard !text.contains("\\") else { throw reject("contains a backslash") }

        // Scheme.
        guard let sep = text.range(of: "://") else { throw reject("no scheme: a relay URL starts with wss:// or ws://") }
        let givenScheme = text[..<sep.lowerBound].lowercased()
        guard givenScheme == "ws" || givenScheme == "wss" else {
            throw reject("scheme must be ws or wss, not '\(givenScheme.prefix(20))'")
        }

        // Fragment and query are dropped; the authority ends at the first '/'.
        var rest = text[sep.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if let question = rest.firstIndex(of: "?") { rest = rest[..<question] }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        let rawPath = rest[slash...]

        // Userinfo is dropped (never stored: it may hold credentials).
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }

        // Host and port.
        var hostText: Substring
        var portText: Substring? = nil
        var ipv6Literal = false
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw reject("unclosed '[' in host") }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw reject("unexpected '\(after.prefix(20))' after the IPv6 address")
            }
            ipv6Literal = true
        } else {
            hostText = authority
            if let colon = authority.lastIndex(of: ":") {
                hostText = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            }
            if hostText.contains(":") { throw reject("an IPv6 address must be in brackets") }
        }
        let port = try parsePort(portText)

        // Host and network.
        var (host, network) = try RelayHost.classify(hostText, ipv6Literal: ipv6Literal, allowLoopback: allowLoopback)
        let scheme = network.forcedScheme ?? givenScheme
        let defaultPort = scheme == "wss" ? 443 : 80
        host = host.lowercased()
        return Parts(
            scheme: scheme, host: host, port: port == defaultPort ? nil : port, path: normalizePath(rawPath),
            network: network)
    }

    static func parsePort(_ text: Substring?) throws -> Int? {
        guard let text, !text.isEmpty else { return nil }
        guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw reject("port '\(text.prefix(20))' is not a number")
        }
        guard text.count <= 5, let port = Int(text), (1...65535).contains(port) else {
            throw reject("port \(text.prefix(20)) is out of range 1...65535")
        }
        return port
    }

    /// Removes dot segments (RFC 3986 5.2.4), repeated and trailing slashes, normalizes
    /// percent-escapes to uppercase hex, and drops the whole path if a segment is not a
    /// plain name, as BigBrotr does.
    static func normalizePath(_ raw: Substring) -> String {
        var segments: [Substring] = []
        for segment in raw.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        var normalized: [String] = []
        for segment in segments {
            // An encoded slash splits a segment in two for the check, as BigBrotr decodes
            // the whole path before splitting it.
            guard let decoded = percentDecode(segment),
                decoded.split(separator: "/", omittingEmptySubsequences: true).allSatisfy({ isPlainSegment(String($0)) })
            else { return "" }
            normalized.append(uppercasePercentEscapes(segment))
        }
        return normalized.isEmpty ? "" : "/" + normalized.joined(separator: "/")
    }

    private static func isPlainSegment(_ s: String) -> Bool {
        func alnum(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) }
        let scalars = Array(s.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last, alnum(first), alnum(last) else { return false }
        return scalars.allSatisfy { alnum($0) || "._~:-".unicodeScalars.contains($0) }
    }

    private static func uppercasePercentEscapes(_ s: Substring) -> String {
        var out = ""
        var pending = 0
        for c in s {
            if c == "%" { pending = 2; out.append(c); continue }
            if pending > 0 { pending -= 1; out.append(contentsOf: c.uppercased()); continue }
            out.append(c)
        }
        return out
    }

    /// Decodes %XX escapes; nil for a malformed escape or bytes that are not UTF-8.
    static func percentDecode(_ s: Substring) -> String? {
        guard s.contains("%") else { return String(s) }
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%") {
                guard it.count >= 2, let hi = Hex.nibble(it[it.startIndex] | 0x20),
                    let lo = Hex.nibble(it[it.startIndex + 1] | 0x20)
                else { return nil }
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
