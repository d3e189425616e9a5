import Archive
import Foundation
import Nostr
import Probes
import Services
import Transport
import Testing

@testable import brotr

struct ConfigTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func theDocumentedDefaultsAreTheDefaultsInCode() throws {
        let path = Self.repoRoot.appendingPathComponent("config/brotr.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(try BrotrConfig(yaml: text, file: path) == BrotrConfig())
    }

    @Test func anEmptyOrCommentOnlyFileGivesTheDefaults() throws {
        #expect(try BrotrConfig(yaml: "", file: nil) == BrotrConfig())
        #expect(try BrotrConfig(yaml: "# nothing\n", file: nil) == BrotrConfig())
        #expect(try BrotrConfig(yaml: "network:\n", file: nil) == BrotrConfig())
    }

    @Test func valuesOverrideDefaults() throws {
        let c = try BrotrConfig(yaml: "network:\n  allow_loopback: true\nlog:\n  format: json\n  level: debug\n", file: nil)
        #expect(c.network.allowLoopback)
        #expect(c.log.format == .json)
        #expect(c.log.level == .debug)
    }

    @Test func unknownKeysFailWithTheirPathAndLine() {
        let error = #expect(throws: ConfigError.self) {
            try BrotrConfig(yaml: "network:\n  allow_loopback: true\n  alow_loopback: false\n", file: "x.yaml")
        }
        #expect(error?.keyPath == "network.alow_loopback")
        #expect(error?.line == 3)
        #expect(error?.description.contains("x.yaml:3: network.alow_loopback: unknown key") == true, "\(String(describing: error))")
        #expect(error?.description.contains("allow_loopback") == true)  // the known keys are listed
        let top = #expect(throws: ConfigError.self) { try BrotrConfig(yaml: "netwrk: {}\n", file: nil) }
        #expect(top?.keyPath == "netwrk")
    }

    @Test func illTypedValuesSayWhatWasExpected() {
        let cases: [(String, String, String)] = [
            ("network:\n  allow_loopback: yes\n", "network.allow_loopback", "expected true or false, got 'yes'"),
            ("network:\n  allow_loopback: [1]\n", "network.allow_loopback", "expected true or false, got a list"),
            ("log:\n  format: xml\n", "log.format", "expected one of logfmt, json, got 'xml'"),
            ("log:\n  level: loud\n", "log.level", "expected one of trace, debug"),
            ("network: 5\n", "network", "expected a mapping"),
        ]
        for (yaml, path, message) in cases {
            let error = #expect(throws: ConfigError.self, "\(yaml)") { try BrotrConfig(yaml: yaml, file: nil) }
            #expect(error?.keyPath == path, "\(yaml)")
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        }
    }

    @Test func brokenYAMLIsReported() {
        let error = #expect(throws: ConfigError.self) { try BrotrConfig(yaml: "network: [\n", file: "bad.yaml") }
        #expect(error?.description.hasPrefix("bad.yaml") == true)
        #expect(error?.message.contains("not valid YAML") == true)
        let dup = #expect(throws: ConfigError.self) { try BrotrConfig(yaml: "log:\n  level: info\n  level: debug\n", file: nil) }
        #expect(dup?.message.contains("duplicated key(s): 'level'") == true, "\(String(describing: dup))")
    }

    @Test func archiveSettingsAreBounded() throws {
        let c = try BrotrConfig(yaml: "archive:\n  segment_size: 1048576\n  compression_level: 9\n", file: nil)
        #expect(c.archive.maxSegmentBytes == 1 << 20)
        #expect(c.archive.compressionLevel == 9)
        for bad in ["archive:\n  segment_size: 10\n", "archive:\n  frame_size: 100\n", "archive:\n  compression_level: 13\n"] {
            #expect(throws: ConfigError.self, "\(bad)") { try BrotrConfig(yaml: bad, file: nil) }
        }
    }

    @Test func durationsAcceptSecondsOrUnits() {
        let cases: [(String, Duration?)] = [
            ("90", .seconds(90)), ("1.5", .milliseconds(1500)), ("500ms", .milliseconds(500)), ("15m", .seconds(900)),
            ("1h30m", .seconds(5400)), ("2d", .seconds(172_800)), ("0", .zero), ("1h 30m", nil), ("15x", nil),
            ("m", nil), ("-5", nil), ("", nil), ("99999999999999999d", nil),
        ]
        for (text, expected) in cases {
            #expect(ConfigDuration(parsing: text)?.duration == expected, "\(text)")
        }
        #expect(ConfigDuration.seconds(900).description == "15m")
        #expect(ConfigDuration(.milliseconds(1500)).description == "1500ms")
    }
}

