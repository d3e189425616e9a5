import BrotrTestSupport
import Foundation
import Glibc
import Nostr
import Testing

@testable import Archive

/// Opening for writing after a crash: torn tails are cut, a lagging index catches up, a
/// changed sealed segment stops the open, and one writer at a time holds the lock.
struct RecoveryTests {
    /// Writes `batches` batches of `perBatch` corpus events (the first at a relay, with a
    /// state update) and closes the archive. Returns the events.
    static func populate(
        _ directory: DataDirectory, batches: Int = 3, perBatch: Int = 40, seed: UInt64 = 41,
        configuration: ArchiveConfiguration = ArchiveConfiguration()
    ) async throws -> [Event] {
        let events = try Corpus.events(batches * perBatch, seed: seed)
        try await withArchive(directory, configuration: configuration) { (archive: Archive) async throws in
            for b in 0..<batches {
                let batch = Array(events[(b * perBatch)..<((b + 1) * perBatch)])
                try await archive.write(
                    batch, relay: b == 0 ? try Corpus.relay(0) : nil, seenAt: 1_700_000_000 + Int64(b),
                    state: [ServiceStateUpdate(service: "test", key: "batch", value: "\(b)", updatedAt: Int64(b))])
            }
        }
        return events
    }

    /// Every event reads back, and the archive holds exactly `events`.
    static func expectAllReadable(_ archive: Archive, _ events: [Event], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for event in events {
            let back = try archive.event(id: event.id)
            #expect(back == event, sourceLocation: sourceLocation)
        }
        #expect(try archive.allEvents() == events, sourceLocation: sourceLocation)
        #expect(try archive.stats().events == events.count, sourceLocation: sourceLocation)
    }

    /// The active (last) segment's path.
    static func activeSegment(_ directory: DataDirectory) throws -> String {
        guard let last = try SegmentScanner.list(directory).last else { throw FixtureError("no segments") }
        return last.path
    }

    /// The bytes of the last frame written, read back from its segment.
    static func lastFrameBytes(_ directory: DataDirectory) async throws -> [UInt8] {
        let row = try await withArchive(directory, mode: .readOnly) { (archive: Archive) async throws in try archive.frameRows().last }
        guard let row else { throw FixtureError("no frames") }
        let bytes = try Files.read(directory.segmentFile(UInt32(row.segment)))
        return Array(bytes[Int(row.offset)..<Int(row.offset + row.length)])
    }

    /// A frame holding `events`, as the writer would have written it.
    static func frame(of events: [Event]) -> [UInt8] {
        var payload: [UInt8] = []
        for event in events { RecordCodec.append(.event(event), to: &payload) }
        return LZ4Frame.compress(payload, level: 0)
    }

    enum Tail: String, CaseIterable, Sendable {
        case oneGarbageByte, garbage, zeros, frameCutInItsHeader, frameCutInHalf, frameMissingItsLastByte
    }

    // MARK: (a) Torn tails

    @Test(arguments: Tail.allCases)
    func aTornTailIsCutAndEverythingBeforeItStays(_ tail: Tail) async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let path = try Self.activeSegment(tmp.data)
        let sizeBefore = try Files.size(path)
        let frame = try await Self.lastFrameBytes(tmp.data)
        #expect(frame.count > 100)
        let bytes: [UInt8]
        switch tail {
        case .oneGarbageByte: bytes = [0x42]
        case .garbage: bytes = randomBytes(300, seed: 9)
        case .zeros: bytes = [UInt8](repeating: 0, count: 4096)  // a file extended but never written
        case .frameCutInItsHeader: bytes = Array(frame.prefix(10))
        case .frameCutInHalf: bytes = Array(frame.prefix(frame.count / 2))
        case .frameMissingItsLastByte: bytes = Array(frame.dropLast())
        }
        try Files.append(bytes, to: path)
        #expect(try Files.size(path) == sizeBefore + Int64(bytes.count))

