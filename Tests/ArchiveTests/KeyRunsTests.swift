import BrotrTestSupport
import Foundation
import GRDB
import Nostr
import Testing

@testable import Archive

/// The keys that find events live in sorted runs that merge level by level (KeyRuns).
@Suite struct KeyRunsTests {
    @Test func levelsGrowByTheFanout() {
        #expect(KeyRuns.level(rows: 0) == 0)
        #expect(KeyRuns.level(rows: KeyRuns.levelOneRows - 1) == 0)
        #expect(KeyRuns.level(rows: KeyRuns.levelOneRows) == 1)
        #expect(KeyRuns.level(rows: KeyRuns.levelOneRows * KeyRuns.fanout - 1) == 1)
        #expect(KeyRuns.level(rows: KeyRuns.levelOneRows * KeyRuns.fanout) == 2)
        #expect(KeyRuns.level(rows: Int.max) > 10)
    }

    @Test func keysOfEachKindStayApartAndSortKindByKind() throws {
        let id = try #require(EventID(hex: String(repeating: "ff", count: 32)))
        #expect(IndexKey.id(id) >> 56 == 1)
        #expect(IndexKey.id(id) & 0x00FF_FFFF_FFFF_FFFF == 0x00FF_FFFF_FFFF_FFFF)
        #expect(IndexKey.author(5) == 2 << 56 | 5)
        #expect(IndexKey.id(id) < IndexKey.author(0))
        #expect(IndexKey.author(Int64(1) << 55) < TagKey.row(letter: 0x41, value: Int64.min))
    }

