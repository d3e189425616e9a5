import Archive
import BrotrTestSupport
import Foundation
import Logging
import Nostr
import Testing
import Transport

@testable import Services

/// Seeder, Finder and Validator on a real archive in a temporary directory, with relays
/// on 127.0.0.1.
struct DiscoveryTests {
    let logger = Logger(label: "test")

    /// Port 1 (tcpmux) is privileged and unused here: connections are refused at once. A
    /// port freed by a stopped relay could be taken again by a parallel test.
    static let refusedURL: RelayURL = {
        guard let url = try? RelayURL("ws://127.0.0.1:1", allowLoopback: true) else { preconditionFailure("a valid URL") }
        return url
    }()

    func workspace() -> SynchronizerTests.Workspace { SynchronizerTests.Workspace() }

    func candidateURLs(_ archive: Archive) throws -> [String] {
        try CandidateStore(archive: archive).all().map(\.url).sorted()
    }

    // MARK: Seeder

    @Test func seederLoadsAFileOnceAndReportsBadLinesWithTheirNumbers() async throws {
        let space = workspace()
        let file = space.path + ".seeds"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(
            """
            # testbed
            ws://127.0.0.1:7001

            not a url
            ws://127.0.0.1:7002/
            http://example.com
            ws://127.0.0.1:7001
            """.utf8
        ).write(to: URL(fileURLWithPath: file))
        let archive = try Archive.open(space.directory)
        let seeder = Seeder(archive: archive, settings: SeederSettings(builtin: false, file: file), network: NetworkConfiguration(allowLoopback: true), logger: logger)
        let first = try await seeder.runCycle()
        #expect(first.seeded && first.added == 2)
        #expect(first.rejected.map(\.line) == [4, 6])
        #expect(try candidateURLs(archive) == ["ws://127.0.0.1:7001", "ws://127.0.0.1:7002"])
        #expect(try archive.relays().isEmpty)
        let second = try await seeder.runCycle()
        #expect(!second.seeded && second.added == 0)

        // Straight into relays when asked; a missing file is a clear error.
        let other = workspace()
        let direct = try Archive.open(other.directory)
        let toRelays = Seeder(archive: direct, settings: SeederSettings(builtin: false, file: file, toRelays: true), network: NetworkConfiguration(allowLoopback: true), logger: logger)
        #expect(try await toRelays.runCycle().added == 2)
        #expect(try direct.relays().map(\.url) == ["ws://127.0.0.1:7001", "ws://127.0.0.1:7002"])
        let third = workspace()
        let missing = Seeder(archive: try Archive.open(third.directory), settings: SeederSettings(builtin: false, file: file + ".nope"), network: NetworkConfiguration(allowLoopback: true), logger: logger)
        await #expect { try await missing.runCycle() } throws: { "\($0)".contains("cannot read the seed file") && "\($0)".contains(".nope") }
    }

    @Test func theBuiltinSeedListIsAllPublicRelays() {
        let list = SeedList(parsing: BuiltinSeeds.text, allowLoopback: false)
        #expect(list.rejected.isEmpty)
        #expect(list.relays.count >= 15)
        #expect(list.relays.allSatisfy { $0.network == .clearnet && $0.url.hasPrefix("wss://") })
        #expect(Set(list.relays.map(\.url)).count == list.relays.count)
    }

    // MARK: Finder