        let more = try Corpus.events(10, seed: 42)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            // The tail is gone, and nothing before it.
            #expect(try Files.size(path) == sizeBefore, "\(tail)")
            try Self.expectAllReadable(archive, events)
            #expect(try archive.serviceState("test", "batch") == "2")
            // New writes go where the tail was, and read back.
            let result = try await archive.write(more)
            #expect(result.new == 10)
            try Self.expectAllReadable(archive, events + more)
        }
        // And survive another open.
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            try Self.expectAllReadable(archive, events + more)
        }
        let report = try Archive.check(tmp.data)
        #expect(report.isHealthy, "\(report.problems)")
    }

    @Test func aTornTailAfterAnUnindexedFrameKeepsTheFrame() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let path = try Self.activeSegment(tmp.data)
        let sizeBefore = try Files.size(path)
        // A crash after the fsync of one frame and in the middle of the next one.
        let unindexed = try Corpus.events(12, seed: 43)
        let whole = Self.frame(of: Array(unindexed[0..<6]))
        let torn = Self.frame(of: Array(unindexed[6..<12]))
        try Files.append(whole + torn.prefix(torn.count - 5), to: path)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            #expect(try Files.size(path) == sizeBefore + Int64(whole.count))
            try Self.expectAllReadable(archive, events + unindexed[0..<6])
            for event in unindexed[6..<12] {
                let none = try archive.event(id: event.id)
                #expect(none == nil)
            }
            let mark = try #require(try archive.watermark())
            #expect(mark.offset == sizeBefore + Int64(whole.count))
        }
    }

    /// Four acknowledged batches in one active segment, then a byte flipped in its first
    /// frame: damage with acknowledged frames after it. Returns the segment, its size and
    /// its frames.
    static func damageFirstFrameOfActiveSegment(_ tmp: TempDirectory) async throws -> (path: String, size: Int64, frames: [(id: Int64, segment: Int64, offset: Int64, length: Int64)]) {
        _ = try await populate(tmp.data, batches: 4, perBatch: 40)
        let path = try activeSegment(tmp.data)
        let frames = try await withArchive(tmp.data, mode: .readOnly) { (archive: Archive) async throws in try archive.frameRows() }
        try #require(frames.count >= 3)
        let size = try Files.size(path)
        try Files.flip(path, at: frames[0].offset + frames[0].length / 2)
        return (path, size, frames)
    }

    /// Damage inside the active segment, with acknowledged frames after it, is not a torn
    /// write: cutting there would throw those frames away. The open must stop, naming the
    /// file and offset (as Recovery's own documentation says), and leave the file alone.
    /// The index is gone here, so recovery scans the segment from its start.
    @Test func damageInsideTheActiveSegmentIsNotCutAsATornTail() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let (path, size, frames) = try await Self.damageFirstFrameOfActiveSegment(tmp)
        Files.removeIndex(tmp.data)
        let error = #expect(throws: ArchiveError.self) { _ = try Archive.open(tmp.data) }
        #expect(error?.code == .corrupt)
        #expect(error?.file == path)
        #expect(error?.offset == frames[0].offset)
        #expect(try Files.size(path) == size, "acknowledged frames after the damage were cut off")
    }

    /// The same through `reindex`, which `brotr check` recommends: it must not leave the
    /// damaged frame and everything after it as a "torn tail" for the next open to cut.
    @Test func reindexDoesNotTurnDamageInTheActiveSegmentIntoATornTail() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let (path, size, _) = try await Self.damageFirstFrameOfActiveSegment(tmp)
        let summary = try? Archive.reindex(tmp.data)
        #expect(summary == nil || summary?.tornTailBytes == 0, "reindex called \(summary?.tornTailBytes ?? 0) bytes of acknowledged frames a torn tail")
        _ = try? Archive.open(tmp.data)
        #expect(try Files.size(path) == size, "acknowledged frames after the damage were cut off")
    }

    // MARK: (b) An index that lags the segments

    @Test func aFrameTheIndexNeverSawIsReplayed() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let path = try Self.activeSegment(tmp.data)
        // The segment was fsynced, the index transaction never happened.
        let unindexed = try Corpus.events(25, seed: 44)
        let frame = Self.frame(of: unindexed)
        try Files.append(frame, to: path)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            try Self.expectAllReadable(archive, events + unindexed)
            let mark = try #require(try archive.watermark())
            #expect(mark.offset == (try Files.size(path)))
            // Written again by a retrying client: duplicates, nothing appended.
            let sizeBefore = try Files.size(path)
            let again = try await archive.write(unindexed)
            #expect(again.new == 0 && again.duplicates == 25)
            #expect(try Files.size(path) == sizeBefore)
        }
    }

    @Test func aDeletedIndexIsRebuiltFromTheSegmentsOnOpen() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let configuration = ArchiveConfiguration(maxSegmentBytes: 64 << 10, maxFramePayload: 16 << 10)
        let events = try await Self.populate(tmp.data, batches: 8, perBatch: 40, configuration: configuration)
        #expect(try SegmentScanner.list(tmp.data).count >= 2)
        let (stats, seen, segments) = try await withArchive(tmp.data, mode: .readOnly) { (archive: Archive) async throws in
            (ContentStats(try archive.stats()), try archive.relays(seeing: events[0].id).map { $0.url }, try archive.segmentRows().map { "\($0.number):\($0.sealedSize ?? -1)" })
        }
        Files.removeIndex(tmp.data)
        try await withArchive(tmp.data, configuration: configuration) { (archive: Archive) async throws in
            try Self.expectAllReadable(archive, events)
            #expect(ContentStats(try archive.stats()) == stats)
            #expect(try archive.relays(seeing: events[0].id).map { $0.url } == seen)
            #expect(try archive.segmentRows().map { "\($0.number):\($0.sealedSize ?? -1)" } == segments)
            // Writing goes on, with dedupe against the rebuilt index.
            let again = try await archive.write(Array(events.prefix(30)))
            #expect(again.duplicates == 30)
        }
    }

    @Test func aSegmentCreatedByACrashMidRotationIsAdopted() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let first = tmp.data.segmentFile(1)
        let size = try Files.size(first)
        // The next segment exists, with its header, but the index never heard of it.
        try SegmentWriter.create(tmp.data, number: 2)
        let more = try Corpus.events(10, seed: 45)
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            try Self.expectAllReadable(archive, events)
            try await archive.write(more)
            let rows = try archive.segmentRows()
            #expect(rows.count == 2)
            #expect(rows.first?.number == 1 && rows.first?.sealedSize == size)
            #expect(rows.last?.number == 2 && rows.last?.sealedSize == nil)
        }
        #expect(try Files.size(first) == size)
        #expect(try Files.size(tmp.data.segmentFile(2)) > Int64(SegmentHeader.size))
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            try Self.expectAllReadable(archive, events + more)
        }
    }

    @Test func aSegmentCutShortAtCreationIsRecreated() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try await Self.populate(tmp.data)
        let second = tmp.data.segmentFile(2)
        #expect(FileManager.default.createFile(atPath: second, contents: Data(SegmentHeader(number: 2, createdAt: 0).bytes.prefix(11))))
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            try Self.expectAllReadable(archive, events)
            #expect(try Files.size(second) == Int64(SegmentHeader.size))
            let more = try Corpus.events(5, seed: 46)
            try await archive.write(more)
            try Self.expectAllReadable(archive, events + more)
        }
    }

    // MARK: (c) Sealed segments do not change

    @Test(arguments: [Int64(1), -1])
    func aSealedSegmentWhoseSizeChangedStopsTheOpen(_ change: Int64) async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let configuration = ArchiveConfiguration(maxSegmentBytes: 64 << 10, maxFramePayload: 16 << 10)
        _ = try await Self.populate(tmp.data, batches: 8, perBatch: 40, configuration: configuration)
        let segments = try SegmentScanner.list(tmp.data)
        try #require(segments.count >= 2)
        let sealed = tmp.data.segmentFile(1)
        let size = try Files.size(sealed)
        if change > 0 { try Files.append([0x00], to: sealed) } else { try Files.truncate(sealed, to: size - 1) }
        let error = #expect(throws: ArchiveError.self) { _ = try Archive.open(tmp.data, configuration: configuration) }
        #expect(error?.code == .corrupt)
        #expect(error?.file == sealed)
        #expect(error?.offset != nil)
        #expect(error?.description.contains(sealed) == true)
        // The failed open left the lock free.
        let again = #expect(throws: ArchiveError.self) { _ = try Archive.open(tmp.data, configuration: configuration) }
        #expect(again?.code == .corrupt)
    }

    // MARK: (d) One writer at a time

    @Test func aSecondWriterIsRefusedWithTheHoldersPID() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(20, seed: 47)
        try await withArchive(tmp.data) { (writer: Archive) async throws in
            try await writer.write(events)
            for _ in 0..<2 {
                let error = #expect(throws: ArchiveError.self) { _ = try Archive.open(tmp.data) }
                #expect(error?.code == .locked)
                #expect(error?.message.contains("PID \(getpid())") == true, "\(String(describing: error))")
                #expect(error?.file == tmp.data.lockFile)
            }
            // Reindex needs the lock too.
            let reindex = #expect(throws: ArchiveError.self) { _ = try Archive.reindex(tmp.data) }
            #expect(reindex?.code == .locked)
            // Readers are welcome meanwhile, and see what was written.
            try await withArchive(tmp.data, mode: .readOnly) { (reader: Archive) async throws in
                #expect(reader.writer == nil)
                try Self.expectAllReadable(reader, events)
            }
            // The writer still works after the refusals.
            try await writer.write(try Corpus.events(25, seed: 47).suffix(5).map { $0 })
            #expect(try writer.stats().events == 25)
        }
        // Once it is closed, the next writer gets in.
        try await withArchive(tmp.data) { (archive: Archive) async throws in
            #expect(try archive.stats().events == 25)
            let lock = try String(contentsOfFile: tmp.data.lockFile, encoding: .utf8)
            #expect(lock.trimmingCharacters(in: .whitespacesAndNewlines) == "\(getpid())")
        }
    }
}
