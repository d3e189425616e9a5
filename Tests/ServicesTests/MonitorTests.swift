import Archive
import BrotrTestSupport
import Foundation
import Logging
import Nostr
import Probes
import Testing
import Transport

@testable import Services

/// The Monitor on a real archive, checking relays on 127.0.0.1 and publishing to one.
struct MonitorTests {
    static let key = SecretKey.generate()
    static let network = NetworkConfiguration(allowLoopback: true)

    /// Generous waits for a loaded machine; retries quick, so that a dead relay costs little.
    static func settings(publishTo relays: [RelayURL]) -> MonitorSettings {
        var s = MonitorSettings()
        s.connection = ConnectionOptions(connectTimeout: .seconds(30), readTimeout: .seconds(30))
        for check in MonitorCheck.allCases {
            s.checks[check] = CheckPolicy(timeout: .seconds(30), retry: RetryPolicy(attempts: 2, initialDelay: .milliseconds(50), jitter: .zero))
        }
        s.publishing.relays = relays
        s.publishing.timeout = .seconds(30)
        return s
    }

    static let document = #"{"name":"brotr testbed","supported_nips":[1,11,42,77],"software":"https://example.com/relay"}"#

    static func relay(_ configure: (inout TestRelayBehavior) -> Void = { _ in }) async throws -> TestRelay {
        var behavior = TestRelayBehavior()
        behavior.information = ("application/nostr+json", Array(document.utf8))
        configure(&behavior)
        let note = try Event.sign(kind: 1, content: "hello", createdAt: 1_700_000_000, with: SecretKey.generate())
        return try await TestRelay(events: [note], behavior: behavior)
    }

    /// The events of `kinds` a relay holds.
    static func events(at relay: RelayURL, kinds: Set<UInt16>) async throws -> [Event] {
        try await RelayConnection.withConnection(to: relay, options: ConnectionOptions(connectTimeout: .seconds(30), readTimeout: .seconds(30))) {
            connection in
            let sub = try SubscriptionID("read-back")
            try await connection.send(.req(sub, [try Filter(kinds: kinds)]))
            var events: [Event] = []
            for _ in 0..<1000 {
                guard case .message(let message, _) = try await connection.receive() else { continue }
                if case .event(_, let event) = message { events.append(event) }
                if case .eose = message { break }
            }
            return events
        }
    }

    /// The tags of `event` with the round-trip values blanked (they vary from run to run).
    static func stableTags(_ event: Event) -> [[String]] {
        event.tags.map { $0.first?.hasPrefix("rtt-") == true ? [$0[0], "ms"] : $0 }
    }

