import Testing

@testable import Nostr

/// Relay URL normalization, checked against the rules in docs/relay-urls.md. Every expected
/// value below was worked out from those rules by hand.
struct RelayURLTests {
    /// One input and what normalizing it must give.
    struct Case: Sendable, CustomTestStringConvertible {
        enum Expected: Sendable {
            /// Accepted: the normalized URL and the detected network.
            case ok(String, RelayNetwork)
            /// Rejected with `invalidRelayURL`; the lowercased message contains this text.
            case rejected(String)
        }

        let input: String
        let expected: Expected
        let allowLoopback: Bool

        init(_ input: String, _ expected: Expected, allowLoopback: Bool = false) {
            self.input = input
            self.expected = expected
            self.allowLoopback = allowLoopback
        }

        /// The input, with invisible characters escaped and very long inputs shortened.
        var testDescription: String {
            var shown = ""
            for scalar in input.unicodeScalars.prefix(100) {
                if scalar.isASCII, scalar.value >= 0x20, scalar.value != 0x7F {
                    shown.unicodeScalars.append(scalar)
                } else if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F {
                    shown += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    shown.unicodeScalars.append(scalar)
                }
            }
            let count = input.unicodeScalars.count
            return count > 100 ? "\(shown)… (\(count) characters)" : shown
        }

        var isAccepted: Bool {
            if case .ok = expected { return true }
            return false
        }
    }

    // MARK: - Fixtures

    /// A syntactically valid Tor v3 name: 56 characters of RFC 4648 base32.
    static let onion = String(repeating: "abcd2345", count: 7)
    /// 56 characters with a `1`, which base32 lacks.
    static let onionBadChar = String(repeating: "abcd2341", count: 7)
    /// A Tor v2 name: 16 base32 characters.
    static let onionV2 = "abcdefghijklmnop"
    /// An I2P b32 name: 52 base32 characters.
    static let i2p = String(repeating: "q7r2", count: 13)
    /// 52 characters with a `1`, which base32 lacks.
    static let i2pBadChar = String(repeating: "q7r1", count: 13)
    /// A Lokinet name: 52 characters of z-base32, using every letter of its alphabet,
    /// including `1`, `8` and `9`, which RFC base32 lacks.
    static let zBase32Alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769"
    static let loki = zBase32Alphabet + String(zBase32Alphabet.prefix(20))
    static let label63 = String(repeating: "a", count: 63)
    static let host253 = [label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".")
    static let host254 = [label63, label63, label63, String(repeating: "b", count: 62)].joined(separator: ".")
    static let urlPrefix = "wss://relay.damus.io/"
    /// A URL of exactly 2048 bytes that normalizes to itself.
    static let url2048 = urlPrefix + String(repeating: "a", count: 2048 - urlPrefix.utf8.count)

    @Test func fixturesHaveTheIntendedShape() {
        #expect(Self.onion.count == 56)
        #expect(Self.onionBadChar.count == 56)
        #expect(Self.onionV2.count == 16)
        #expect(Self.i2p.count == 52)
        #expect(Self.i2pBadChar.count == 52)
        #expect(Self.zBase32Alphabet.count == 32 && Set(Self.zBase32Alphabet).count == 32)
        #expect(Self.loki.count == 52)
        #expect(Self.host253.utf8.count == 253)
        #expect(Self.host254.utf8.count == 254)
        #expect(Self.url2048.utf8.count == 2048)
        #expect(Set(Self.table.map(\.input)).count == Self.table.count, "duplicate inputs in the table")
        #expect(Self.table.count >= 110)
    }

    // MARK: - Idempotence

    @Test(arguments: (Self.table + Self.loopbackTable).filter(\.isAccepted))
    func normalizingAgainGivesTheSameURL(_ c: Case) throws {
        let once = try RelayURL(c.input, allowLoopback: c.allowLoopback)
        let twice = try RelayURL(once.url, allowLoopback: c.allowLoopback)
        #expect(twice.url == once.url)
        #expect(twice.network == once.network)
        #expect(twice == once)
    }

    // MARK: - Components

    @Test func componentsAgreeWithTheURL() throws {
        let v6 = try RelayURL("WS://user@[2606:4700:4700::1111]:8443/Nostr/")
        #expect(v6.url == "wss://[2606:4700:4700::1111]:8443/Nostr")
        #expect(v6.scheme == "wss")
        #expect(v6.host == "2606:4700:4700::1111")
        #expect(v6.port == 8443)
        #expect(v6.path == "/Nostr")
        #expect(v6.network == .clearnet)

        let tor = try RelayURL("wss://\(Self.onion).onion:80")
        #expect(tor.scheme == "ws")
        #expect(tor.host == "\(Self.onion).onion")
        #expect(tor.port == nil)
        #expect(tor.path == "")
        #expect(tor.network == .tor)
    }

    // MARK: - Checking one case

    static func verify(_ c: Case, sourceLocation: SourceLocation = #_sourceLocation) {
        switch c.expected {
        case .ok(let url, let network):
            do {
                let relay = try RelayURL(c.input, allowLoopback: c.allowLoopback)
                #expect(relay.url == url, sourceLocation: sourceLocation)
                #expect(relay.network == network, sourceLocation: sourceLocation)
            } catch {
                Issue.record("rejected, expected \(url): \(error)", sourceLocation: sourceLocation)
            }
        case .rejected(let fragment):
            do {
                let relay = try RelayURL(c.input, allowLoopback: c.allowLoopback)
                Issue.record("accepted as \(relay.url) (\(relay.network)), expected a rejection mentioning '\(fragment)'", sourceLocation: sourceLocation)
            } catch let error as NostrError {
                #expect(error.code == .invalidRelayURL, sourceLocation: sourceLocation)
                #expect(
                    error.message.lowercased().contains(fragment), "message: \(error.message)",
                    sourceLocation: sourceLocation)
            } catch {
                Issue.record("threw \(type(of: error)), not NostrError: \(error)", sourceLocation: sourceLocation)
            }
        }
    }
}
