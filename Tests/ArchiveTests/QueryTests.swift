import BrotrTestSupport
import BrotrTestTraits
import Foundation
import Nostr
import Testing

@testable import Archive

/// The suite's corpus, signed once (see `.prepared`).
enum QueryCorpus {
    static let events: [Event] = {
        var generator = CorpusGenerator(seed: 31)
        return (0..<2000).map { _ in generator.next() }
    }()
}

/// Queries against a brute-force filter over the same events: `events(matching:)` must
/// return exactly the matching events, newest first and ties by ascending id, cut at
/// `limit`; `count(matching:)` must count them; `forEachEvent` must give write order.
@Suite(.prepared { _ = QueryCorpus.events })
struct QueryTests {
    /// ~2000 corpus events; the generator's clock advances slowly, so many share a second.
    static var corpus: [Event] { QueryCorpus.events }

    /// The order queries promise: created_at descending, then id ascending.
    static func ordered(_ events: [Event]) -> [Event] {
        events.sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id < $1.id }
    }

    static func bruteForce(_ filter: Filter) -> [Event] {
        let matching = ordered(corpus.filter { filter.matches($0) })
        if let limit = filter.limit { return Array(matching.prefix(limit)) }
        return matching
    }

    /// Writes the corpus (verified first) into a fresh archive in batches, with small
    /// frames so queries read from many frames, and runs `body`.
    static func withCorpusArchive(_ body: (Archive) async throws -> Void) async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        for event in corpus { try event.verify() }
        try await withArchive(tmp.data, configuration: ArchiveConfiguration(maxFramePayload: 16 << 10)) { (archive: Archive) async throws in
            try await archive.write(corpus, batchSize: 250, relay: try Corpus.relay(0))
            try await body(archive)
        }
    }

    /// Named filters covering every condition, alone and combined.
    static func filters() throws -> [(String, Filter)] {
        let events = corpus
        let times = events.map(\.createdAt)
        let minTime = times.min() ?? 0, maxTime = times.max() ?? 0
        let midTime = events[events.count / 2].createdAt
        let authors = Array(Set(events.map(\.pubkey))).sorted().prefix(3)
        let unknownKey = SecretKey.generate().publicKey
        func values(_ name: String, kind: UInt16? = nil) -> [String] {
            events.filter { kind == nil || $0.kind == kind }.flatMap { $0.tagValues(name) }
        }
        let pFromReactions = values("p", kind: 7)
        let pFromContacts = values("p", kind: 3)
        let eValues = values("e")
        let rValues = Array(Set(values("r")))
        let someIDs = Set(stride(from: 0, to: events.count, by: 97).map { events[$0].id })
        let unknownID = try #require(EventID(hex: String(repeating: "0f", count: 32)))
        let kind7 = events.first { $0.kind == 7 }
        guard let kind7, let articleD = values("d").first else { throw FixtureError("corpus lacks kinds 7 or 30023") }

        return [
            ("everything", try Filter()),
            ("kind 1", try Filter(kinds: [1])),
            ("kind 7", try Filter(kinds: [7])),
            ("kinds 0 and 3", try Filter(kinds: [0, 3])),
            ("kinds 10002 and 30023", try Filter(kinds: [10002, 30023])),
            ("an absent kind", try Filter(kinds: [5])),
            ("no kinds", try Filter(kinds: [])),
            ("one author", try Filter(authors: [authors[authors.startIndex]])),
            ("three authors", try Filter(authors: Set(authors))),
            ("an unknown author", try Filter(authors: [unknownKey])),
            ("since the middle", try Filter(since: midTime)),
            ("until the middle", try Filter(until: midTime)),
            ("exactly one second (since == until)", try Filter(since: midTime, until: midTime)),
            ("the first second", try Filter(until: minTime)),
            ("the last second", try Filter(since: maxTime)),
            ("since after until", try Filter(since: midTime + 1, until: midTime)),
            ("a window", try Filter(since: midTime - 20, until: midTime + 20)),
            ("#p from a reaction", try Filter(tags: ["p": [pFromReactions[0]]])),
            ("#p from a contact list", try Filter(tags: ["p": [pFromContacts[pFromContacts.count / 2]]])),
            ("#p several", try Filter(tags: ["p": Set(pFromReactions.prefix(5) + pFromContacts.prefix(5))])),
            ("#p unknown", try Filter(tags: ["p": [String(repeating: "e", count: 64)]])),
            ("#e", try Filter(tags: ["e": [eValues[0], eValues[eValues.count / 2]]])),
            ("#e of a reaction", try Filter(tags: ["e": Set(kind7.tagValues("e"))])),
            ("#t nostr", try Filter(tags: ["t": ["nostr"]])),
            ("#t bitcoin or zap", try Filter(tags: ["t": ["bitcoin", "zap"]])),
            ("#d", try Filter(tags: ["d": [articleD]])),
            ("#d several", try Filter(tags: ["d": ["article-1", "article-2", "article-3"]])),
            ("#r relay", try Filter(tags: ["r": [rValues[0]]])),
            ("#t empty set", try Filter(tags: ["t": []])),
            ("#x absent letter", try Filter(tags: ["x": ["nostr"]])),
            ("#T is not #t", try Filter(tags: ["T": ["nostr"]])),
            ("ids", try Filter(ids: someIDs)),
            ("ids with an unknown", try Filter(ids: someIDs.union([unknownID]))),
            ("no ids", try Filter(ids: [])),
            ("kind 1 and #t", try Filter(kinds: [1], tags: ["t": ["nostr", "relay"]])),
            ("author and kind and since", try Filter(authors: Set(authors), kinds: [1, 7], since: midTime)),
            ("#p and #e", try Filter(tags: ["p": Set(kind7.tagValues("p")), "e": Set(kind7.tagValues("e"))])),
            ("ids and a kind that does not fit", try Filter(ids: someIDs, kinds: [65000])),
            ("ids and a window", try Filter(ids: someIDs, since: minTime, until: midTime)),
            ("kind 30023 and #d and #t", try Filter(kinds: [30023], tags: ["d": ["article-1", "article-5"], "t": Set(CorpusWords.tags)])),
        ]
    }

    @Test func filtersMatchABruteForceScan() async throws {
        let filters = try Self.filters()
        try await Self.withCorpusArchive { archive in
            var nonEmpty = 0
            for (name, filter) in filters {
                let expected = Self.bruteForce(filter)
                let got = try archive.events(matching: filter)
                #expect(got.map(\.id) == expected.map(\.id), "\(name): \(got.count) events, expected \(expected.count)")
                #expect(got == expected, "\(name)")
                #expect(try archive.count(matching: filter) == expected.count, "\(name)")
                if !expected.isEmpty { nonEmpty += 1 }
            }
            // The filters are not vacuous: ten of them are meant to match nothing.
            #expect(nonEmpty >= filters.count - 13, "only \(nonEmpty) of \(filters.count) filters match anything")
        }
    }

    @Test func limitKeepsTheFirstEventsOfTheFullOrder() async throws {
        let all = Self.ordered(Self.corpus)
        // Places where the order cuts between events of the same second.
        let ties = (1..<all.count).filter { all[$0 - 1].createdAt == all[$0].createdAt }
        try #require(ties.count > 100, "the corpus has many events per second")
        let inside = [ties[0], ties[ties.count / 3], ties[ties.count / 2], ties[ties.count - 1]]
        try await Self.withCorpusArchive { archive in
            for limit in [0, 1, 2, 7, 100, 1999, 2000, 5000] + inside {
                let filter = try Filter(limit: limit)
                let got = try archive.events(matching: filter)
                #expect(got.map(\.id) == all.prefix(limit).map(\.id), "limit \(limit)")
                // count ignores the limit.
                #expect(try archive.count(matching: filter) == all.count)
            }
            // With conditions, the cut also falls inside ties.
            for base in [try Filter(kinds: [1]), try Filter(kinds: [7]), try Filter(tags: ["t": ["nostr"]])] {
                let matching = Self.bruteForce(base)
                let baseTies = (1..<max(1, matching.count)).filter { matching[$0 - 1].createdAt == matching[$0].createdAt }
                for limit in [1, 5, matching.count / 2] + baseTies.prefix(3) + baseTies.suffix(2) {
                    let filter = try base.with(since: nil, until: nil, limit: limit)
                    let got = try archive.events(matching: filter)
                    #expect(got.map(\.id) == matching.prefix(limit).map(\.id), "\(base) limit \(limit)")
                }
            }
            // A window and a limit.
            let mid = all[all.count / 2].createdAt
            let window = try Filter(since: mid - 30, until: mid + 30, limit: 17)
            #expect(try archive.events(matching: window) == Self.bruteForce(window))
        }
    }

    @Test func forEachEventGivesWriteOrder() async throws {
        try await Self.withCorpusArchive { archive in
            #expect(try archive.allEvents() == Self.corpus)
            // With a filter: the matching events, still in write order.
            let filter = try Filter(kinds: [7], since: Self.corpus[500].createdAt)
            var got: [Event] = []
            try archive.forEachEvent(matching: filter) { got.append($0) }
            #expect(got == Self.corpus.filter { filter.matches($0) })
            #expect(!got.isEmpty)
            // The body's error stops the walk and comes out.
            struct Stop: Error {}
            var seen = 0
            #expect(throws: Stop.self) {
                try archive.forEachEvent { _ in
                    seen += 1
                    if seen == 10 { throw Stop() }
                }
            }
            #expect(seen == 10)
        }
    }

    @Test func idLookupsFindEveryEvent() async throws {
        try await Self.withCorpusArchive { archive in
            for event in Self.corpus.prefix(300) {
                let back = try archive.event(id: event.id)
                #expect(back == event)
                let byFilter = try archive.events(matching: Filter(ids: [event.id]))
                #expect(byFilter == [event])
            }
        }
    }
}

/// The hashtags the corpus uses (its first sixteen words).
enum CorpusWords {
    static let tags = ["nostr", "relay", "bitcoin", "zap", "lightning", "note", "gm", "pubkey", "freedom", "protocol", "client", "signal", "mempool", "coffee", "sats", "hello"]
}