    @Test func finderTurnsRelayURLsInEventsIntoCandidatesAndResumes() async throws {
        let key = SecretKey.generate()
        func sign(_ kind: UInt16, tags: [[String]] = [], content: String = "") throws -> Event {
            try Event.sign(kind: kind, tags: tags, content: content, createdAt: 1_700_000_000, with: key)
        }
        let events = [
            try sign(10002, tags: [["r", "ws://127.0.0.1:7101"], ["r", "ws://127.0.0.1:7102", "read"], ["r", "not a relay"]]),
            try sign(3, tags: [["p", key.publicKey.hex]], content: #"{"ws://127.0.0.1:7103":{"read":true,"write":true},"junk":{}}"#),
            try sign(2, content: "ws://127.0.0.1:7104"),
            try sign(1, tags: [["e", String(repeating: "a", count: 64), "ws://127.0.0.1:7105"], ["t", "ws-not-a-url"]], content: "ws://127.0.0.1:7199 in text is not a tag"),
            try sign(1, tags: [["r", "ws://10.0.0.1"]]),  // private addresses never become candidates
        ]
        let space = workspace()
        let archive = try Archive.open(space.directory)
        _ = try await archive.writer?.write(EventBatch(events: Array(events[0..<3]), seenAt: 1))
        _ = try await archive.writer?.addRelays([try RelayURL("ws://127.0.0.1:7102", allowLoopback: true)], discoveredAt: 1)
        let finder = Finder(archive: archive, settings: FinderSettings(batchSize: 2), network: NetworkConfiguration(allowLoopback: true), logger: logger)
        let first = try await finder.runCycle()
        #expect(first.eventsScanned == 3)
        #expect(try candidateURLs(archive) == ["ws://127.0.0.1:7101", "ws://127.0.0.1:7103", "ws://127.0.0.1:7104"])

        // Nothing new: nothing scanned. New events, whatever their created_at: scanned once.
        #expect(try await finder.runCycle().eventsScanned == 0)
        _ = try await archive.writer?.write(EventBatch(events: Array(events[3...]), seenAt: 2))
        let again = Finder(archive: archive, settings: FinderSettings(), network: NetworkConfiguration(allowLoopback: true), logger: logger)
        let second = try await again.runCycle()
        #expect(second.eventsScanned == 2 && second.candidatesAdded == 1)
        #expect(try candidateURLs(archive) == ["ws://127.0.0.1:7101", "ws://127.0.0.1:7103", "ws://127.0.0.1:7104", "ws://127.0.0.1:7105"])
    }

    // MARK: Validator

    @Test func validatorPromotesRelaysAndCountsFailuresUntilItDrops() async throws {
        let open = try await TestRelay(events: [])
        let authOnly = try await TestRelay(events: [], behavior: { var b = TestRelayBehavior(); b.requireAuth = true; return b }())
        defer { Task { await open.stop(); await authOnly.stop() } }
        let deadURL = Self.refusedURL

        let space = workspace()
        let archive = try Archive.open(space.directory)
        let store = CandidateStore(archive: archive)
        #expect(try await store.add([open.url, authOnly.url, deadURL], at: 100) == 3)
        #expect(try await store.add([open.url], at: 100) == 0)
        var settings = ValidatorSettings()
        settings.connection = ConnectionOptions(connectTimeout: .seconds(90), readTimeout: .seconds(90))
        settings.cooldown = 0
        settings.maxFailures = 2
        let validator = Validator(archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), logger: logger)

        let first = try await validator.runCycle()
        #expect(first.checked == 3 && first.promoted == 2 && first.failed == 1 && first.dropped == 0 && first.remaining == 1)
        #expect(try archive.relays().map(\.url).sorted() == [open.url.url, authOnly.url.url].sorted())
        let left = try store.all()
        #expect(left.map(\.url) == [deadURL.url] && left.first?.failures == 1 && left.first?.lastAttempt != nil)

        let second = try await validator.runCycle()
        #expect(second.checked == 1 && second.dropped == 1 && second.remaining == 0)
        #expect(try store.all().isEmpty)
        // Promoted relays are durable records: a reindex keeps them.
        #expect(try archive.relays().count == 2)
    }

    @Test func validatorWaitsOutTheCooldown() async throws {
        let space = workspace()
        let archive = try Archive.open(space.directory)
        let url = Self.refusedURL
        try await CandidateStore(archive: archive).add([url], at: 100)
        var settings = ValidatorSettings()
        settings.connection = ConnectionOptions(connectTimeout: .seconds(90), readTimeout: .seconds(90))
        settings.cooldown = 3600
        let validator = Validator(archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), logger: logger)
        #expect(try await validator.runCycle().checked == 1)
        #expect(try await validator.runCycle().checked == 0)
        #expect(try CandidateStore(archive: archive).all().first?.failures == 1)
    }
}

