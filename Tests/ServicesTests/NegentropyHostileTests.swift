import Archive
import BrotrTestSupport
import Foundation
import Logging
import Nostr
import Testing
import Transport

@testable import Services

/// NIP-77 against a responder that misbehaves, from the project's test relay: NEG-ERR
/// mid-way, text that is not hex, a fingerprint that never agrees, a frame over the limit,
/// silence. Each ends in the windowed fallback with the archive complete and the cursor
/// past every event; a responder that behaves gives the same archive with no fallback.
@Suite(.serialized)
struct NegentropyHostileTests {
    static let events: [Event] = {
        var generator = CorpusGenerator(seed: 606, authors: 30, start: 1_700_000_000)
        return (0..<1500).map { _ in generator.next() }
    }()

    @Test(arguments: [
        (NegentropyResponder.answers, nil), (.errorAfter(1), "refused"), (.malformedHex, "malformed"), (.neverConverges, "malformed"),
        (.oversizedFrame, "transport"), (nil, "silence"),
    ] as [(NegentropyResponder?, String?)])
    func everyMisbehaviourEndsInACompleteArchive(knob: NegentropyResponder?, reason: String?) async throws {
        var behavior = TestRelayBehavior()
        behavior.negentropy = knob
        behavior.ignoreNegentropy = knob == nil
        let relay = try await TestRelay(events: Self.events, behavior: behavior)
        defer { Task { await relay.stop() } }
        let tmp = try TempDirectory("neg-hostile")
        defer { tmp.remove() }
        let archive = try Archive.open(DataDirectory(path: tmp.path))
        let writer = try #require(archive.writer)
        _ = try await writer.addRelays([relay.url], discoveredAt: 1)
        // Most of it seen there already: the reconciliation has real work, and a real gap.
        _ = try await writer.write(EventBatch(events: Array(Self.events.prefix(1200)), relay: relay.url, seenAt: 10))

        var settings = SynchronizerSettings()
        settings.endLag = 0
        settings.overrides[relay.url.url] = RelayOverride(negentropy: true)
        // Short only where silence is the point: a loaded machine answers slowly.
        settings.negentropyTimeout = knob == nil ? .seconds(2) : .seconds(30)
        settings.connection = ConnectionOptions(connectTimeout: .seconds(10), readTimeout: .seconds(10))
        let synchronizer = try Synchronizer(archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), logger: Logger(label: "test"))
        let report = try await synchronizer.runCycle()
        let label = "\(knob.map { "\($0)" } ?? "silence")"
        #expect(report.failures.isEmpty && report.relaysSynced == 1, "\(label): \(report.failures)")
        if let reason {
            #expect(report.negentropyFallbacks == [reason: 1], "\(label): \(report.negentropyFallbacks)")
        } else {
            #expect(report.negentropyFallbacks.isEmpty && report.negentropyFetched == 300, "\(label): \(report.negentropyFallbacks)")
        }
        var archived = Set<EventID>()
        try archive.forEachEvent { archived.insert($0.id) }
        #expect(archived == Set(Self.events.map(\.id)), "\(label)")
        #expect(try archive.stats().observations == Self.events.count, "\(label)")
        let cursor = try #require(try archive.relayStates()[relay.url.url]?.syncThrough)
        #expect(cursor >= Self.events.map(\.createdAt).max() ?? 0, "\(label)")
    }

    /// A relay that refuses large reconciliations (`blocked: too many query results`) gets
    /// halves, then quarters, until each fits; one that refuses every size (even empty) gets windows.
    @Test(arguments: [400, -1])
    func blockedWindowsAreHalved(maxItems: Int) async throws {
        var behavior = TestRelayBehavior()
        behavior.negentropy = .answers
        behavior.negentropyMaxItems = maxItems
        let relay = try await TestRelay(events: Self.events, behavior: behavior)
        defer { Task { await relay.stop() } }
        let tmp = try TempDirectory("neg-blocked")
        defer { tmp.remove() }
        let archive = try Archive.open(DataDirectory(path: tmp.path))
        let writer = try #require(archive.writer)
        _ = try await writer.addRelays([relay.url], discoveredAt: 1)
        _ = try await writer.write(EventBatch(events: Array(Self.events.prefix(1000)), relay: relay.url, seenAt: 10))

        var settings = SynchronizerSettings()
        settings.endLag = 0
        settings.overrides[relay.url.url] = RelayOverride(negentropy: true)
        settings.connection = ConnectionOptions(connectTimeout: .seconds(10), readTimeout: .seconds(30))
        let synchronizer = try Synchronizer(archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), logger: Logger(label: "test"))
        let report = try await synchronizer.runCycle()
        #expect(report.failures.isEmpty && report.relaysSynced == 1, "\(report.failures)")
        if maxItems > 0 {
            // 1,500 events under a limit of 400: at least 4 windows, none refused in the end.
            #expect(report.negentropyFallbacks.isEmpty, "\(report.negentropyFallbacks)")
            #expect(report.negentropyWindows >= 4 && report.negentropyWindows <= Synchronizer.maxNegentropyWindows)
            #expect(report.negentropyFetched == 500)
        } else {
            #expect(report.negentropyFallbacks == ["refused": 1], "\(report.negentropyFallbacks)")
            #expect(report.negentropyWindows == 0 && report.negentropyFetched == 0)
        }
        var archived = Set<EventID>()
        try archive.forEachEvent { archived.insert($0.id) }
        #expect(archived == Set(Self.events.map(\.id)))
        let cursor = try #require(try archive.relayStates()[relay.url.url]?.syncThrough)
        #expect(cursor >= Self.events.map(\.createdAt).max() ?? 0)
    }
}
