import Archive
import BrotrTestSupport
import Foundation
import Logging
import Nostr
import Testing
import Transport

@testable import Services

/// The Synchronizer against relays written by others, unmodified, on 127.0.0.1:
/// nostr-relay 1.14 (exclusive `until`, `max_limit` 500) and rust-nostr's LocalRelay from
/// nostr-sdk 0.45.1 (inclusive `until`, a hard cap of 500 per filter). Both come from PyPI
/// through `packaging/install-deps.sh --test`.
@Suite(.serialized)
struct ThirdPartyRelayTests {
    /// Corpus events (a few per second), with 450 more in one second in the middle: more
    /// than a page, fewer than either relay's cap. Only what both relays keep: events under
    /// LocalRelay's 64 KiB limit, and one version of each replaceable or addressable event
    /// (a relay keeps the newest alone, and the test asks for exactly what was loaded).
    static func makeEvents() -> [Event] {
        var generator = CorpusGenerator(seed: 8080, start: 1_700_000_000)
        var versioned = Set<String>()
        var events: [Event] = []
        while events.count < 3000 {
            let event = generator.next()
            guard event.jsonBytes.count < 60_000 else { continue }
            switch event.kindClass {
            case .replaceable: guard versioned.insert("\(event.kind):\(event.pubkey.hex)").inserted else { continue }
            case .addressable: guard versioned.insert("\(event.kind):\(event.pubkey.hex):\(event.tagValues("d").first ?? "")").inserted else { continue }
            default: break
            }
            events.append(event)
        }
        let key = SecretKey.generate()
        let second = events[1500].createdAt
        for i in 0..<450 {
            // Signing a short note with a valid key cannot fail.
            guard let event = try? Event.sign(kind: 1, content: "same second \(i)", createdAt: second, with: key) else { continue }
            events.append(event)
        }
        return events
    }

    func settings(pageSize: Int) -> SynchronizerSettings {
        var s = SynchronizerSettings()
        s.endLag = 0
        s.stream.pageSize = pageSize
        s.connection = ConnectionOptions(connectTimeout: .seconds(30), readTimeout: .seconds(60))
        return s
    }

    func cycle(_ directory: DataDirectory, relay: RelayURL, pageSize: Int) async throws -> (SynchronizerReport, Archive) {
        let archive = try Archive.open(directory)
        _ = try await archive.writer?.addRelays([relay], discoveredAt: 1)
        let synchronizer = try Synchronizer(archive: archive, settings: settings(pageSize: pageSize), network: NetworkConfiguration(allowLoopback: true), logger: Logger(label: "test"))
        return (try await synchronizer.runCycle(), archive)
    }

    @Test(arguments: [ThirdPartyRelay.Implementation.nostrRelay, .nostrSDK])
    func oneCycleArchivesExactlyTheRelaysEventsAndASecondAddsNothing(_ implementation: ThirdPartyRelay.Implementation) async throws {
        // Signing thousands of events is seconds of CPU in a debug build: off the pool.
        let events = try await offThePool { Self.makeEvents() }
        #expect(events.count == 3450)
        let relay = try await ThirdPartyRelay.start(implementation, events: events, maxLimit: 500)
        defer { relay.stop() }
        // A page the size of the cap, and one twice as large (the relay truncates silently).
        for pageSize in [500, 1000] {
            let tmp = try TempDirectory("3p")
            defer { tmp.remove() }
            let directory = DataDirectory(path: tmp.path)
            let label = "\(implementation.rawValue), page \(pageSize)"

            do {
                let (first, archive) = try await cycle(directory, relay: relay.url, pageSize: pageSize)
                #expect(first.relaysSynced == 1 && first.relaysFailed == 0, "\(label): \(first.failures)")
                #expect(first.eventsNew == events.count, "\(label)")
                #expect(first.stream.truncatedSeconds == 0, "\(label)")
                var archived = Set<EventID>()
                try archive.forEachEvent { archived.insert($0.id) }
                #expect(archived == Set(events.map(\.id)), "\(label)")
                #expect(try archive.stats().observations == events.count, "\(label)")
                #expect(try archive.relays(seeing: events[1700].id).map(\.url) == [relay.url.url], "\(label)")

                // What was learned about the relay is kept.
                let quirks = try #require(try archive.relayStates()[relay.url.url]).quirks
                #expect(quirks.untilExclusive == (implementation == .nostrRelay), "\(label)")
                if pageSize > 500 { #expect(quirks.pageCap == 500, "\(label)") }
            }

            let (second, again) = try await cycle(directory, relay: relay.url, pageSize: pageSize)
            #expect(second.relaysSynced == 1, "\(label): \(second.failures)")
            #expect(second.eventsNew == 0 && second.eventsDuplicate == 0, "\(label)")
            #expect(try again.stats().observations == events.count, "\(label)")
        }
    }
}