extension DiscoveryTests {
    @Test func finderReadsWebSourcesOncePerCooldownAndSurvivesBadOnes() async throws {
        let server = try await TestHTTPServer(routes: [
            "/list": (200, #"["ws://127.0.0.1:7201", "not a url", 5, "ws://127.0.0.1:7202"]"#),
            "/nested": (200, #"{"relays":[{"url":"ws://127.0.0.1:7203"},{"url":"ws://127.0.0.1:7201"},{"name":"x"}]}"#),
            "/big": (200, "[" + String(repeating: "\"ws://127.0.0.1:7299\",", count: 2000) + "\"ws://127.0.0.1:7298\"]"),
            "/broken": (200, "{not json"),
            "/down": (503, "maintenance"),
        ])
        defer { Task { await server.stop() } }
        let sources = [
            HTTPSource(url: server.url("/list"), cooldown: 3600, timeout: .seconds(30)),
            HTTPSource(url: server.url("/nested"), path: "relays.*.url", cooldown: 3600, timeout: .seconds(30)),
            HTTPSource(url: server.url("/big"), cooldown: 3600, timeout: .seconds(30), maxBytes: 1000),
            HTTPSource(url: server.url("/broken"), cooldown: 3600, timeout: .seconds(30)),
            HTTPSource(url: server.url("/down"), cooldown: 3600, timeout: .seconds(30)),
        ]
        let space = workspace()
        let archive = try Archive.open(space.directory)
        let finder = Finder(archive: archive, settings: FinderSettings(sources: sources), network: NetworkConfiguration(allowLoopback: true), logger: logger)
        let first = try await finder.runCycle()
        #expect(first.sourcesFetched == 2 && first.sourcesFailed == 3)
        #expect(first.candidatesAdded == 3)
        #expect(try candidateURLs(archive) == ["ws://127.0.0.1:7201", "ws://127.0.0.1:7202", "ws://127.0.0.1:7203"])
        // Within the cooldown nothing is fetched again, failed sources included.
        let hits = server.requests
        let second = try await finder.runCycle()
        #expect(second.sourcesFetched == 0 && second.sourcesFailed == 0 && server.requests == hits)
    }

    @Test func sourcePathsReachNestedLists() throws {
        let document = try JSONValue(parsing: #"{"a":{"b":["x","y"]},"c":[{"d":"z"},{"d":1}],"e":{"k1":{"u":"p"},"k2":{"u":"q"}}}"#)
        #expect(HTTPSource.strings(in: document, path: "a.b") == ["x", "y"])
        #expect(HTTPSource.strings(in: document, path: "c.*.d") == ["z"])
        #expect(HTTPSource.strings(in: document, path: "e.*.u").sorted() == ["p", "q"])
        #expect(HTTPSource.strings(in: document, path: "missing.path").isEmpty)
        #expect(HTTPSource.strings(in: try JSONValue(parsing: #"["s1","s2"]"#), path: "") == ["s1", "s2"])
    }
}

extension DiscoveryTests {
    @Test func aRelayWithAnUntrustedCertificateIsPromotedInsecurelyAndSyncedSo() async throws {
        let key = SecretKey.generate()
        let events = try (0..<50).map { try Event.sign(kind: 1, content: "tls \($0)", createdAt: 1_700_000_000 + Int64($0), with: key) }
        let relay = try await TestRelay(events: events, tls: true)
        defer { Task { await relay.stop() } }
        #expect(relay.url.url.hasPrefix("wss://127.0.0.1:"))
        let space = workspace()
        let archive = try Archive.open(space.directory)
        try await CandidateStore(archive: archive).add([relay.url], at: 100)
        var settings = ValidatorSettings()
        settings.connection = ConnectionOptions(connectTimeout: .seconds(90), readTimeout: .seconds(90))

        // Without the fallback the certificate is refused; with it the relay is promoted
        // and marked insecure for the Synchronizer.
        settings.allowInsecureFallback = false
        let strict = try await Validator(archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), logger: logger).runCycle()
        #expect(strict.promoted == 0 && strict.failed == 1)
        settings.allowInsecureFallback = true
        settings.cooldown = 0
        let lenient = try await Validator(archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), logger: logger).runCycle()
        #expect(lenient.promoted == 1)
        #expect(try archive.relayStates()[relay.url.url]?.insecure == true)

        var sync = SynchronizerSettings()
        sync.endLag = 0
        sync.connection = ConnectionOptions(connectTimeout: .seconds(90), readTimeout: .seconds(90))
        let report = try await Synchronizer(archive: archive, settings: sync, network: NetworkConfiguration(allowLoopback: true), logger: logger).runCycle()
        #expect(report.relaysSynced == 1 && report.eventsNew == 50, "\(report.failures)")
    }
}
