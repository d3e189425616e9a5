import BrotrTestSupport
import Foundation
import GRDB
import Glibc
import Nostr
import Testing

@testable import Archive

/// `brotr check`: a healthy archive passes; damage is reported with file and offset; what
/// the next open will fix is a note, not a problem.
extension ReindexCheckTests {
    // MARK: Check

    @Test func checkPassesAHealthyArchive() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let snapshot = try await Self.snapshot(tmp.data)
        let report = try Archive.check(tmp.data)
        #expect(report.isHealthy, "\(report.problems)")
        #expect(report.problems.isEmpty)
        #expect(report.notes.isEmpty, "\(report.notes)")
        #expect(report.segments == snapshot.stats.segments)
        #expect(report.frames == snapshot.frames.count)
        #expect(report.events == events.count)
        #expect(report.indexedEvents == events.count)
        #expect(report.records == snapshot.stats.events + snapshot.stats.observations + snapshot.stats.relays)
        // Check is read-only: it works beside a writer, and changes nothing.
        try await withArchive(tmp.data, configuration: Self.configuration) { (archive: Archive) async throws in
            let beside = try Archive.check(tmp.data)
            #expect(beside.isHealthy, "\(beside.problems)")
            _ = archive
        }
        #expect(try await Self.snapshot(tmp.data) == snapshot)
    }

    @Test func aFlippedByteInASealedSegmentIsReportedWithFileAndOffset() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        _ = try await Self.populate(tmp.data)
        #expect(try SegmentScanner.list(tmp.data).count >= 2)
        let first = tmp.data.segmentFile(1)
        let size = try Files.size(first)
        let offset = Int64(SegmentHeader.size) + (size - Int64(SegmentHeader.size)) / 2
        try Files.flip(first, at: offset)
        let report = try Archive.check(tmp.data)
        #expect(!report.isHealthy)
        let here = report.problems.filter { $0.file == first }
        #expect(!here.isEmpty, "\(report.problems)")
        #expect(here.allSatisfy { $0.offset != nil }, "\(here)")
        // The damaged frame starts at or before the flipped byte.
        #expect(here.contains { ($0.offset ?? .max) <= offset && ($0.offset ?? 0) >= Int64(SegmentHeader.size) }, "\(here)")
        #expect(report.problems.allSatisfy { !$0.description.isEmpty })
    }

    @Test func aDamagedHeaderIsReported() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        _ = try await Self.populate(tmp.data)
        let first = tmp.data.segmentFile(1)
        try Files.flip(first, at: 9)  // inside "BROTRSEG"
        let report = try Archive.check(tmp.data)
        #expect(report.problems.contains { $0.file == first && $0.offset == 0 }, "\(report.problems)")
    }

    @Test func aMissingIndexIsAProblem() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        Files.removeIndex(tmp.data)
        let report = try Archive.check(tmp.data)
        #expect(!report.isHealthy)
        #expect(report.problems.contains { $0.file == tmp.data.indexFile }, "\(report.problems)")
        // The segments are still checked.
        #expect(report.events == events.count)
        #expect(report.indexedEvents == 0)
    }

    @Test func anIndexRowPointingElsewhereIsAProblem() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        // Rows are numbered in write order: row 7 is events[6], row 8 is events[7].
        try await withArchive(tmp.data, configuration: Self.configuration) { (archive: Archive) async throws in
            try Self.execute(archive, "UPDATE event SET pos = pos + 1 WHERE rowid = 7")
            try Self.execute(
                archive, "UPDATE event SET pos = (SELECT pos FROM event WHERE rowid = 9), frame = (SELECT frame FROM event WHERE rowid = 9) WHERE rowid = 8")
        }
        let report = try Archive.check(tmp.data)
        #expect(!report.isHealthy)
        #expect(report.problems.contains { $0.message.contains(events[6].id.hex) }, "\(report.problems)")
        #expect(report.problems.contains { $0.message.contains(events[7].id.hex) && $0.file == tmp.data.segmentFile(1) }, "\(report.problems)")
    }

    /// Synchronous on purpose (GRDB's sync `write`).
    static func execute(_ archive: Archive, _ sql: String) throws {
        try archive.pool.write { db in try db.execute(sql: sql) }
    }

    @Test func anEventThatDoesNotVerifyIsAProblem() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(30, seed: 52)
        let e = events[3]
        // The writer trusts its caller to have verified; check does not.
        let forged = try Event(id: e.id, pubkey: e.pubkey, createdAt: e.createdAt, kind: e.kind, tags: e.tags, content: e.content + "!", sig: e.sig)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            try await archive.write(Array(events[0..<3]) + [forged] + Array(events[4...]))
        }
        let report = try Archive.check(tmp.data)
        #expect(report.problems.count == 1, "\(report.problems)")
        let problem = try #require(report.problems.first)
        #expect(problem.file == tmp.data.segmentFile(1))
        #expect(problem.offset != nil)
        #expect(problem.message.contains(e.id.hex))
        #expect(problem.message.contains("does not verify"))
    }

    @Test func aTornTailOfTheActiveSegmentIsANoteNotAProblem() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        _ = try await Self.populate(tmp.data)
        let active = try #require(try SegmentScanner.list(tmp.data).last).path
        let bytes = try Files.read(tmp.data.segmentFile(1))
        try Files.append(Array(bytes[SegmentHeader.size..<SegmentHeader.size + 300]), to: active)
        let report = try Archive.check(tmp.data)
        #expect(report.isHealthy, "\(report.problems)")
        #expect(report.notes.count == 1)
        #expect(report.notes.first?.contains(active) == true)
    }

    /// A crash between the segment's fsync and the index commit leaves whole frames the
    /// index has not seen yet; the next open replays them. That is the designed state
    /// after a crash (the index lags, never leads), so check must not call it damage:
    /// `brotr check` right after a crash should pass.
    @Test func framesAfterTheWatermarkAreNotDamage() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let active = try #require(try SegmentScanner.list(tmp.data).last).path
        var payload: [UInt8] = []
        let unindexed = try Corpus.events(8, seed: 53)
        for event in unindexed { RecordCodec.append(.event(event), to: &payload) }
        try Files.append(LZ4Frame.compress(payload, level: 0), to: active)
        let report = try Archive.check(tmp.data)
        #expect(report.isHealthy, "\(report.problems)")
        #expect(report.events == events.count + 8)
        // And the next open indexes them.
        try await withArchive(tmp.data, configuration: Self.configuration) { (archive: Archive) async throws in
            #expect(try archive.allEvents() == events + unindexed)
        }
        let after = try Archive.check(tmp.data)
        #expect(after.isHealthy, "\(after.problems)")
        #expect(after.indexedEvents == events.count + 8)
    }
}
