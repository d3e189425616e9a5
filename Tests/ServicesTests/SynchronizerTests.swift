import Archive
import BrotrTestSupport
import BrotrTestTraits
import Foundation
import Logging
import Nostr
import Testing
import Transport

@testable import Services

/// The suite's corpus, signed once (see `.prepared`).
enum SynchronizerCorpus {
    static let events: [Event] = {
        var generator = CorpusGenerator(seed: 5150, start: 1_700_000_000)
        return (0..<1500).map { _ in generator.next() }
    }()
}

/// The Synchronizer against in-process relays on 127.0.0.1, into a real archive in a
/// temporary directory.
@Suite(.prepared { _ = SynchronizerCorpus.events })
struct SynchronizerTests {
    static var corpus: [Event] { SynchronizerCorpus.events }

    /// A data directory that removes itself.
    final class Workspace {
        let tmp: TempDirectory
        var path: String { tmp.path }
        var directory: DataDirectory { DataDirectory(path: path) }

        init() {
            guard let tmp = try? TempDirectory("sync") else { preconditionFailure("cannot create a temporary directory") }
            self.tmp = tmp
        }

        deinit { tmp.remove() }
    }

    func settings(pageSize: Int = 100, readTimeout: Duration = .seconds(90)) -> SynchronizerSettings {
        var s = SynchronizerSettings()
        s.endLag = 0
        s.batchSize = 300
        s.connection = ConnectionOptions(connectTimeout: .seconds(90), readTimeout: readTimeout)
        s.stream = StreamOptions(pageSize: pageSize, authKey: SecretKey.generate())
        return s
    }