    /// Many small writes make many runs; they merge so that the ready runs stay few, and
    /// every event stays findable by id, author and tag, exactly as one bulk run finds them.
    @Test func smallWritesMergeAndEverythingStaysFindable() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(400, seed: 404)
        let relay = try RelayURL("ws://127.0.0.1:7001", allowLoopback: true)
        try await withArchive(tmp.data) { archive in
            try await archive.write(events, batchSize: 3, relay: relay)
            let runs = try await archive.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT level, state FROM key_run").map { ($0["level"] as Int, $0["state"] as Int) }
            }
            // 134 commits, each a run: merged, at most fanout - 1 per level remain, all ready.
            #expect(runs.allSatisfy { $0.1 == 1 })
            let byLevel = Dictionary(grouping: runs, by: \.0)
            #expect(byLevel.values.allSatisfy { $0.count < KeyRuns.fanout }, "\(runs)")
            #expect(runs.count < 134 / 4)
            #expect(byLevel.keys.contains { $0 >= 2 })
            for event in events.prefix(60) {
                #expect(try archive.event(id: event.id) == event)
                #expect(try archive.events(matching: Filter(authors: [event.pubkey])).contains(event))
                if let p = event.tagValues("p").first {
                    #expect(try archive.events(matching: Filter(tags: ["p": [p]])).contains(event))
                }
            }
            // Writing them again finds every one a duplicate.
            let again = try await archive.write(events)
            #expect(again.new == 0 && again.duplicates == events.count)
        }
        let live = try ReindexCheckTests.eventRows(tmp.data)
        _ = try Archive.reindex(tmp.data)
        #expect(try ReindexCheckTests.eventRows(tmp.data) == live)
        let runs = try await Archive.open(tmp.data, mode: .readOnly).pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_run") }
        #expect(runs == 1)
    }

    /// Queries by key with a limit visit runs newest first and stop early; whatever the
    /// order events were archived in (here shuffled, so runs overlap in time) and however
    /// many share a second, they return exactly what NIP-01 asks: the newest `limit`
    /// matches, ties by ascending id.
    @Test func keyedQueriesWithALimitStopEarlyAndStayExact() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        var rng = SystemRandomNumberGenerator()
        let events = try Corpus.events(600, seed: 408)
        let shuffled = events.shuffled(using: &rng)
        try await withArchive(tmp.data) { archive in
            // Newest third first, then the rest in random batches: merged runs and small ones.
            try await archive.write(Array(shuffled.prefix(200)), batchSize: 5)
            try await archive.write(Array(shuffled.dropFirst(200)), batchSize: 37)
            func expected(_ filter: Filter) -> [Event] {
                let all = events.filter { filter.matches($0) }.sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id < $1.id }
                return Array(all.prefix(filter.limit ?? all.count))
            }
            let authors = Array(Set(events.map(\.pubkey)).prefix(12))
            let pTags = Array(Set(events.flatMap { $0.tagValues("p") }).prefix(12))
            // Run by run (0), and all at once when the candidates are few (the default).
            for (limit, few) in [1, 2, 5, 20, 1000].flatMap({ limit in [(limit, 0), (limit, Int?.none)] }) {
                for author in authors {
                    let filter = try Filter(authors: [author], limit: limit)
                    #expect(try archive.events(matching: filter, fewCandidates: few) == expected(filter))
                }
                for p in pTags {
                    let filter = try Filter(tags: ["p": [p]], limit: limit)
                    #expect(try archive.events(matching: filter, fewCandidates: few) == expected(filter))
                    let narrower = try Filter(kinds: [1, 7], tags: ["p": [p]], since: events[300].createdAt, limit: limit)
                    #expect(try archive.events(matching: narrower, fewCandidates: few) == expected(narrower))
                }
                let ids = try Filter(ids: Set(shuffled.prefix(30).map(\.id)), limit: limit)
                #expect(try archive.events(matching: ids) == expected(ids))
            }
        }
    }

    /// A merge cut short leaves a run still building (and its sources ready): lookups never
    /// see it, and the next open removes it with its rows.
    @Test func anUnfinishedMergeIsInvisibleAndClearedOnOpen() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(20, seed: 405)
        try await withArchive(tmp.data) { archive in
            _ = try await archive.write(events)
            try await archive.pool.write { db in
                let run = try KeyRuns.newRun(db, level: 3, state: .building)
                try db.execute(sql: "INSERT INTO event_key (run, key, event) VALUES (?, ?, 999999)", arguments: [run, IndexKey.id(events[0].id)])
            }
            #expect(try await archive.pool.read { db in try KeyRuns.eventRows(db, ids: [events[0].id]) }.count == 1)
            #expect(try archive.event(id: events[0].id) == events[0])
        }
        try await withArchive(tmp.data) { archive in
            let left = try await archive.pool.read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_run WHERE state <> 1"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_key WHERE event = 999999"))
            }
            #expect(left.0 == 0 && left.1 == 0)
            #expect(try archive.event(id: events[0].id) == events[0])
        }
    }

    /// A merge that committed its run but stopped while deleting its sources leaves them
    /// marked merged: lookups skip them, and the next open deletes them with their rows.
    @Test func runsMergedAwayButNotDeletedAreSkippedThenCleared() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(20, seed: 407)
        let byFirstAuthor = events.filter { $0.pubkey == events[0].pubkey }.sorted { $0.createdAt > $1.createdAt }
        let ready = try await withArchive(tmp.data) { archive in
            _ = try await archive.write(events)
            let ready = try await archive.pool.write { db in
                let ready = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_key") ?? 0
                let stale = try KeyRuns.newRun(db, level: 0, state: .merged)
                // Rows of events that do not exist, under keys that do: seen, they would show.
                try db.execute(sql: "INSERT INTO event_key (run, key, event) SELECT ?, key, event + 1000 FROM event_key", arguments: [stale])
                return ready
            }
            #expect(try archive.count(matching: Filter(authors: [events[0].pubkey], since: 0)) == byFirstAuthor.count)
            #expect(try archive.event(id: events[3].id) == events[3])
            return ready
        }
        try await withArchive(tmp.data) { archive in
            let left = try await archive.pool.read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_run WHERE state <> 1"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_key"))
            }
            #expect(left.0 == 0 && left.1 == ready)
        }
    }

    /// `brotr check` finds keys missing from the runs, a run whose entry disagrees with its
    /// rows, and totals that disagree with the tables.
    @Test func checkReportsKeysAndTotalsThatDisagree() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(30, seed: 409)
        try await withArchive(tmp.data) { archive in try await archive.write(events, batchSize: 4) }
        #expect(try Archive.check(tmp.data).isHealthy)
        let queue = try DatabaseQueue(path: tmp.data.indexFile)
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM event_key WHERE key = ?", arguments: [IndexKey.id(events[5].id)])
            try db.execute(sql: "UPDATE tally SET value = 5 WHERE name = 'events'")
        }
        try queue.close()
        let problems = try Archive.check(tmp.data).problems.map(\.message)
        #expect(problems.contains { $0.contains("29 id keys in the key runs for 30 events") }, "\(problems)")
        #expect(problems.contains { $0.contains("holds") && $0.contains("its entry says") }, "\(problems)")
        #expect(problems.contains { $0.contains("the events total says 5") }, "\(problems)")
        #expect(problems.contains { $0.contains("not in the index") }, "\(problems)")
    }

    /// The writer's filter of id keys never misses a key it holds, and lets few others by.
    @Test func theIDKeyFilterNeverForgetsAndRarelyGuesses() {
        var rng = SplitMix64(seed: 11)
        var filter = IDKeyFilter(capacity: 200_000)
        let keys = (0..<200_000).map { _ in IndexKey.idTag << 56 | Int64(bitPattern: rng.next() >> 8) }
        for key in keys { filter.insert(key) }
        #expect(keys.allSatisfy { filter.mayContain($0) })
        let others = (0..<100_000).map { _ in IndexKey.idTag << 56 | Int64(bitPattern: rng.next() >> 8) }
        let guessed = others.filter { filter.mayContain($0) }.count
        #expect(guessed < 5_000, "\(guessed) of 100000 absent keys pass")
        #expect(filter.count <= filter.capacity)
    }

    /// After a reopen the filter is built from the index: every event written before is
    /// found a duplicate, new ones are new, and a later reopen still sees both.
    @Test func duplicatesAreFoundAcrossReopens() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(120, seed: 410)
        try await withArchive(tmp.data) { archive in try await archive.write(Array(events.prefix(80)), batchSize: 9) }
        try await withArchive(tmp.data) { archive in
            let mixed = try await archive.write(Array(events.prefix(100)))
            #expect(mixed.duplicates == 80 && mixed.new == 20)
        }
        try await withArchive(tmp.data) { archive in
            let again = try await archive.write(events)
            #expect(again.duplicates == 100 && again.new == 20)
            #expect(try archive.stats().events == 120)
        }
    }

    /// Totals are kept by the writes, not counted: they match the tables.
    @Test func statsReadTheRunningTotals() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(30, seed: 406)
        let relay = try RelayURL("ws://127.0.0.1:7002", allowLoopback: true)
        try await withArchive(tmp.data) { archive in
            try await archive.write(Array(events.prefix(20)), batchSize: 7, relay: relay)
            try await archive.write(events, relay: try RelayURL("ws://127.0.0.1:7003", allowLoopback: true))
            let stats = try archive.stats()
            let counted = try await archive.pool.read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_relay"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM relay"))
            }
            #expect(stats.events == 30 && counted.0 == 30)
            #expect(stats.observations == 50 && counted.1 == 50)
            #expect(stats.relays == 2 && counted.2 == 2)
            // Counts by kind come from the totals, and agree with the index.
            let kindSets: [Set<UInt16>] = Set(events.map(\.kind)).map { [$0] } + [[1, 7], [65000]]
            for kinds in kindSets {
                let totals = try archive.count(matching: Filter(kinds: kinds))
                let indexed = try archive.count(matching: Filter(kinds: kinds, since: 0))
                #expect(totals == indexed && totals == events.filter { kinds.contains($0.kind) }.count)
            }
        }
        _ = try Archive.reindex(tmp.data)
        let reindexed = try Archive.open(tmp.data, mode: .readOnly)
        #expect(try reindexed.stats().events == 30 && reindexed.stats().observations == 50)
        #expect(try reindexed.count(matching: Filter(kinds: [1])) == events.filter { $0.kind == 1 }.count)
    }
}

