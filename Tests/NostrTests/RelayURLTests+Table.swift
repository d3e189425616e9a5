import Testing

@testable import Nostr

/// Inputs and what normalization makes of them: the table, with loopback refused and allowed.
extension RelayURLTests {
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
}
