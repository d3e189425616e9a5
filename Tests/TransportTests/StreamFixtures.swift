import BrotrTestSupport
import Nostr
import Transport

/// Events for streaming tests, and a helper that streams a whole range.
enum StreamFixtures {
    /// Corpus events: many share a second, seconds cluster.
    static let corpus: [Event] = {
        var generator = CorpusGenerator(seed: 77, start: 1_700_000_000)
        return (0..<3000).map { _ in generator.next() }
    }()

    static let key = SecretKey.generate()

    /// `count` kind-1 events, all in second `at`.
    static func sameSecond(_ count: Int, at: Int64) throws -> [Event] {
        try (0..<count).map { try Event.sign(kind: 1, content: "same second \($0)", createdAt: at, with: key) }
    }

    /// The order the stream promises: created_at ascending, then id ascending.
    static func ascending(_ events: [Event]) -> [Event] {
        events.sorted { $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.id < $1.id }
    }

    struct Result {
        var events: [Event] = []
        var through: Int64?
        var statistics = StreamStatistics()
        var quirks = RelayQuirks()
        var error: (any Error)?
    }

    /// Streams `[since, until]` from `relay` window by window, collecting everything; an
    /// error ends the collection and is returned with what arrived before it.
    static func stream(
        _ relay: TestRelay, filters: [Filter] = [], since: Int64 = 0, until: Int64 = 1_800_000_000,
        options: StreamOptions = StreamOptions(pageSize: 100), quirks: RelayQuirks = RelayQuirks(),
        connection: ConnectionOptions = ConnectionOptions(connectTimeout: .seconds(90), readTimeout: .seconds(90))
    ) async -> Result {
        var result = Result()
        do {
            try await RelayConnection.withConnection(to: relay.url, options: connection) { connection in
                let stream = try WindowedStream(connection: connection, filters: filters, since: since, until: until, options: options, quirks: quirks)
                defer {
                    result.statistics = stream.statistics
                    result.quirks = stream.quirks
                }
                var windows = 0
                while let window = try await stream.next() {
                    windows += 1
                    precondition(windows < 1_000_000, "unbounded stream")
                    result.events += window.events.map(\.event)
                    result.through = window.through
                }
            }
        } catch {
            result.error = error
        }
        return result
    }
}