    func cycle(_ workspace: Workspace, relays: [TestRelay], settings: SynchronizerSettings) async throws -> (SynchronizerReport, Archive) {
        let archive = try Archive.open(workspace.directory)
        _ = try await archive.writer?.addRelays(relays.map(\.url), discoveredAt: 1)
        let synchronizer = try Synchronizer(archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), logger: Logger(label: "test"))
        return (try await synchronizer.runCycle(), archive)
    }

    func archivedIDs(_ archive: Archive) throws -> Set<EventID> {
        var ids = Set<EventID>()
        try archive.forEachEvent { ids.insert($0.id) }
        return ids
    }

    @Test func overlappingRelaysStoreEachEventOnceWithAnObservationPerRelay() async throws {
        let a = Array(Self.corpus[0..<1000]), b = Array(Self.corpus[500..<1500])
        let relayA = try await TestRelay(events: a)
        let relayB = try await TestRelay(events: b, behavior: { var x = TestRelayBehavior(); x.pageCap = 60; x.exclusiveUntil = true; return x }())
        defer { Task { await relayA.stop(); await relayB.stop() } }
        let workspace = Workspace()
        let (report, archive) = try await cycle(workspace, relays: [relayA, relayB], settings: settings())
        #expect(report.relaysSynced == 2 && report.relaysFailed == 0)
        #expect(report.eventsNew == 1500)
        #expect(report.eventsDuplicate == 500)
        #expect(try archivedIDs(archive) == Set(Self.corpus.map(\.id)))
        let stats = try archive.stats()
        #expect(stats.events == 1500)
        #expect(stats.observations == 2000)
        for event in Self.corpus[500..<1000] {
            #expect(try archive.relays(seeing: event.id).map(\.url).sorted() == [relayA.url.url, relayB.url.url].sorted())
        }
        // What the relay taught is stored for the next cycle.
        let quirks = try #require(try archive.relayStates()[relayB.url.url]).quirks
        #expect(quirks.untilExclusive == true)
        #expect(quirks.pageCap == 60)
    }

    @Test func aSecondCycleAddsNothing() async throws {
        let relay = try await TestRelay(events: Self.corpus)
        defer { Task { await relay.stop() } }
        let workspace = Workspace()
        let first = try await cycle(workspace, relays: [relay], settings: settings()).0
        #expect(first.eventsNew == Self.corpus.count)
        let (second, archive) = try await cycle(workspace, relays: [relay], settings: settings())
        #expect(second.eventsNew == 0 && second.eventsDuplicate == 0 && second.relaysSynced == 1)
        #expect(try archive.stats().observations == Self.corpus.count)
    }

    @Test func cursorNeverPassesWhatIsArchivedAndTheNextCycleCompletes() async throws {
        for knob in ["stall", "disconnect"] {
            var behavior = TestRelayBehavior()
            // Every connection misbehaves after 200 events (two pages), until the relay is told
            // to behave: a cycle that failed early for another reason still meets it next.
            if knob == "stall" { behavior.stallAfter = 200 } else { behavior.disconnectAfter = 200 }
            let relay = try await TestRelay(events: Self.corpus, behavior: behavior)
            defer { Task { await relay.stop() } }
            let workspace = Workspace()
            // A cycle on a loaded machine may time out before the relay gets to misbehave:
            // such a cycle must keep the same promise (five tries at most).
            for _ in 0..<5 where relay.misbehavedConnections == 0 {
                let (first, archive) = try await cycle(workspace, relays: [relay], settings: settings(readTimeout: .seconds(5)))
                #expect(first.relaysFailed == 1, "\(knob)")
                // Every event at or before the cursor is archived; none after it.
                let cursor = try archive.relayStates()[relay.url.url]?.syncThrough
                let archived = try archivedIDs(archive)
                #expect(archived == Set(Self.corpus.filter { $0.createdAt <= cursor ?? -1 }.map(\.id)), "\(knob)")
                #expect(archived.count < Self.corpus.count, "\(knob)")
            }
            #expect(relay.misbehavedConnections >= 1, "the relay never got to \(knob)")
            relay.setBehavior(TestRelayBehavior())
            let second = try await cycle(workspace, relays: [relay], settings: settings()).0
            #expect(second.relaysSynced == 1, "\(knob)")
            #expect(try archivedIDs(try Archive.open(workspace.directory, mode: .readOnly)) == Set(Self.corpus.map(\.id)), "\(knob)")
        }
    }

    @Test func aSecondFullerThanTheRelayCapIsCountedAsTruncated() async throws {
        // No time window can split one second: with 90 events there and a cap of 40 (learned
        // from the earlier events), the relay cannot be read completely over NIP-01, and the
        // report says so.
        let last = Self.corpus.map(\.createdAt).max() ?? 0
        let burst = try (0..<90).map { try Event.sign(kind: 1, content: "burst \($0)", createdAt: last + 10, with: SecretKey.generate()) }
        let relay = try await TestRelay(events: Self.corpus + burst, behavior: { var b = TestRelayBehavior(); b.pageCap = 40; return b }())
        defer { Task { await relay.stop() } }
        let workspace = Workspace()
        let (report, _) = try await cycle(workspace, relays: [relay], settings: settings(pageSize: 50))
        #expect(report.stream.truncatedSeconds == 1)
        #expect(report.eventsNew == Self.corpus.count + 40)
    }

    @Test func everyKnobEndsWithExactlyTheValidMatchingEvents() async throws {
        let forged = try Self.corpus.prefix(30).enumerated().map { i, e in
            try Event(id: e.id, pubkey: e.pubkey, createdAt: e.createdAt, kind: e.kind, tags: e.tags, content: e.content, sig: Self.corpus[i + 50].sig)
        }
        let honest = Array(Self.corpus.dropFirst(30))
        let burst = try (0..<90).map { try Event.sign(kind: 1, content: "burst \($0)", createdAt: 1_700_000_300, with: SecretKey.generate()) }
        // 90 events in one second: more than a page (60), fewer than the relay's cap.
        var behaviors: [(String, TestRelayBehavior)] = []
        func add(_ name: String, _ configure: (inout TestRelayBehavior) -> Void) {
            var b = TestRelayBehavior()
            configure(&b)
            behaviors.append((name, b))
        }
        add("well behaved") { _ in }
        add("page cap below the page size") { $0.pageCap = 100 }
        add("exclusive until") { $0.exclusiveUntil = true }
        add("out of order") { $0.shuffle = true }
        add("duplicates") { $0.duplicate = true }
        add("ignores limit") { $0.ignoreLimit = true }
        add("outside the filter") { $0.ignoreKindsAndAuthors = true }
        add("malformed JSON") { $0.garbageEvery = 13 }
        add("auth") { $0.requireAuth = true }
        for (name, behavior) in behaviors {
            let relay = try await TestRelay(events: forged + honest + burst, behavior: behavior)
            defer { Task { await relay.stop() } }
            let workspace = Workspace()
            var settings = settings(pageSize: name.hasPrefix("page cap") ? 150 : 60)
            let filtered = name == "outside the filter"
            if filtered { settings.filters = [try Filter(kinds: [1, 7])] }
            let (report, archive) = try await cycle(workspace, relays: [relay], settings: settings)
            let expected = (honest + burst).filter { !filtered || [1, 7].contains($0.kind) }
            #expect(report.relaysSynced == 1, "\(name): \(report.failures)")
            #expect(try archivedIDs(archive) == Set(expected.map(\.id)), "\(name)")
            #expect(report.eventsInvalid >= (filtered ? 0 : 30), "\(name)")
            let cursor = try archive.relayStates()[relay.url.url]?.syncThrough
            #expect(cursor != nil && cursor! >= Self.corpus.map(\.createdAt).max()!, "\(name)")
        }
    }
}
