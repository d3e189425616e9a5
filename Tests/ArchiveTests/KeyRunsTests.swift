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
        // 48 bits: SQLite stores each in six bytes.
        #expect(IndexKey.id(id) == 0x01FF_FFFF_FFFF)
        #expect(IndexKey.author(5) == 0x0200_0000_0005)
        #expect(IndexKey.id(id) < IndexKey.author(0))
        #expect(IndexKey.author(Int64(1) << 39) < TagKey.row(letter: 0x41, value: Int64.min))
        #expect(TagKey.row(letter: 0x41, value: Int64.min) == 0x4180_0000_0000)
        #expect(TagKey.row(letter: 0x7A, value: -1) == 0x7AFF_FFFF_FFFF && TagKey.row(letter: 0x7A, value: -1) < 1 << 47)
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
            let runs = try await archive.pool.read { db in try KeyRuns.runs(db) }.map { ($0.level, $0.into) }
            // 134 commits, each a run: merged, at most fanout - 1 per level remain, no merge
            // left under way (a small merge takes one step).
            #expect(runs.allSatisfy { $0.1 == nil })
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

    /// A merge stopped between steps (by a crash, say) leaves every key in exactly one run:
    /// lookups by id, author and tag, with and without a limit, are right after each step;
    /// `brotr check` finds nothing wrong; and after a reopen the next write finishes it.
    @Test func aMergeStoppedBetweenStepsStaysRightAndFinishesLater() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(96, seed: 405)
        let extra = try Corpus.events(4, seed: 411)
        func expectFindable(_ archive: Archive) throws {
            for event in events.prefix(24) {
                #expect(try archive.event(id: event.id) == event)
                #expect(try archive.events(matching: Filter(authors: [event.pubkey])).contains(event))
                let newest = try Filter(authors: [event.pubkey], limit: 1)
                #expect(try archive.events(matching: newest, fewCandidates: 0) == [events.filter { newest.matches($0) }.max { ($0.createdAt, $1.id) < ($1.createdAt, $0.id) }].compactMap { $0 })
                if let p = event.tagValues("p").first {
                    #expect(try archive.events(matching: Filter(tags: ["p": [p]])).contains(event))
                }
            }
            #expect(try archive.pool.read { db in try KeyRuns.inconsistencies(db) } == [])
        }
        try await withArchive(tmp.data) { archive in
            let writer = try #require(archive.writer)
            await writer.setMergesAfterWrites(false)
            try await archive.write(events, batchSize: 12)  // eight runs of level 0
            var merge = try #require(try KeyMerge.next(archive.pool, filters: archive.filters))
            #expect(merge.sources.count == KeyRuns.fanout)
            for _ in 0..<3 {
                #expect(try merge.step(archive.pool, rows: 50, filters: archive.filters) == 50)
                try expectFindable(archive)
            }
            #expect(!merge.done)
        }
        try await withArchive(tmp.data) { archive in
            // No filters before the first write: every run is probed.
            try expectFindable(archive)
            let under = try await archive.pool.read { db in try KeyRuns.runs(db).filter { $0.into != nil }.count }
            #expect(under == KeyRuns.fanout)
            _ = try await archive.write(extra)
            let runs = try await archive.pool.read { db in try KeyRuns.runs(db) }
            #expect(runs.allSatisfy { $0.into == nil }, "\(runs)")
            #expect(runs.count == 2 && runs.map(\.ids).sorted() == [extra.count, events.count])
            try expectFindable(archive)
            let again = try await archive.write(events + extra)
            #expect(again.duplicates == events.count + extra.count && again.new == 0)
        }
    }

    /// A merge many writes long never holds up a small one: with a merge of level-1 runs under
    /// way, eight new level-0 runs are merged first, then the large merge goes on where it
    /// stopped. Every row ends in the merged run once, in key order.
    @Test func aSmallMergeGoesBeforeALargeOneUnderWay() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        try await withArchive(tmp.data) { archive in
            let pool = archive.pool
            // Made-up keys: merging moves rows and never reads the events they name.
            func addRuns(level: Int, rowsEach: Int, seed: UInt64) throws -> [TagRow] {
                var rng = SplitMix64(seed: seed)
                var all: [TagRow] = []
                try pool.write { db in
                    for _ in 0..<KeyRuns.fanout {
                        let run = try KeyRuns.newRun(db, level: level, newestAt: 0)
                        let rows = Set((0..<rowsEach).map { _ in TagRow(letter: 0x70, value: Int64(bitPattern: rng.next()), event: Int64(rng.next() % 1000)) })
                        for row in rows {
                            try db.execute(sql: "INSERT INTO event_key (run, key, event) VALUES (?, ?, ?)", arguments: [run, row.key, row.event])
                        }
                        try db.execute(sql: "UPDATE key_run SET rows = ? WHERE id = ?", arguments: [rows.count, run])
                        all += rows
                    }
                }
                return all
            }
            let large = try addRuns(level: 1, rowsEach: 60, seed: 1)
            var big = try #require(try KeyMerge.next(pool, filters: nil))  // the level-1 runs
            #expect(try big.step(pool, rows: 100, filters: nil) == 100)
            let small = try addRuns(level: 0, rowsEach: 5, seed: 2)
            var first = try #require(try KeyMerge.next(pool, filters: nil))
            #expect(first.target != big.target && Set(first.sources).isDisjoint(with: big.sources))
            _ = try first.step(pool, rows: 1000, filters: nil)
            #expect(first.done)
            var resumed = try #require(try KeyMerge.next(pool, filters: nil))
            #expect(resumed.target == big.target && resumed.sources == big.sources)
            while !resumed.done { _ = try resumed.step(pool, rows: 64, filters: nil) }
            #expect(try KeyMerge.next(pool, filters: nil) == nil)
            let runs = try await pool.read { db in try KeyRuns.runs(db) }
            #expect(runs.map(\.id) == [first.target, big.target].sorted() && runs.allSatisfy { $0.into == nil })
            for (target, rows) in [(big.target, large), (first.target, small)] {
                let held = try await pool.read { db in
                    try Row.fetchAll(db, sql: "SELECT key, event FROM event_key WHERE run = ? ORDER BY key, event", arguments: [target]).map { TagRow(key: $0[0], event: $0[1]) }
                }
                #expect(held == rows.sorted())
                #expect(runs.first { $0.id == target }?.rows == rows.count)
            }
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

    /// A run's filter of id keys never misses a key it holds, and lets few others by.
    @Test func theIDKeyFilterNeverForgetsAndRarelyGuesses() {
        var rng = SplitMix64(seed: 11)
        var filter = IDKeyFilter(capacity: 200_000)
        let keys = (0..<200_000).map { _ in IndexKey.make(IndexKey.idTag, topBitsOf: Int64(bitPattern: rng.next())) }
        for key in keys { filter.insert(key) }
        #expect(keys.allSatisfy { filter.mayContain($0) })
        let others = (0..<100_000).map { _ in IndexKey.make(IndexKey.idTag, topBitsOf: Int64(bitPattern: rng.next())) }
        let guessed = others.filter { filter.mayContain($0) }.count
        #expect(guessed < 1_200, "\(guessed) of 100000 absent keys pass")
    }

    /// Readers use the filters the writer keeps: once the writer has written, a lookup of an
    /// id probes only the runs whose filter may hold it, and finds every event.
    @Test func lookupsByIDUseTheWritersFilters() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(60, seed: 412)
        try await withArchive(tmp.data) { archive in try await archive.write(events, batchSize: 6) }
        try await withArchive(tmp.data) { archive in
            #expect(archive.filters.snapshot().isEmpty)
            _ = try await archive.write(Array(events.prefix(1)))
            let runs = try await archive.pool.read { db in try KeyRuns.runs(db) }
            let filters = archive.filters.snapshot()
            #expect(Set(filters.keys) == Set(runs.map(\.id)))
            for event in events {
                let holding = runs.filter { filters[$0.id]?.mayContain(IndexKey.id(event.id)) == true }
                #expect(!holding.isEmpty)
                #expect(try archive.event(id: event.id) == event)
            }
            #expect(try archive.events(matching: Filter(ids: Set(events.map(\.id)))).count == events.count)
        }
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

