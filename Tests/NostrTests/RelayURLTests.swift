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

    // MARK: - The table (allowLoopback: false)

    static let table: [Case] = [
        // Scheme.
        Case("wss://relay.damus.io", .ok("wss://relay.damus.io", .clearnet)),
        Case("ws://relay.damus.io", .ok("wss://relay.damus.io", .clearnet)),
        Case("WSS://relay.damus.io", .ok("wss://relay.damus.io", .clearnet)),
        Case("Ws://Relay.Damus.IO", .ok("wss://relay.damus.io", .clearnet)),
        Case("relay.damus.io", .rejected("no scheme")),
        Case("wss:relay.damus.io", .rejected("no scheme")),
        Case("//relay.damus.io", .rejected("no scheme")),
        Case("http://relay.damus.io", .rejected("scheme must be ws or wss")),
        Case("https://relay.damus.io", .rejected("scheme must be ws or wss")),
        Case("ftp://relay.damus.io", .rejected("scheme must be ws or wss")),
        Case("wsss://relay.damus.io", .rejected("scheme must be ws or wss")),
        Case("://relay.damus.io", .rejected("scheme must be ws or wss")),
        Case("\u{FEFF}wss://relay.damus.io", .rejected("scheme must be ws or wss")),  // a BOM is not whitespace

        // Empty input, surrounding and inner whitespace, control characters, backslashes.
        Case("", .rejected("empty")),
        Case("   ", .rejected("empty")),
        Case("\n\t ", .rejected("empty")),
        Case("  wss://relay.damus.io  ", .ok("wss://relay.damus.io", .clearnet)),
        Case("\twss://relay.damus.io\n", .ok("wss://relay.damus.io", .clearnet)),
        Case("\r\nwss://relay.damus.io/\r\n", .ok("wss://relay.damus.io", .clearnet)),
        Case("\u{3000}wss://relay.damus.io\u{00A0}", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.da mus.io", .rejected("whitespace")),
        Case("wss:// relay.damus.io", .rejected("whitespace")),
        Case("wss://relay.damus.io/a b", .rejected("whitespace")),
        Case("wss://relay.damus.io/\u{00A0}x", .rejected("whitespace")),
        Case("wss://relay.damus.io\t/path", .rejected("control character")),
        Case("wss://relay\n.damus.io", .rejected("control character")),
        Case("wss://relay.damus.io/\u{0}", .rejected("control character")),
        Case("\u{0}wss://relay.damus.io", .rejected("control character")),
        Case("wss://relay.damus.io\u{7F}", .rejected("control character")),
        Case("wss://relay.damus.io?q=\u{1B}", .rejected("control character")),
        Case("wss://relay.damus.io\\", .rejected("backslash")),
        Case("wss:\\\\relay.damus.io", .rejected("backslash")),
        Case("wss://relay.damus.io/a\\b", .rejected("backslash")),

        // Query, fragment and userinfo are dropped.
        Case("wss://relay.damus.io?x=1", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/#frag", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/nostr?x=1#y", .ok("wss://relay.damus.io/nostr", .clearnet)),
        Case("wss://relay.damus.io#a?b", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/?u=a@b", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://user@relay.damus.io", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://user:secret@relay.damus.io:8080/inbox", .ok("wss://relay.damus.io:8080/inbox", .clearnet)),
        Case("wss://a@b@relay.damus.io", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io@nos.lol", .ok("wss://nos.lol", .clearnet)),
        Case("wss://üser:pässwörd@relay.damus.io", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://user@[2606:4700:4700::1111]:443", .ok("wss://[2606:4700:4700::1111]", .clearnet)),
        Case("wss://user@localhost", .rejected("local name")),
        Case("wss://relay.damus.io/a@b", .ok("wss://relay.damus.io", .clearnet)),  // '@' after the authority

        // Ports.
        Case("wss://relay.damus.io:443", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io:0443", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io:00443", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io:000443", .rejected("out of range")),
        Case("wss://relay.damus.io:8080", .ok("wss://relay.damus.io:8080", .clearnet)),
        Case("ws://relay.damus.io:80", .ok("wss://relay.damus.io:80", .clearnet)),
        Case("ws://relay.damus.io:443", .ok("wss://relay.damus.io", .clearnet)),
        Case("ws://relay.damus.io:00080", .ok("wss://relay.damus.io:80", .clearnet)),
        Case("wss://relay.damus.io:", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io:/nostr", .ok("wss://relay.damus.io/nostr", .clearnet)),
        Case("wss://relay.damus.io:1", .ok("wss://relay.damus.io:1", .clearnet)),
        Case("wss://relay.damus.io:65535", .ok("wss://relay.damus.io:65535", .clearnet)),
        Case("wss://relay.damus.io:65536", .rejected("out of range")),
        Case("wss://relay.damus.io:0", .rejected("out of range")),
        Case("wss://relay.damus.io:00000", .rejected("out of range")),
        Case("wss://relay.damus.io:99999999999", .rejected("out of range")),
        Case("wss://relay.damus.io:http", .rejected("not a number")),
        Case("wss://relay.damus.io:-1", .rejected("not a number")),
        Case("wss://relay.damus.io:+443", .rejected("not a number")),
        Case("wss://relay.damus.io:４４３", .rejected("not a number")),  // full-width digits

        // Host case, trailing dots, labels.
        Case("wss://RELAY.DAMUS.IO", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io.", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io..", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io.:7777", .ok("wss://relay.damus.io:7777", .clearnet)),
        Case("wss://relay..damus.io", .rejected("empty label")),
        Case("wss://.relay.damus.io", .rejected("empty label")),
        Case("wss://relay", .rejected("single-label")),
        Case("wss://relay.", .rejected("single-label")),
        Case("wss://localhost", .rejected("local name")),
        Case("wss://LocalHost:7777", .rejected("local name")),
        Case("wss://localhost.localdomain", .rejected("local name")),
        Case("wss://localhost.", .rejected("local name")),
        Case("wss://_relay.my_host.example.com", .ok("wss://_relay.my_host.example.com", .clearnet)),
        Case("wss://relay_.example_.com", .ok("wss://relay_.example_.com", .clearnet)),
        Case("wss://my-relay.example.com", .ok("wss://my-relay.example.com", .clearnet)),
        Case("wss://-relay.example.com", .rejected("starts or ends with '-'")),
        Case("wss://relay-.example.com", .rejected("starts or ends with '-'")),
        Case("wss://rel*ay.example.com", .rejected("invalid character")),
        Case("wss://relay~1.example.com", .rejected("invalid character")),
        Case("wss://relay!.example.com", .rejected("invalid character")),
        Case("wss://relay.exa$mple.com", .rejected("invalid character")),
        Case("wss://\(label63).example.com", .ok("wss://\(label63).example.com", .clearnet)),
        Case("wss://\(label63)a.example.com", .rejected("longer than 63")),
        Case("wss://\(host253)", .ok("wss://\(host253)", .clearnet)),
        Case("wss://\(host254)", .rejected("longer than 253")),
        Case("wss://123.example.com", .ok("wss://123.example.com", .clearnet)),
        Case("wss://1.2.3.4.example.com", .ok("wss://1.2.3.4.example.com", .clearnet)),

        // Percent-encoding in the host: decoded, then lowercased.
        Case("wss://relay%2Edamus.io", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://rel%41y.damus.io", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://m%C3%BCnchen.de", .ok("wss://xn--mnchen-3ya.de", .clearnet)),
        Case("wss://relay%zz.damus.io", .rejected("percent-encoding")),
        Case("wss://relay.damus.io%", .rejected("percent-encoding")),
        Case("wss://relay%2.damus.io", .rejected("percent-encoding")),
        Case("wss://%FF.damus.io", .rejected("percent-encoding")),  // not UTF-8
        Case("wss://relay%20x.damus.io", .rejected("invalid character")),
        Case("wss://relay%2Fx.damus.io", .rejected("invalid character")),

        // Internationalized hosts.
        Case("wss://münchen.de", .ok("wss://xn--mnchen-3ya.de", .clearnet)),
        Case("wss://MÜNCHEN.DE", .ok("wss://xn--mnchen-3ya.de", .clearnet)),
        Case("wss://relay.münchen.de:8080/Nostr", .ok("wss://relay.xn--mnchen-3ya.de:8080/Nostr", .clearnet)),
        Case("wss://日本.jp", .ok("wss://xn--wgv71a.jp", .clearnet)),
        Case("wss://faß.de", .ok("wss://xn--fa-hia.de", .clearnet)),
        Case("wss://ＥＸＡＭＰＬＥ.com", .ok("wss://example.com", .clearnet)),
        Case("wss://例子。测试", .ok("wss://xn--fsqu00a.xn--0zwm56d", .clearnet)),
        Case("wss://пример.рф", .ok("wss://xn--e1afmkfd.xn--p1ai", .clearnet)),
        Case("wss://ПРИМЕР.РФ", .ok("wss://xn--e1afmkfd.xn--p1ai", .clearnet)),
        Case("wss://☃.example.com", .ok("wss://xn--n3h.example.com", .clearnet)),
        Case("wss://ﬁle.example.com", .ok("wss://file.example.com", .clearnet)),  // ligature folded by NFKC
        Case("wss://relay．damus．io", .ok("wss://relay.damus.io", .clearnet)),  // full-width full stop
        Case("wss://xn--mnchen-3ya.de", .ok("wss://xn--mnchen-3ya.de", .clearnet)),
        Case("wss://８.８.８.８", .ok("wss://8.8.8.8", .clearnet)),  // NFKC gives a dotted quad
        Case("wss://１２７.０.０.１", .rejected("127.0.0.0/8")),

        // IPv4.
        Case("wss://8.8.8.8", .ok("wss://8.8.8.8", .clearnet)),
        Case("ws://8.8.8.8", .ok("wss://8.8.8.8", .clearnet)),
        Case("wss://1.1.1.1:7777", .ok("wss://1.1.1.1:7777", .clearnet)),
        Case("wss://8.8.8.8:443/", .ok("wss://8.8.8.8", .clearnet)),
        Case("wss://8.8.8.8.", .ok("wss://8.8.8.8", .clearnet)),
        Case("wss://127.1", .rejected("neither a dotted-quad")),
        Case("wss://1.2.3", .rejected("neither a dotted-quad")),
        Case("wss://010.1.1.1", .rejected("neither a dotted-quad")),
        Case("wss://1.1.1.01", .rejected("neither a dotted-quad")),
        Case("wss://256.1.1.1", .rejected("neither a dotted-quad")),
        Case("wss://1.2.3.4.5", .rejected("neither a dotted-quad")),
        Case("wss://123", .rejected("neither a dotted-quad")),
        Case("wss://2130706433", .rejected("neither a dotted-quad")),
        Case("wss://0x7f.0.0.1", .rejected("neither a dotted-quad")),
        Case("wss://relay.123", .rejected("neither a dotted-quad")),
        Case("wss://10.0.0.1", .rejected("10.0.0.0/8")),
        Case("wss://127.0.0.1:7777", .rejected("127.0.0.0/8")),
        Case("wss://192.168.1.1", .rejected("192.168.0.0/16")),
        Case("wss://0.0.0.0", .rejected("0.0.0.0/8")),
        Case("wss://169.254.169.254", .rejected("169.254.0.0/16")),
        Case("wss://100.64.0.1", .rejected("100.64.0.0/10")),
        Case("wss://255.255.255.255", .rejected("255.255.255.255/32")),  // named before 240.0.0.0/4

        // IPv6.
        Case("wss://[2606:4700:4700::1111]", .ok("wss://[2606:4700:4700::1111]", .clearnet)),
        Case("wss://[2606:4700:4700:0000:0000:0000:0000:1111]:443", .ok("wss://[2606:4700:4700::1111]", .clearnet)),
        Case("ws://[2606:4700:4700::1111]:8443/nostr", .ok("wss://[2606:4700:4700::1111]:8443/nostr", .clearnet)),
        Case("wss://[2a00:1450:4001:82b::200e]", .ok("wss://[2a00:1450:4001:82b::200e]", .clearnet)),
        Case("wss://[2A00:1450:4001:082B:0000:0000:0000:200E]", .ok("wss://[2a00:1450:4001:82b::200e]", .clearnet)),
        Case("wss://[2a00:0:0:1:2:0:0:3]", .ok("wss://[2a00::1:2:0:0:3]", .clearnet)),  // tie: first run
        Case("wss://[2a00:0:0:1:0:0:0:1]", .ok("wss://[2a00:0:0:1::1]", .clearnet)),  // longest run
        Case("wss://[2a00:1:2:3:0:4:5:6]", .ok("wss://[2a00:1:2:3:0:4:5:6]", .clearnet)),  // one zero group
        Case("wss://[2a00:1:2:3:4:5:6::]", .ok("wss://[2a00:1:2:3:4:5:6:0]", .clearnet)),
        Case("wss://[2a00::1.2.3.4]", .ok("wss://[2a00::102:304]", .clearnet)),
        Case("wss://[2a00:1450::]:", .ok("wss://[2a00:1450::]", .clearnet)),
        Case("wss://2606:4700:4700::1111", .rejected("must be in brackets")),
        Case("wss://::1", .rejected("must be in brackets")),
        Case("wss://[fe80::1%25eth0]", .rejected("zone")),
        Case("wss://[2606:4700:4700::1111%eth0]:443", .rejected("zone")),
        Case("wss://[2606:4700:4700::111g]", .rejected("not an ipv6 address")),
        Case("wss://[1:2:3:4:5:6:7:8:9]", .rejected("not an ipv6 address")),
        Case("wss://[2a00::1::2]", .rejected("not an ipv6 address")),
        Case("wss://[12345::1]", .rejected("not an ipv6 address")),
        Case("wss://[2a00:1:2:3:4:5:6:7::]", .rejected("not an ipv6 address")),
        Case("wss://[]", .rejected("not an ipv6 address")),
        Case("wss://[relay.damus.io]", .rejected("not an ipv6 address")),
        Case("wss://[1.2.3.4]", .rejected("not an ipv6 address")),
        Case("wss://[2606:4700:4700::1111", .rejected("unclosed")),
        Case("wss://[2606:4700:4700::1111]x", .rejected("unexpected")),
        Case("wss://[::1]", .rejected("::1/128")),
        Case("wss://[0:0:0:0:0:0:0:1]:7777", .rejected("::1/128")),
        Case("wss://[::]", .rejected("::/128")),
        Case("wss://[::ffff:1.2.3.4]", .rejected("::ffff:0:0/96")),
        Case("wss://[::FFFF:0102:0304]", .rejected("::ffff:0:0/96")),
        Case("wss://[64:ff9b::8.8.8.8]", .rejected("64:ff9b::/96")),
        Case("wss://[::7f00:1]", .rejected("::/96")),
        Case("wss://[::8.8.8.8]", .rejected("::/96")),
        Case("wss://[2001:DB8::1]", .rejected("2001:db8::/32")),
        Case("wss://[2001::1]", .rejected("2001::/32")),
        Case("wss://[fe80::1]", .rejected("fe80::/10")),
        Case("wss://[fd12:3456:789a::1]", .rejected("fc00::/7")),
        Case("wss://[ff02::1]", .rejected("ff00::/8")),
        Case("wss://[2002:c000:201::1]", .rejected("2002::/16")),
        Case("wss://[fec0::1]", .rejected("fec0::/10")),
        Case("wss://[3fff::1]", .rejected("3fff::/20")),

        // Tor.
        Case("ws://\(onion).onion", .ok("ws://\(onion).onion", .tor)),
        Case("wss://\(onion).onion", .ok("ws://\(onion).onion", .tor)),
        Case("WSS://\(onion.uppercased()).ONION", .ok("ws://\(onion).onion", .tor)),
        Case("wss://\(onion).onion:443", .ok("ws://\(onion).onion:443", .tor)),
        Case("wss://\(onion).onion:80", .ok("ws://\(onion).onion", .tor)),
        Case("ws://\(onion).onion./nostr", .ok("ws://\(onion).onion/nostr", .tor)),
        Case("ws://relay.\(onion).onion", .ok("ws://relay.\(onion).onion", .tor)),
        Case("ws://a.b_c.\(onion).onion", .ok("ws://a.b_c.\(onion).onion", .tor)),
        Case("ws://-x.\(onion).onion", .rejected("starts or ends with '-'")),
        Case("ws://\(onionV2).onion", .rejected("v2")),
        Case("ws://\(onion.dropLast()).onion", .rejected("not a tor v3")),
        Case("ws://\(onion)a.onion", .rejected("not a tor v3")),
        Case("ws://\(onionBadChar).onion", .rejected("not a tor v3")),
        Case("ws://relay.onion", .rejected("not a tor v3")),
        Case("ws://.onion", .rejected("not a tor v3")),

        // I2P.
        Case("wss://\(i2p).b32.i2p", .ok("ws://\(i2p).b32.i2p", .i2p)),
        Case("ws://\(i2p.uppercased()).B32.I2P:80", .ok("ws://\(i2p).b32.i2p", .i2p)),
        Case("wss://relay.i2p", .ok("ws://relay.i2p", .i2p)),
        Case("wss://stats.i2p:443/feed", .ok("ws://stats.i2p:443/feed", .i2p)),
        Case("ws://x.\(i2p).b32.i2p", .rejected("not an i2p b32")),
        Case("ws://\(i2p.dropLast()).b32.i2p", .rejected("not an i2p b32")),
        Case("ws://\(onion).b32.i2p", .rejected("not an i2p b32")),  // 56 characters
        Case("ws://\(i2pBadChar).b32.i2p", .rejected("not an i2p b32")),
        Case("ws://bad*name.i2p", .rejected("invalid character")),

        // Lokinet.
        Case("wss://\(loki).loki", .ok("ws://\(loki).loki", .loki)),
        Case("ws://\(loki.uppercased()).LOKI:80", .ok("ws://\(loki).loki", .loki)),
        Case("ws://\(loki).loki:8080/relay", .ok("ws://\(loki).loki:8080/relay", .loki)),
        Case("ws://sub.\(loki).loki", .rejected("not a lokinet")),
        Case("ws://\(loki.dropLast()).loki", .rejected("not a lokinet")),
        Case("ws://\(i2p).loki", .rejected("not a lokinet")),  // RFC base32 '2' is not z-base32
        Case("ws://relay.loki", .rejected("not a lokinet")),

        // Paths.
        Case("wss://relay.damus.io/", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io///", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/nostr/", .ok("wss://relay.damus.io/nostr", .clearnet)),
        Case("wss://relay.damus.io//a//b//", .ok("wss://relay.damus.io/a/b", .clearnet)),
        Case("wss://relay.damus.io/a/../b", .ok("wss://relay.damus.io/b", .clearnet)),
        Case("wss://relay.damus.io/../../x", .ok("wss://relay.damus.io/x", .clearnet)),
        Case("wss://relay.damus.io/./a", .ok("wss://relay.damus.io/a", .clearnet)),
        Case("wss://relay.damus.io/a/./b/../c/", .ok("wss://relay.damus.io/a/c", .clearnet)),
        Case("wss://relay.damus.io/a/b/../../..", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/Inbox/V1.0", .ok("wss://relay.damus.io/Inbox/V1.0", .clearnet)),
        Case("wss://relay.damus.io/a:b/c~d/e.f/g-h", .ok("wss://relay.damus.io/a:b/c~d/e.f/g-h", .clearnet)),
        Case("wss://relay.damus.io/~user", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/.hidden", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/a-", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/café", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/a!b", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io/ok/~bad/ok", .ok("wss://relay.damus.io", .clearnet)),  // the whole path goes
        Case("wss://relay.damus.io/relay_1", .ok("wss://relay.damus.io/relay_1", .clearnet)),  // '_' is allowed in paths
        Case("wss://relay.damus.io/a%7eb", .ok("wss://relay.damus.io/a%7Eb", .clearnet)),
        Case("wss://relay.damus.io/r%2dx", .ok("wss://relay.damus.io/r%2Dx", .clearnet)),
        Case("wss://relay.damus.io/%41bc", .ok("wss://relay.damus.io/%41bc", .clearnet)),
        Case("wss://relay.damus.io/a%2fb", .ok("wss://relay.damus.io/a%2Fb", .clearnet)),  // the rules' own example
        Case("wss://relay.damus.io/%7euser", .ok("wss://relay.damus.io", .clearnet)),  // decodes to "~user"
        Case("wss://relay.damus.io/a%zzb", .ok("wss://relay.damus.io", .clearnet)),
        Case("wss://relay.damus.io:8080/a/../b?c#d", .ok("wss://relay.damus.io:8080/b", .clearnet)),

        // Length.
        Case(url2048, .ok(url2048, .clearnet)),
        Case(url2048 + "a", .rejected("longer than 2048")),
    ]

    @Test(arguments: Self.table)
    func normalizes(_ c: Case) {
        Self.verify(c)
    }

    // MARK: - allowLoopback: true

    static let loopbackTable: [Case] = [
        Case("wss://127.0.0.1:7777", .ok("wss://127.0.0.1:7777", .loopback), allowLoopback: true),
        Case("ws://127.0.0.1:7777", .ok("ws://127.0.0.1:7777", .loopback), allowLoopback: true),
        Case("ws://localhost:8080", .ok("ws://localhost:8080", .loopback), allowLoopback: true),
        Case("ws://[::1]:9000", .ok("ws://[::1]:9000", .loopback), allowLoopback: true),
        Case("ws://127.0.0.1:80", .ok("ws://127.0.0.1", .loopback), allowLoopback: true),
        Case("wss://127.0.0.1:443/", .ok("wss://127.0.0.1", .loopback), allowLoopback: true),
        Case("ws://127.0.0.1:443", .ok("ws://127.0.0.1:443", .loopback), allowLoopback: true),
        Case("wss://127.0.0.1:80", .ok("wss://127.0.0.1:80", .loopback), allowLoopback: true),
        Case("WS://LOCALHOST", .ok("ws://localhost", .loopback), allowLoopback: true),
        Case("ws://localhost.", .ok("ws://localhost", .loopback), allowLoopback: true),
        Case("wss://localhost:7000/relay/", .ok("wss://localhost:7000/relay", .loopback), allowLoopback: true),
        Case("ws://127.255.255.254", .ok("ws://127.255.255.254", .loopback), allowLoopback: true),
        Case("ws://[0:0:0:0:0:0:0:1]", .ok("ws://[::1]", .loopback), allowLoopback: true),
        Case("ws://user:pw@127.0.0.1:7777/x?y#z", .ok("ws://127.0.0.1:7777/x", .loopback), allowLoopback: true),
        Case("ws://10.0.0.1", .rejected("10.0.0.0/8"), allowLoopback: true),
        Case("ws://192.168.1.10:7777", .rejected("192.168.0.0/16"), allowLoopback: true),
        Case("ws://0.0.0.0:7777", .rejected("0.0.0.0/8"), allowLoopback: true),
        Case("ws://[::]:7777", .rejected("::/128"), allowLoopback: true),
        Case("ws://[fe80::1]", .rejected("fe80::/10"), allowLoopback: true),
        Case("ws://127.1", .rejected("neither a dotted-quad"), allowLoopback: true),
        Case("ws://relay", .rejected("single-label"), allowLoopback: true),
        Case("ws://relay.damus.io", .ok("wss://relay.damus.io", .clearnet), allowLoopback: true),
        Case("ws://8.8.8.8:80", .ok("wss://8.8.8.8:80", .clearnet), allowLoopback: true),
        Case("wss://\(onion).onion", .ok("ws://\(onion).onion", .tor), allowLoopback: true),
    ]

    @Test(arguments: Self.loopbackTable)
    func normalizesWithLoopbackAllowed(_ c: Case) {
        Self.verify(c)
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