extension ConfigTests {
    @Test func proxiesAreCheckedByNetworkAndAddress() throws {
        let good = try BrotrConfig(yaml: "network:\n  proxies:\n    tor: 127.0.0.1:9050\n    i2p: \"[::1]:4447\"\n", file: "p.yaml")
        #expect(good.network.proxies[.tor]?.description == "127.0.0.1:9050")
        #expect(good.network.proxies[.i2p]?.description == "[::1]:4447")
        #expect(throws: ConfigError.self) { try BrotrConfig(yaml: "network:\n  proxies:\n    clearnet: 127.0.0.1:1\n", file: "p.yaml") }
        #expect(throws: ConfigError.self) { try BrotrConfig(yaml: "network:\n  proxies:\n    tor: nowhere\n", file: "p.yaml") }
    }

    @Test func finderSourcesAndHTTPListenAreChecked() throws {
        let config = try BrotrConfig(
            yaml: "finder:\n  sources:\n    \"https://relays.example.com/api\":\n      path: relays.*.url\n      cooldown: 2h\n", file: "s.yaml")
        let source = try #require(config.finder.settings.sources.first)
        #expect(source.url == "https://relays.example.com/api" && source.path == "relays.*.url" && source.cooldown == 7200)
        #expect(throws: ConfigError.self) { try BrotrConfig(yaml: "finder:\n  sources:\n    \"ftp://x\": {}\n", file: "s.yaml") }
        #expect(throws: ConfigError.self) { try BrotrConfig(yaml: "http:\n  listen: nowhere\n", file: "s.yaml") }
        #expect(try BrotrConfig(yaml: "http:\n  listen: \"[::1]:9000\"\n", file: "s.yaml").http.hostAndPort?.port == 9000)
    }
}

extension ConfigTests {
    @Test func monitorSettingsAreReadAndBadOnesNamed() throws {
        let c = try BrotrConfig(
            yaml: """
                monitor:
                  dns_server: 127.0.0.1:5353
                  publish_relays: ["wss://relay.example.com"]
                  checks:
                    nip77:
                      enabled: false
                    rtt:
                      timeout: 3s
                      attempts: 4
                  publishing:
                    geohash: u4pruydqq
                    profile:
                      name: my monitor
                """, file: nil)
        let m = c.monitor.settings
        #expect(m.dnsServer == DNSServer(host: "127.0.0.1", port: 5353))
        #expect(m.publishing.relays.map(\.url) == ["wss://relay.example.com"])
        #expect(m.checks[.nip77]?.enabled == false && m.checks[.rtt]?.timeout == .seconds(3) && m.checks[.rtt]?.retry.attempts == 4)
        #expect(m.publishing.geohash == "u4pruydqq" && m.publishing.profile.name == "my monitor")
        let cases: [(String, String, String)] = [
            ("monitor:\n  dns_server: 'not a server:x'\n", "monitor.dns_server", "expected system, or host:port"),
            ("monitor:\n  publish_relays: [\"http://x\"]\n", "monitor.publish_relays[0]", "not a relay URL"),
            ("monitor:\n  publishing:\n    geohash: abc\n", "monitor.publishing.geohash", "expected a geohash"),
            ("monitor:\n  checks:\n    rtt:\n      attempts: 0\n", "monitor.checks.rtt.attempts", "expected 1 to 10"),
            ("monitor:\n  checks:\n    ping: {}\n", "monitor.checks.ping", "unknown key"),
            ("monitor:\n  check_interval: 10s\n", "monitor.check_interval", "expected 1m or more"),
        ]
        for (yaml, path, message) in cases {
            let error = #expect(throws: ConfigError.self, "\(yaml)") { try BrotrConfig(yaml: yaml, file: nil) }
            #expect(error?.keyPath == path, "\(yaml): \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        }
    }
}