    @Test func aCycleRecordsEveryCheckPublishesAndBacksOffADeadRelay() async throws {
        let (up, publish) = (try await Self.relay(), try await Self.relay())
        defer { Task { await up.stop(); await publish.stop() } }
        let dead = DiscoveryTests.refusedURL
        let space = SynchronizerTests.Workspace()
        let archive = try Archive.open(space.directory)
        // The publish relay is a relay like any other: it is checked too.
        _ = try await archive.writer?.addRelays([up.url, dead, publish.url], discoveredAt: 1)
        var settings = Self.settings(publishTo: [publish.url])
        let monitor = Monitor(archive: archive, settings: settings, network: Self.network, key: Self.key, logger: Logger(label: "test"))

        let first = try await monitor.runCycle()
        #expect(first.due == 3 && first.checked == 3 && first.succeeded == 2 && first.failed == 1)
        #expect(first.checkSucceeded[.nip11] == 2 && first.checkFailed[.nip11] == 1)
        // The announcement, profile, relay list and two 30166 (the dead relay gets none).
        #expect(first.published == 5 && first.publishFailed == 0)

        let states = try archive.relayStates()
        #expect(states[up.url.url]?.checkFailures == 0 && states[dead.url]?.checkFailures == 1)
        #expect(states[up.url.url]?.checkedAt != nil && states[up.url.url]?.nip77 == false)
        let types = try archive.metadataSnapshots(relay: up.url.url).map(\.type).sorted()
        #expect(types == ["connection_phases", "monitor_check", "nip11_info", "nip42_auth", "nip66_http", "nip66_rtt", "nip77_negentropy"])
        // The dead relay's record says why: refused, from every check.
        let deadRecords = try archive.metadataSnapshots(relay: dead.url)
        #expect(deadRecords.count == 7)
        #expect(deadRecords.filter { $0.type != "monitor_check" }.allSatisfy { $0.json.contains("\"success\":false") || $0.json.contains("_success\":false") })
        #expect(deadRecords.first { $0.type == "monitor_check" }?.json == #"{"answered":false}"#)

        // Nothing is due again within the check interval.
        #expect(try await monitor.runCycle().due == 0)
        // Due again (interval 0): snapshots, no new documents; the scheduled kinds wait a day.
        settings.checkInterval = 0
        let again = Monitor(archive: archive, settings: settings, network: Self.network, key: Self.key, logger: Logger(label: "test"))
        let snapshotsBefore = try archive.metadataSnapshotCount()
        // A snapshot is keyed by relay, type and second, as in BigBrotr: the next second.
        try await Task.sleep(for: .milliseconds(1100))
        let second = try await again.runCycle()
        #expect(second.checked == 3 && second.newDocuments == 0 && second.snapshots == 21)
        #expect(try archive.metadataSnapshotCount() == snapshotsBefore + 21)
        #expect(second.published == 2)
        #expect(try archive.relayStates()[dead.url]?.checkFailures == 2)

        // Published events are on the publish relay and in the archive, seen there.
        let published = try await Self.events(at: publish.url, kinds: [0, 10002, 10166, 30166])
        #expect(published.map(\.kind).sorted() == [0, 10002, 10166, 30166, 30166, 30166, 30166])
        for event in published {
            #expect(try archive.event(id: event.id) != nil)
            #expect(try archive.relays(seeing: event.id).map(\.url) == [publish.url.url])
        }
        let announcement = try #require(published.first { $0.kind == 10166 })
        #expect(announcement.tags.contains(["frequency", "14400"]) && announcement.tags.contains(["c", "nip11"]))
        #expect(announcement.tags.filter { $0.first == "c" }.map { $0[1] } == ["nip11", "open", "read", "write", "auth", "nip77", "ssl", "dns", "http"])
        #expect(announcement.tags.contains(["timeout", "open", "30000"]))
        #expect(published.first { $0.kind == 10002 }?.tags == [["r", publish.url.url, "write"]])

        // nostr-sdk, independent of brotr, parses and verifies every one.
        let readings = try await NostrSDKCheck.read(published)
        #expect(readings.count == published.count)
        for (event, reading) in zip(published, readings) {
            #expect(reading.error == nil && reading.verified == true && reading.id == event.id.hex && reading.kind == Int(event.kind))
            #expect(reading.tags == event.tags)
        }
        #expect(readings.first { $0.kind == 0 }?.profileName == "brotr monitor")
    }

    @Test func backoffDoublesTheIntervalUpToItsCap() {
        var s = MonitorSettings()
        s.checkInterval = 100
        s.maxBackoff = 1000
        #expect([0, 1, 2, 3, 4, 40].map { s.nextCheck(after: 0, failures: $0) } == [100, 200, 400, 800, 1000, 1000])
    }

    @Test func withoutAKeyNothingIsPublishedAndTheWriteIsNotTried() async throws {
        let (up, publish) = (try await Self.relay(), try await Self.relay())
        defer { Task { await up.stop(); await publish.stop() } }
        let space = SynchronizerTests.Workspace()
        let archive = try Archive.open(space.directory)
        _ = try await archive.writer?.addRelays([up.url], discoveredAt: 1)
        let monitor = Monitor(archive: archive, settings: Self.settings(publishTo: [publish.url]), network: Self.network, key: nil, logger: Logger(label: "test"))
        let report = try await monitor.runCycle()
        #expect(report.succeeded == 1 && report.published == 0)
        let rtt = try #require(try archive.metadataSnapshots(relay: up.url.url).first { $0.type == "nip66_rtt" })
        #expect(rtt.json == #"{"logs":{"open_success":true,"read_success":true}}"#)
        #expect(try await Self.events(at: publish.url, kinds: [0, 10002, 10166, 30166]).isEmpty)
    }
}

/// The Monitor against relays written by others, on 127.0.0.1: nostr-relay 1.14, which
/// serves a NIP-11 document and says nothing to NEG-OPEN, and nostr-sdk's LocalRelay,
/// which answers NEG-OPEN.
@Suite(.serialized)
struct MonitorThirdPartyTests {
    func inspect(_ implementation: ThirdPartyRelay.Implementation) async throws -> (Monitor.Report, [String: String], Archive, SynchronizerTests.Workspace) {
        let note = try Event.sign(kind: 1, content: "hello", createdAt: 1_700_000_000, with: SecretKey.generate())
        let relay = try await ThirdPartyRelay.start(implementation, events: [note])
        defer { relay.stop() }
        let space = SynchronizerTests.Workspace()
        let archive = try Archive.open(space.directory)
        _ = try await archive.writer?.addRelays([relay.url], discoveredAt: 1)
        var settings = MonitorTests.settings(publishTo: [])
        settings.checks[.nip77] = CheckPolicy(timeout: .seconds(5), retry: RetryPolicy(attempts: 1))
        let monitor = Monitor(archive: archive, settings: settings, network: MonitorTests.network, key: MonitorTests.key, logger: Logger(label: "test"))
        let report = try await monitor.runCycle()
        let documents = Dictionary(try archive.metadataSnapshots(relay: relay.url.url).map { ($0.type, $0.json) }) { a, _ in a }
        return (report, documents, archive, space)
    }

