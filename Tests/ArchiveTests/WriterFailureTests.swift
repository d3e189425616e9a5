import BrotrTestSupport
import Foundation
import Nostr
import Testing

@testable import Archive

/// A batch that fails after some of its frames reached the segment leaves nothing behind.
struct WriterFailureTests {
    @Test func aFailedBatchIsCutBackAndTheNextOneWorks() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let small = try Corpus.events(40, seed: 31)
        // A record past the reader's 64 MiB frame limit fails the batch after the small
        // events' frame is already written (frames of 4 KiB force an early flush).
        let key = SecretKey.generate()
        let huge = try Event.sign(kind: 1, content: String(repeating: "x", count: LZ4Frame.maxPayload + 1), createdAt: 1, with: key)
        try await withArchive(tmp.data, configuration: ArchiveConfiguration(maxFramePayload: 4096)) { archive in
            let writer = try #require(archive.writer)
            _ = try await writer.write(EventBatch(events: Array(small.prefix(10)), seenAt: 1))
            let path = tmp.data.segmentFile(1)
            let before = try RawFile(path, mode: .readOnly).size

            let error = await #expect(throws: ArchiveError.self) {
                _ = try await writer.write(EventBatch(events: Array(small.dropFirst(10)) + [huge], seenAt: 1))
            }
            #expect(error?.code == .invalidRequest)
            #expect(try RawFile(path, mode: .readOnly).size == before, "the failed batch's frames were not cut back")
            #expect(try archive.event(id: small[20].id) == nil)

            let result = try await writer.write(EventBatch(events: Array(small.dropFirst(10)), seenAt: 1))
            #expect(result.new == 30)
        }
        let report = try Archive.check(tmp.data)
        #expect(report.isHealthy, "\(report.problems)")
        #expect(report.events == 40)
        #expect(report.indexedEvents == 40)
    }

    @Test func anIndexThatKnowsAMissingSegmentRefusesToOpen() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(300, seed: 32)
        try await withArchive(tmp.data, configuration: ArchiveConfiguration(maxSegmentBytes: 16 << 10, maxFramePayload: 4096)) { archive in
            _ = try await archive.writer?.write(EventBatch(events: Array(events.prefix(150)), seenAt: 1))
            _ = try await archive.writer?.write(EventBatch(events: Array(events.dropFirst(150)), seenAt: 1))
        }
        let files = try SegmentScanner.list(tmp.data)
        #expect(files.count >= 2)
        // Losing the newest segment (a bad restore) must not go unnoticed.
        unlink(files[files.count - 1].path)
        let error = #expect(throws: ArchiveError.self) { _ = try Archive.open(tmp.data) }
        #expect(error?.code == .inconsistent)
        #expect(error?.file == files[files.count - 1].path)
    }
}
