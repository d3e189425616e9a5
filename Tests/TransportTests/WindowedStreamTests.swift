import BrotrTestSupport
import BrotrTestTraits
import Nostr
import Testing
import Transport

/// The windowed stream against a relay that behaves and against each hostile knob: the
/// result is always exactly the valid matching events, ascending, each once.
@Suite(.prepared { _ = StreamFixtures.corpus })
struct WindowedStreamTests {
    let corpus = StreamFixtures.corpus

    func relay(_ events: [Event], _ configure: (inout TestRelayBehavior) -> Void = { _ in }) async throws -> TestRelay {
        var behavior = TestRelayBehavior()
        configure(&behavior)
        return try await TestRelay(events: events, behavior: behavior)
    }

    func expectComplete(_ result: StreamFixtures.Result, _ expected: [Event], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.error == nil, "stream failed: \(String(describing: result.error))", sourceLocation: sourceLocation)
        #expect(result.events.count == expected.count, sourceLocation: sourceLocation)
        let inOrder = result.events.map(\.id) == StreamFixtures.ascending(expected).map(\.id)
        #expect(inOrder, "not the expected events in ascending order", sourceLocation: sourceLocation)
    }

    @Test func wellBehavedRelayGivesEveryEventOnceInOrder() async throws {
        let relay = try await relay(corpus)
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay)
        expectComplete(result, corpus)
        #expect(result.through == 1_800_000_000)
        #expect(result.quirks.untilExclusive == false)
    }

    @Test func hardPageCapBelowThePageSize() async throws {
        let relay = try await relay(corpus) { $0.pageCap = 37 }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay, options: StreamOptions(pageSize: 100))
        expectComplete(result, corpus)
        #expect(result.quirks.pageCap == 37)
    }

    @Test func moreEventsInOneSecondThanThePageSize() async throws {
        let burst = try StreamFixtures.sameSecond(250, at: 1_700_000_500)
        let relay = try await relay(corpus + burst)
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay, options: StreamOptions(pageSize: 40))
        expectComplete(result, corpus + burst)
        #expect(result.statistics.truncatedSeconds == 0)
    }

    /// More events than a page in the second just past the window: the widened `until`
    /// brings a full page of them and none of the window's. That page proves nothing: the
    /// window's events all come, and none of the second past it.
    @Test(arguments: [nil, 30] as [Int?])
    func aFullPageFromJustPastTheWindow(pageCap: Int?) async throws {
        let past = try StreamFixtures.sameSecond(120, at: 1_800_000_001)
        let relay = try await relay(corpus + past) { $0.pageCap = pageCap }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay, options: StreamOptions(pageSize: 50))
        expectComplete(result, corpus)
        #expect(result.through == 1_800_000_000)
    }

    @Test func exclusiveUntil() async throws {
        let relay = try await relay(corpus) { $0.exclusiveUntil = true }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay)
        expectComplete(result, corpus)
        #expect(result.quirks.untilExclusive == true)
    }

    @Test func exclusiveUntilWithAPageCap() async throws {
        let relay = try await relay(corpus) { $0.exclusiveUntil = true; $0.pageCap = 50 }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay, options: StreamOptions(pageSize: 80))
        expectComplete(result, corpus)
    }

    @Test func eventsOutOfOrder() async throws {
        let relay = try await relay(corpus) { $0.shuffle = true }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay)
        expectComplete(result, corpus)
        #expect(result.quirks.unordered)
    }

    @Test func duplicateEvents() async throws {
        let relay = try await relay(corpus) { $0.duplicate = true }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay)
        expectComplete(result, corpus)
        #expect(result.statistics.duplicate > 0)
    }

    @Test func ignoringLimit() async throws {
        let relay = try await relay(corpus) { $0.ignoreLimit = true }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay, options: StreamOptions(pageSize: 50, maxEventsPerFetch: 400))
        expectComplete(result, corpus)
        #expect(result.quirks.ignoresLimit)
    }

    @Test func invalidSignaturesAreDropped() async throws {
        // Same fields, another event's signature: the id still matches, the signature does not.
        let forged = try corpus.prefix(40).enumerated().map { i, e in
            try Event(id: e.id, pubkey: e.pubkey, createdAt: e.createdAt, kind: e.kind, tags: e.tags, content: e.content, sig: corpus[i + 100].sig)
        }
        let honest = Array(corpus.dropFirst(40))
        let relay = try await relay(forged + honest)
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay)
        expectComplete(result, honest)
        #expect(result.statistics.invalid >= 40)
    }

    @Test func eventsOutsideTheFilterAreDropped() async throws {
        let relay = try await relay(corpus) { $0.ignoreKindsAndAuthors = true }
        defer { Task { await relay.stop() } }
        let filter = try Filter(kinds: [1])
        let result = await StreamFixtures.stream(relay, filters: [filter])
        expectComplete(result, corpus.filter { $0.kind == 1 })
        #expect(result.statistics.outsideFilter > 0)
    }

    @Test func oversizedEventsAreDroppedAndCounted() async throws {
        let big = try (0..<3).map { try Event.sign(kind: 1, content: String(repeating: "x", count: 20_000), createdAt: 1_700_000_100 + Int64($0), with: StreamFixtures.key) }
        let relay = try await relay(corpus + big)
        defer { Task { await relay.stop() } }
        // The cap applies to the EVENT message (the event plus ~30 bytes); choose one that no
        // corpus event is near.
        let cap = try #require([10_000, 11_000, 12_500, 14_000, 16_000].first { c in !corpus.contains { (c - 200...c + 100).contains($0.jsonBytes.count) } })
        let result = await StreamFixtures.stream(relay, options: StreamOptions(pageSize: 100, maxEventBytes: cap))
        expectComplete(result, corpus.filter { $0.jsonBytes.count < cap - 200 })
        #expect(result.statistics.oversized >= 3)
    }

    @Test func malformedMessagesAreCountedAndSkipped() async throws {
        let relay = try await relay(corpus) { $0.garbageEvery = 7 }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay)
        expectComplete(result, corpus)
        #expect(result.statistics.malformed > 0)
    }

    @Test func aMessageOverTheCapEndsTheConnectionWithAnError() async throws {
        let relay = try await relay(corpus) { $0.oversizedEvery = 500; $0.oversizedBytes = 2 << 20 }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(
            relay, connection: ConnectionOptions(connectTimeout: .seconds(90), readTimeout: .seconds(90), maxMessageBytes: 1 << 20))
        let error = try #require(result.error as? TransportError)
        #expect(error.code == .messageTooLarge, "\(error)")
        // What was delivered before the failure is a correct prefix.
        #expect(result.events.map(\.id) == StreamFixtures.ascending(corpus).prefix(result.events.count).map(\.id))
    }

    @Test func stallingRelayTimesOutAndTheNextStreamCompletes() async throws {
        let relay = try await relay(corpus) { $0.stallAfter = 150 }
        defer { Task { await relay.stop() } }
        let sorted = StreamFixtures.ascending(corpus)
        // On a loaded machine a stream may time out before the relay gets to stall; each
        // such stream still delivers a correct prefix, and the next one meets the stall.
        // Once it has stalled, the relay behaves.
        var delivered: [Event] = []
        var resumeFrom: Int64 = 0
        for _ in 0..<20 where relay.misbehavedConnections == 0 {
            let first = await StreamFixtures.stream(
                relay, since: resumeFrom, connection: ConnectionOptions(connectTimeout: .seconds(20), readTimeout: .seconds(5)))
            #expect((first.error as? TransportError)?.code == .readTimeout)
            delivered += first.events
            #expect(delivered.map(\.id) == sorted.prefix(delivered.count).map(\.id))
            resumeFrom = first.through.map { $0 + 1 } ?? resumeFrom
        }
        #expect(relay.misbehavedConnections >= 1, "the relay never stalled")
        relay.setBehavior(TestRelayBehavior())
        let second = await StreamFixtures.stream(relay, since: resumeFrom)
        #expect(second.error == nil)
        #expect((delivered + second.events).map(\.id) == sorted.map(\.id))
    }

    @Test func disconnectMidWindowAndTheNextStreamCompletes() async throws {
        let relay = try await relay(corpus) { $0.disconnectAfter = 150; $0.misbehavingConnections = 1 }
        defer { Task { await relay.stop() } }
        let first = await StreamFixtures.stream(relay)
        #expect((first.error as? TransportError)?.code == .closed)
        let sorted = StreamFixtures.ascending(corpus)
        let second = await StreamFixtures.stream(relay, since: (first.through ?? -1) + 1)
        #expect(second.error == nil)
        #expect((first.events + second.events).map(\.id) == sorted.map(\.id))
    }

    @Test func relayDemandingAuth() async throws {
        let relay = try await relay(corpus) { $0.requireAuth = true }
        defer { Task { await relay.stop() } }
        let withKey = await StreamFixtures.stream(relay, options: StreamOptions(pageSize: 100, authKey: SecretKey.generate()))
        expectComplete(withKey, corpus)
        #expect(withKey.quirks.requiresAuth)
        let without = await StreamFixtures.stream(relay, options: StreamOptions(pageSize: 100))
        #expect((without.error as? TransportError)?.code == .protocolError)
        #expect(without.events.isEmpty)
    }

    @Test func everyKnobAtOnce() async throws {
        let relay = try await relay(corpus) {
            $0.pageCap = 45; $0.exclusiveUntil = true; $0.shuffle = true; $0.duplicate = true; $0.garbageEvery = 11
        }
        defer { Task { await relay.stop() } }
        let result = await StreamFixtures.stream(relay, options: StreamOptions(pageSize: 60))
        expectComplete(result, corpus)
    }
}