    @Test func nostrRelayServesItsDocumentAndIsSilentToNegentropy() async throws {
        let (report, documents, archive, _) = try await inspect(.nostrRelay)
        #expect(report.succeeded == 1)
        let nip11 = try #require(documents["nip11_info"])
        #expect(nip11.contains(#""name":"brotr testbed""#) && nip11.hasSuffix(#""logs":{"success":true}}"#), "\(nip11)")
        #expect(documents["nip77_negentropy"] == #"{"data":{"answer":"silent"},"logs":{"success":true}}"#)
        #expect(documents["nip66_rtt"]?.contains(#""open_success":true,"read_success":true"#) == true, "\(documents["nip66_rtt"] ?? "")")
        #expect(try archive.relayStates().values.first?.nip77 == false)
    }

    @Test func localRelayAnswersNegentropyAndTheWriteIsDelivered() async throws {
        let (report, documents, archive, _) = try await inspect(.nostrSDK)
        #expect(report.succeeded == 1)
        #expect(documents["nip77_negentropy"] == #"{"data":{"answer":"supported"},"logs":{"success":true}}"#)
        #expect(documents["nip66_rtt"] == #"{"logs":{"open_success":true,"read_success":true,"write_success":true}}"#)
        #expect(try archive.relayStates().values.first?.nip77 == true)
        // It closes a plain GET unanswered: no document, and the relay still counts as up.
        #expect(documents["nip11_info"] == #"{"logs":{"reason":"closed: the connection closed before a whole HTTP answer","success":false}}"#)
    }
}

extension MonitorTests {
    /// A relay reached by name: its records come from the configured DNS server (dnslib
    /// on 127.0.0.1, whose AAAA answers always fail), and 30166 carries them.
    @Test func aRelayReachedByNameGetsItsDNSRecordsFromTheConfiguredServer() async throws {
        let dns = try await TestDNSServer()
        let (relay, publish) = (try await Self.relay(), try await Self.relay())
        defer { Task { dns.stop(); await relay.stop(); await publish.stop() } }
        let byName = try RelayURL("ws://localhost:\(relay.port)", allowLoopback: true)
        let space = SynchronizerTests.Workspace()
        let archive = try Archive.open(space.directory)
        _ = try await archive.writer?.addRelays([byName], discoveredAt: 1)
        var settings = Self.settings(publishTo: [publish.url])
        settings.dnsServer = DNSServer(host: "127.0.0.1", port: dns.port)
        let report = try await Monitor(archive: archive, settings: settings, network: Self.network, key: Self.key, logger: Logger(label: "test")).runCycle()
        #expect(report.checkSucceeded[.dns] == 1)
        let record = try #require(try archive.metadataSnapshots(relay: byName.url).first { $0.type == "nip66_dns" })
        #expect(record.json == #"{"data":{"dns_errors":{"aaaa":"server failure"},"dns_ips":["127.0.0.1"],"dns_reverse":"relay.brotr.test"},"logs":{"success":true}}"#)
        #expect(record.values == #"{"dns_ttl":60}"#)
        let event = try #require(try await Self.events(at: publish.url, kinds: [30166]).first { $0.tags.first == ["d", byName.url] })
        #expect(event.tags.contains(["dns-ip", "127.0.0.1"]) && event.tags.contains(["dns-ttl", "60"]))
        #expect(!event.tags.contains { $0.first == "dns-ip6" })
    }
}

