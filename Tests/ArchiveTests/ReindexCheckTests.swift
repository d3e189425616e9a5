import BrotrTestSupport
import Foundation
import GRDB
import Glibc
import Nostr
import Testing

@testable import Archive

/// `reindex` rebuilds the same index from the segments; `check` finds damage and says
/// where it is.
struct ReindexCheckTests {
    static let configuration = ArchiveConfiguration(maxSegmentBytes: 64 << 10, maxFramePayload: 16 << 10)

    /// 500 events over several small segments, seen at three relays with overlaps, with
    /// state updates. Returns the events in write order.
    static func populate(_ directory: DataDirectory) async throws -> [Event] {
        let events = try Corpus.events(500, seed: 51)
        let relays = try (0..<3).map { try Corpus.relay($0) }
        try await withArchive(directory, configuration: configuration) { (archive: Archive) async throws in
            var start = 0, batch = 0
            while start < events.count {
                let end = min(events.count, start + 45)
                // Each batch at one relay; every other batch also again at the next relay,
                // overlapping the previous batch.
                let relay = relays[batch % 3]
                try await archive.write(
                    Array(events[start..<end]), relay: relay, seenAt: 1_700_000_000 + Int64(batch),
                    state: [ServiceStateUpdate(service: "sync", key: relay.url, value: "\(end)", updatedAt: Int64(batch))])
                if batch % 2 == 1 {
                    try await archive.write(Array(events[max(0, start - 20)..<end]), relay: relays[(batch + 1) % 3], seenAt: 1_700_001_000)
                }
                start = end
                batch += 1
            }
            try await archive.writer?.setState([ServiceStateUpdate(service: "finder", key: "done", value: "yes", updatedAt: 99)])
        }
        return events
    }

    /// Everything an index answers, for comparing two indexes.
    struct Snapshot: Equatable {
        var stats: ContentStats
        var events: [Event]
        var seen: [String]
        var segments: [String]
        var frames: [String]
        var state: [String]
        var counts: [Int]

        init(_ archive: Archive) throws {
            stats = ContentStats(try archive.stats())
            events = try archive.allEvents()
            seen = try events.map { event in
                try archive.relays(seeing: event.id).map { "\($0.url)@\($0.seenAt)" }.joined(separator: ",")
            }
            segments = try archive.segmentRows().map { "\($0.number):\($0.sealedSize ?? -1)" }
            frames = try archive.frameRows().map { "\($0.id):\($0.segment):\($0.offset):\($0.length)" }
            state = try archive.serviceStateRows()
            counts = try [Filter(kinds: [1]), Filter(kinds: [7]), Filter(tags: ["t": ["nostr"]]), Filter()].map {
                try archive.count(matching: $0)
            }
        }
    }

    static func snapshot(_ directory: DataDirectory) async throws -> Snapshot {
        try await withArchive(directory, mode: .readOnly) { (archive: Archive) async throws in try Snapshot(archive) }
    }

    // MARK: Reindex

    @Test func reindexRebuildsTheSameIndex() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let files = try SegmentScanner.list(tmp.data)
        #expect(files.count >= 3)
        let before = try await Self.snapshot(tmp.data)
        #expect(before.events == events)
        #expect(before.stats.relays == 3)
        #expect(before.state.count == 4)

        let summary = try Archive.reindex(tmp.data)
        #expect(summary.segments == files.count)
        #expect(summary.events == events.count)
        #expect(summary.frames == before.frames.count)
        #expect(summary.records == before.stats.events + before.stats.observations + before.stats.relays)
        #expect(summary.keptState == 4)
        #expect(summary.tornTailBytes == 0)
        // No leftovers of the new index's construction.
        for suffix in ["", "-wal", "-shm"] {
            #expect(access(tmp.data.indexFile + ".reindex" + suffix, F_OK) != 0, "index.sqlite.reindex\(suffix) left behind")
        }

        let after = try await Self.snapshot(tmp.data)
        #expect(after.stats == before.stats)
        #expect(after.events == before.events)
        #expect(after.seen == before.seen)
        #expect(after.segments == before.segments)
        #expect(after.frames == before.frames)
        #expect(after.state == before.state)
        #expect(after.counts == before.counts)

