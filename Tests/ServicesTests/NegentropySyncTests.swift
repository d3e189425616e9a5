import Archive
import BrotrTestSupport
import Foundation
import Logging
import Nostr
import Testing
import Transport

@testable import Services

/// NIP-77 sync against third-party relays on 127.0.0.1: rust-nostr's LocalRelay (nostr-sdk
/// 0.45.1) answers NEG-OPEN, and the archive after reconciling equals the archive after
/// windows, event for event and observation for observation; nostr-relay 1.14 does not,
/// and the fallback gives the windowed result.
@Suite(.serialized)
struct NegentropySyncTests {
    /// An archive that already holds part of the relay's events: some seen at this relay,
    /// some only at another.
    static func prepare(_ directory: DataDirectory, relay: RelayURL, events: [Event]) async throws {
        let archive = try Archive.open(directory)
        let writer = try #require(archive.writer)
        _ = try await writer.addRelays([relay], discoveredAt: 1)
        let elsewhere = try RelayURL("ws://127.0.0.1:7999", allowLoopback: true)
        _ = try await writer.write(EventBatch(events: Array(events.prefix(1200)), relay: elsewhere, seenAt: 10))
        _ = try await writer.write(EventBatch(events: Array(events[1200..<1500]), relay: relay, seenAt: 10))
    }

    static func cycle(_ directory: DataDirectory, relay: RelayURL, negentropy: Bool?) async throws -> (SynchronizerReport, Archive) {
        let archive = try Archive.open(directory)
        var settings = ThirdPartyRelayTests().settings(pageSize: 500)
        if let negentropy { settings.overrides[relay.url] = RelayOverride(negentropy: negentropy) }
        settings.idBatch = 250
        let synchronizer = try Synchronizer(archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), logger: Logger(label: "test"))
        return (try await synchronizer.runCycle(), archive)
    }

    /// One cycle, then the archive's contents and the relay's cursor (the archive is closed after).
    static func outcome(_ directory: DataDirectory, relay: RelayURL, negentropy: Bool?) async throws
        -> (SynchronizerReport, (events: Set<EventID>, observations: Set<String>, cursor: Int64?))
    {
        let (report, archive) = try await cycle(directory, relay: relay, negentropy: negentropy)
        let (events, observations) = try contents(archive)
        return (report, (events, observations, try archive.relayStates()[relay.url]?.syncThrough))
    }

    /// Every archived event, and every (event, relay) pair.
    static func contents(_ archive: Archive) throws -> (events: Set<EventID>, observations: Set<String>) {
        var events = Set<EventID>(), observations = Set<String>()
        try archive.forEachEvent { event in events.insert(event.id) }
        for id in events { for seen in try archive.relays(seeing: id) { observations.insert("\(id.hex)@\(seen.url)") } }
        return (events, observations)
    }

    @Test func reconcilingGivesWhatWindowsGive() async throws {
        let events = try await offThePool { ThirdPartyRelayTests.makeEvents() }
        let relay = try await ThirdPartyRelay.start(.nostrSDK, events: events, maxLimit: 500)
        defer { relay.stop() }
        let windowed = try TempDirectory("neg-windows"), reconciled = try TempDirectory("neg-reconciled")
        defer { windowed.remove(); reconciled.remove() }
        for tmp in [windowed, reconciled] { try await Self.prepare(DataDirectory(path: tmp.path), relay: relay.url, events: events) }

        let (byWindows, a) = try await Self.outcome(DataDirectory(path: windowed.path), relay: relay.url, negentropy: false)
        #expect(byWindows.failures[relay.url.url] == nil && byWindows.negentropyWindows == 0, "\(byWindows.failures)")
        let (byNegentropy, b) = try await Self.outcome(DataDirectory(path: reconciled.path), relay: relay.url, negentropy: true)
        #expect(byNegentropy.failures[relay.url.url] == nil, "\(byNegentropy.failures)")
        #expect(byNegentropy.negentropyWindows >= 1 && byNegentropy.negentropyFallbacks.isEmpty, "\(byNegentropy.negentropyFallbacks)")
        // Fetched: what the archive lacked; observed only: what it had from elsewhere.
        #expect(byNegentropy.negentropyFetched == events.count - 1500 && byNegentropy.negentropyObserved == 1200)
        #expect(byNegentropy.eventsNew == byWindows.eventsNew)
        // Over half the relay's events are fetched here; the 1%-missing case is the benchmark's.
        #expect(byNegentropy.bytesReceived * 2 < byWindows.bytesReceived, "\(byNegentropy.bytesReceived) vs \(byWindows.bytesReceived)")

        #expect(a.events == b.events && a.events == Set(events.map(\.id)))
        #expect(a.observations == b.observations)
        // Each cursor is at its own cycle's end (now, with no end lag): past every event.
        let newest = events.map(\.createdAt).max() ?? 0
        #expect((a.cursor ?? 0) >= newest && (b.cursor ?? 0) >= newest)

        // A second cycle reconciles from the cursor and fetches nothing.
        let (again, _) = try await Self.outcome(DataDirectory(path: reconciled.path), relay: relay.url, negentropy: true)
        #expect(again.negentropyFetched == 0 && again.eventsNew == 0, "\(again.failures)")
    }

    @Test func aRelayWithoutNegentropyFallsBackToWindows() async throws {
        let events = try await offThePool { ThirdPartyRelayTests.makeEvents() }
        let relay = try await ThirdPartyRelay.start(.nostrRelay, events: events, maxLimit: 500)
        defer { relay.stop() }
        let tmp = try TempDirectory("neg-fallback")
        defer { tmp.remove() }
        let directory = DataDirectory(path: tmp.path)
        try await Self.prepare(directory, relay: relay.url, events: events)
        let (report, archive) = try await Self.cycle(directory, relay: relay.url, negentropy: true)
        #expect(report.failures[relay.url.url] == nil, "\(report.failures)")
        #expect(report.negentropyFallbacks.values.reduce(0, +) == 1, "\(report.negentropyFallbacks)")
        #expect(try Self.contents(archive).events == Set(events.map(\.id)))
        #expect(try archive.stats().observations == events.count + 1200)
        // Remembered: the next cycles go straight to windows unless an override says otherwise.
        #expect(try archive.relayStates()[relay.url.url]?.nip77 == false)
    }
}