extension MonitorTests {
    /// geo and net from MaxMind DB files: the relay's address (127.0.0.1) is in the ASN
    /// database written for the test and in no City database, which is an answer; with
    /// the files missing, neither check runs.
    @Test func geoAndNetReadTheConfiguredDatabasesAndAMissingFileTurnsTheCheckOff() async throws {
        let tmp = try TempDirectory("monitor-geo")
        defer { tmp.remove() }
        let fixtures = try await GeoIPFixtures(directory: tmp.url)
        let (relay, publish) = (try await Self.relay(), try await Self.relay())
        defer { Task { await relay.stop(); await publish.stop() } }
        let space = SynchronizerTests.Workspace()
        let archive = try Archive.open(space.directory)
        _ = try await archive.writer?.addRelays([relay.url], discoveredAt: 1)
        var settings = Self.settings(publishTo: [publish.url])
        settings.geoipCity = fixtures.cityPath
        settings.geoipASN = fixtures.asnPath
        let report = try await Monitor(archive: archive, settings: settings, network: Self.network, key: Self.key, logger: Logger(label: "test")).runCycle()
        #expect(report.checkSucceeded[.net] == 1 && report.checkFailed[.geo] == 1)
        let records = Dictionary(try archive.metadataSnapshots(relay: relay.url.url).map { ($0.type, $0.json) }) { a, _ in a }
        #expect(records["nip66_net"] == #"{"data":{"net_asn":64500,"net_asn_org":"brotr test network","net_ip":"127.0.0.1","net_network":"127.0.0.0/8"},"logs":{"success":true}}"#)
        #expect(records["nip66_geo"]?.hasPrefix(#"{"logs":{"reason":"127.0.0.1 is not in "#) == true, "\(records["nip66_geo"] ?? "")")
        let event = try #require(try await Self.events(at: publish.url, kinds: [30166]).first)
        let net = event.tags.filter { ["net-ip", "net-asn", "net-asn-org", "l"].contains($0.first ?? "") }
        #expect(net == [["net-ip", "127.0.0.1"], ["net-asn", "64500"], ["l", "64500", "IANA-asn"], ["net-asn-org", "brotr test network"], ["l", "brotr test network", "IANA-asnOrg"]])

        // Files gone: the checks are off, and the cycle is no failure.
        settings.checkInterval = 0
        settings.geoipASN = tmp.url.appendingPathComponent("none.mmdb").path
        settings.geoipCity = tmp.url.appendingPathComponent("none-city.mmdb").path
        try await Task.sleep(for: .milliseconds(1100))
        let again = try await Monitor(archive: archive, settings: settings, network: Self.network, key: Self.key, logger: Logger(label: "test")).runCycle()
        #expect(again.succeeded == again.checked && again.checkSucceeded[.net] == nil && again.checkFailed[.net] == nil && again.checkFailed[.geo] == nil)
    }
}

extension MonitorTests {
    /// A publish relay that is down costs its retries and is counted; the cycle records
    /// its checks all the same, and the scheduled kinds stay due.
    @Test func aPublishRelayThatIsDownIsCountedNeverFatal() async throws {
        let up = try await Self.relay()
        defer { Task { await up.stop() } }
        let space = SynchronizerTests.Workspace()
        let archive = try Archive.open(space.directory)
        _ = try await archive.writer?.addRelays([up.url], discoveredAt: 1)
        var settings = Self.settings(publishTo: [DiscoveryTests.refusedURL])
        settings.publishing.retry = RetryPolicy(attempts: 2, initialDelay: .milliseconds(10), jitter: .zero)
        let report = try await Monitor(archive: archive, settings: settings, network: Self.network, key: Self.key, logger: Logger(label: "test")).runCycle()
        #expect(report.succeeded == 1 && report.snapshots > 0)
        #expect(report.published == 0 && report.publishFailed == 4)
        #expect(try archive.state(service: Monitor.service).isEmpty)
    }
}

extension MonitorTests {
    /// A relay found down is backed off, not dropped, and its failure count goes back to 0
    /// when it answers again.
    @Test func aRelayThatComesBackIsNoLongerBackedOff() async throws {
        let first = try await Self.relay()
        let port = first.port
        await first.stop()
        let space = SynchronizerTests.Workspace()
        let archive = try Archive.open(space.directory)
        _ = try await archive.writer?.addRelays([first.url], discoveredAt: 1)
        var settings = Self.settings(publishTo: [])
        settings.checkInterval = 0
        for check in MonitorCheck.allCases { settings.checks[check]?.retry = RetryPolicy(attempts: 1) }
        let monitor = Monitor(archive: archive, settings: settings, network: Self.network, key: Self.key, logger: Logger(label: "test"))
        #expect(try await monitor.runCycle().failed == 1)
        #expect(try archive.relayStates()[first.url.url]?.checkFailures == 1)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await monitor.runCycle().failed == 1)
        #expect(try archive.relayStates()[first.url.url]?.checkFailures == 2)
        // Back on the same port.
        let again = try await TestRelay(port: port)
        defer { Task { await again.stop() } }
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await monitor.runCycle().succeeded == 1)
        #expect(try archive.relayStates()[first.url.url]?.checkFailures == 0)
    }
}