        // The rebuilt index takes writes: the old events are duplicates, new ones go in.
        try await withArchive(tmp.data, configuration: Self.configuration) { (archive: Archive) async throws in
            let again = try await archive.write(Array(events.prefix(50)))
            #expect(again.duplicates == 50 && again.new == 0)
            let more = try Corpus.events(510, seed: 51).suffix(10).map { $0 }
            #expect(try await archive.write(more).new == 10)
        }
        // A second reindex agrees with the first one plus the new events.
        let sizes = try await Self.snapshot(tmp.data)
        _ = try Archive.reindex(tmp.data)
        #expect(try await Self.snapshot(tmp.data) == sizes)
    }

    /// Every row of the index tables that hold events, for comparing two indexes row by row.
    static func eventRows(_ directory: DataDirectory) throws -> [String] {
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: directory.indexFile, configuration: config)
        return try queue.read { db in
            let events = try Row.fetchAll(db, sql: "SELECT rowid, hex(id), pubkey, created_at, kind, frame, pos FROM event ORDER BY rowid")
            // Keys whatever run holds them: the live index has many, a reindexed one one.
            let tags = try Row.fetchAll(db, sql: "SELECT key, event FROM event_key WHERE run IN (\(KeyRuns.allRuns)) ORDER BY key, event")
            let seen = try Row.fetchAll(db, sql: "SELECT event, relay, seen_at FROM event_relay ORDER BY event, relay")
            let pubkeys = try Row.fetchAll(db, sql: "SELECT id, hex(key) FROM pubkey ORDER BY id")
            return (events + tags + seen + pubkeys).map(\.description)
        }
    }

    /// With a tag sorter that holds 50 rows, the reindex sorts through many run files and
    /// merges them; the index is the same row for row, and no run file is left.
    @Test func reindexThroughSpilledSortRunsBuildsTheSameRows() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        _ = try await Self.populate(tmp.data)
        let live = try Self.eventRows(tmp.data)
        #expect(live.count > 2000)
        // A run file left by a reindex that was killed goes too.
        let stale = tmp.data.indexFile + ".reindex-tags.900"
        #expect(FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3])))
        let summary = try Archive.reindex(tmp.data, sortCapacity: 50)
        #expect(summary.events == 500)
        #expect(try Self.eventRows(tmp.data) == live)
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.contains("reindex") }
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// An event written twice (as a batch re-sent after a crash between fsync and commit
    /// can leave it): the first copy keeps its row, tags and observations; the later copy
    /// adds nothing, and the rebuilt index answers as the live one does.
    /// With the keys sorted in memory and through spilled runs.
    @Test(arguments: [TagSorter.defaultCapacity, 50])
    func reindexKeepsTheFirstCopyOfAnEventWrittenTwice(sortCapacity: Int) async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let copied = events[7]
        #expect(copied.tags.contains { $0.count >= 2 && $0[0].utf8.count == 1 }, "the copied event has indexed tags")
        // Append the copy as a frame of its own, past the archive's end.
        try Self.appendFrames([[try EncodedRecord(.event(copied))]], to: tmp.data)
        // Opening replays the frame: the copy is recognised and not indexed again.
        try await withArchive(tmp.data, configuration: Self.configuration) { (archive: Archive) async throws in
            #expect(try archive.count(matching: Filter(ids: [copied.id])) == 1)
        }
        let live = try await Self.snapshot(tmp.data)
        let liveRows = try Self.eventRows(tmp.data)
        #expect(live.events == events)
        _ = try Archive.reindex(tmp.data, sortCapacity: sortCapacity)
        let rebuilt = try await Self.snapshot(tmp.data)
        #expect(rebuilt.events == events)
        #expect(rebuilt.stats == live.stats)
        #expect(rebuilt.seen == live.seen)
        #expect(rebuilt.counts == live.counts)
        // Row for row: the copy's row was dropped with its tag rows.
        #expect(try Self.eventRows(tmp.data) == liveRows)
    }

    /// A copy written long after the first (past the reindex's window of recent events),
    /// with observations in its frame: they count for the first copy, as live. One at a new
    /// relay adds a row; one at a relay that saw the event already changes nothing.
    /// With the keys sorted in memory and through spilled runs.
    @Test(arguments: [TagSorter.defaultCapacity, 50])
    func observationsWrittenWithALaterCopyCountForTheFirst(sortCapacity: Int) async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let copied = events[7]
        let relays = try (0..<3).map { try Corpus.relay($0) }
        // A relay announced again leaves the index as it was: 200 frames of it.
        let filler = Array(repeating: [try EncodedRecord(.relay(url: relays[0].url, network: relays[0].network, discoveredAt: 1))], count: 200)
        try Self.appendFrames(
            filler + [[
                try EncodedRecord(.event(copied)),
                try EncodedRecord(.observation(eventID: copied.id, relay: relays[2].url, seenAt: 1_800_000_000)),
                try EncodedRecord(.observation(eventID: copied.id, relay: relays[0].url, seenAt: 1_800_000_001)),
                // An event written once, long before: these wait for the reindex's join. One
                // at a relay that saw it already changes nothing; one at a new relay adds a row.
                try EncodedRecord(.observation(eventID: events[8].id, relay: relays[0].url, seenAt: 1_800_000_002)),
                try EncodedRecord(.observation(eventID: events[8].id, relay: relays[1].url, seenAt: 1_800_000_003)),
            ]], to: tmp.data)
        try await withArchive(tmp.data, configuration: Self.configuration) { (archive: Archive) async throws in
            let seen = try archive.relays(seeing: copied.id).map { "\($0.url)@\($0.seenAt)" }
            #expect(seen.count == 2)
            #expect(seen.contains("\(relays[2].url)@1800000000"))
            #expect(!seen.contains { $0.hasSuffix("@1800000001") })
            let earlier = try archive.relays(seeing: events[8].id).map { "\($0.url)@\($0.seenAt)" }
            #expect(earlier.contains("\(relays[1].url)@1800000003"), "\(earlier)")
            #expect(!earlier.contains { $0.hasSuffix("@1800000002") }, "\(earlier)")
        }
        let live = try await Self.snapshot(tmp.data)
        let liveRows = try Self.eventRows(tmp.data)
        _ = try Archive.reindex(tmp.data, sortCapacity: sortCapacity)
        #expect(try await Self.snapshot(tmp.data) == live)
        #expect(try Self.eventRows(tmp.data) == liveRows)
    }

    /// Appends each list of encoded records as one frame past the end of the active segment, as a
    /// writer that crashed before indexing them would leave them.
    static func appendFrames(_ frames: [[EncodedRecord]], to directory: DataDirectory) throws {
        let active = try #require(try SegmentScanner.list(directory).last)
        let writer = try SegmentWriter(
            directory: directory, configuration: .init(), activeSegment: active.number, size: try Files.size(active.path))
        for records in frames { _ = try writer.append(records) }
        try writer.sync()
    }

    @Test func reindexWithoutAnyIndex() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        _ = try await Self.populate(tmp.data)
        let before = try await Self.snapshot(tmp.data)
        Files.removeIndex(tmp.data)
        let summary = try Archive.reindex(tmp.data)
        #expect(summary.keptState == 0)
        let after = try await Self.snapshot(tmp.data)
        #expect(after.stats == before.stats)
        #expect(after.events == before.events)
        #expect(after.seen == before.seen)
        #expect(after.frames == before.frames)
        #expect(after.segments == before.segments)
        #expect(after.state.isEmpty)
    }

    @Test func reindexLeavesATornTailForTheNextOpen() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let active = try #require(try SegmentScanner.list(tmp.data).last).path
        let size = try Files.size(active)
        let bytes = try Files.read(tmp.data.segmentFile(1))
        let tail = Array(bytes[SegmentHeader.size..<SegmentHeader.size + 200])  // the start of a real frame
        try Files.append(tail, to: active)
        let summary = try Archive.reindex(tmp.data)
        #expect(summary.tornTailBytes == 200)
        #expect(summary.events == events.count)
        #expect(try Files.size(active) == size + 200, "reindex does not change segments")
        try await withArchive(tmp.data, configuration: Self.configuration) { (archive: Archive) async throws in
            #expect(try Files.size(active) == size)
            #expect(try archive.allEvents() == events)
        }
    }

    @Test func reindexStopsAtDamageInASealedSegment() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        _ = try await Self.populate(tmp.data)
        let first = tmp.data.segmentFile(1)
        let size = try Files.size(first)
        try Files.flip(first, at: size / 2)
        let error = #expect(throws: ArchiveError.self) { _ = try Archive.reindex(tmp.data) }
        #expect(error?.code == .corrupt)
        #expect(error?.file == first)
        #expect(error?.offset != nil)
        // The old index is still in place.
        #expect(access(tmp.data.indexFile, F_OK) == 0)
    }
}
