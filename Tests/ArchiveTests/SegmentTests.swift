import BrotrTestSupport
import Foundation
import Nostr
import Testing

@testable import Archive

/// Segment headers, LZ4 frames, and how the writer lays frames and segments out.
struct SegmentTests {
    // MARK: Header

    @Test func headerBytesParseBack() throws {
        let header = SegmentHeader(number: 42, createdAt: 1_700_000_123)
        let bytes = header.bytes
        #expect(bytes.count == SegmentHeader.size)
        #expect(bytes.count == 32)
        #expect(Array(bytes[0..<4]) == [0x50, 0x2A, 0x4D, 0x18])  // skippable frame magic, little-endian
        #expect(Array(bytes[8..<16]) == Array("BROTRSEG".utf8))
        let parsed = try SegmentHeader(bytes, file: "x.seg")
        #expect(parsed == header)
        #expect(parsed.number == 42 && parsed.createdAt == 1_700_000_123 && parsed.version == 1)
        // Extremes.
        let big = SegmentHeader(number: .max, createdAt: .max)
        #expect(try SegmentHeader(big.bytes, file: "x.seg") == big)
        // Bytes after the header are not its business.
        #expect(try SegmentHeader(bytes + [1, 2, 3], file: "x.seg") == header)
    }

    @Test(arguments: [0, 3, 4, 8, 12, 15])
    func aWrongMagicIsCorruptAndNamesTheFile(_ offset: Int) throws {
        var bytes = SegmentHeader(number: 1, createdAt: 0).bytes
        bytes[offset] ^= 0x20
        let error = #expect(throws: ArchiveError.self) { try SegmentHeader(bytes, file: "/data/segments/00000001.seg") }
        #expect(error?.code == .corrupt)
        #expect(error?.file == "/data/segments/00000001.seg")
        #expect(error?.description.contains("/data/segments/00000001.seg") == true)
    }

    @Test func aShortHeaderIsCorrupt() throws {
        let bytes = SegmentHeader(number: 1, createdAt: 0).bytes
        for n in [0, 1, 16, 31] {
            let error = #expect(throws: ArchiveError.self) { try SegmentHeader(Array(bytes.prefix(n)), file: "s.seg") }
            #expect(error?.code == .corrupt)
            #expect(error?.file == "s.seg")
        }
    }

    @Test(arguments: [UInt16(0), 2, 3, 0x0100, 0xFFFF])
    func anUnknownVersionIsRejectedNamingTheFile(_ version: UInt16) throws {
        var bytes = SegmentHeader(number: 1, createdAt: 0).bytes
        bytes[16] = UInt8(version & 0xFF)
        bytes[17] = UInt8(version >> 8)
        let error = #expect(throws: ArchiveError.self) { try SegmentHeader(bytes, file: "/d/segments/00000007.seg") }
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.file == "/d/segments/00000007.seg")
        #expect(error?.message.contains("\(version)") == true)
    }

    @Test func anArchiveWithAnUnknownSegmentVersionDoesNotOpen() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(20)
        try await withArchive(tmp.data) { try await $0.write(events) }
        let path = tmp.data.segmentFile(1)
        try Files.flip(path, at: 16, mask: 0x02)  // version 1 -> 3
        let error = #expect(throws: ArchiveError.self) { _ = try Archive.open(tmp.data) }
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.file == path)
    }

    // MARK: LZ4 frames

    /// Payloads of several shapes: tiny, compressible, incompressible, over one 64 KiB block.
    static func payloads() -> [[UInt8]] {
        var text: [UInt8] = []
        var generator = CorpusGenerator(seed: 5)
        while text.count < 150_000 { text += generator.next().jsonBytes + [0x0A] }
        return [
            [0x41],
            Array("hello, frame".utf8),
            [UInt8](repeating: 0, count: 10_000),
            randomBytes(5000, seed: 1),
            randomBytes(70_000, seed: 2),
            Array(text.prefix(3000)),
            Array(text.prefix(65_536)),
            text,
        ]
    }

    @Test(arguments: [Int32(0), 1, 9, 12])
    func framesRoundTrip(_ level: Int32) throws {
        for payload in Self.payloads() {
            let frame = LZ4Frame.compress(payload, level: level)
            let decoded = frame.withUnsafeBytes { LZ4Frame.decode($0) }
            guard case .frame(let back, let length) = decoded else {
                Issue.record("payload of \(payload.count) bytes at level \(level): \(decoded)")
                continue
            }
            #expect(back == payload)
            #expect(length == frame.count)
            // A frame followed by more bytes (the next frame) still reads as itself.
            let followed = frame + LZ4Frame.compress([1, 2, 3], level: level)
            guard case .frame(let again, let firstLength) = followed.withUnsafeBytes({ LZ4Frame.decode($0) }) else {
                Issue.record("followed frame did not decode")
                continue
            }
            #expect(again == payload)
            #expect(firstLength == frame.count)
        }
    }

    @Test func compressibleTextShrinks() throws {
        let text = Self.payloads().last ?? []
        // Word soup from a small vocabulary: the fast level saves about a quarter of it.
        #expect(LZ4Frame.compress(text, level: 0).count < text.count * 85 / 100)
        #expect(LZ4Frame.compress(text, level: 9).count <= LZ4Frame.compress(text, level: 0).count)
    }

    /// The frame header is 15 bytes here: magic 4, FLG, BD, content size 8, header checksum.
    static let frameHeaderSize = 15

    @Test func aFrameCutAfterItsHeaderIsIncomplete() throws {
        for payload in [Array("0123456789".utf8), randomBytes(3000, seed: 3), randomBytes(70_000, seed: 4)] {
            let frame = LZ4Frame.compress(payload, level: 0)
            var cuts = Array(Self.frameHeaderSize..<min(frame.count, 400))
            cuts += stride(from: 400, to: frame.count, by: 97)
            cuts += (max(Self.frameHeaderSize, frame.count - 12)..<frame.count)
            for cut in cuts {
                let decoded = Array(frame.prefix(cut)).withUnsafeBytes { LZ4Frame.decode($0) }
                guard case .incomplete = decoded else {
                    Issue.record("frame of \(frame.count) bytes cut at \(cut): \(decoded)")
                    continue
                }
            }
        }
    }

    /// A crash can cut a frame inside its header too; that is a torn write as well, not
    /// damage. (LZ4F_getFrameInfo says "frameHeader_incomplete" for 5...14 bytes here.)
    @Test func aFrameCutInsideItsHeaderIsIncomplete() throws {
        let frame = LZ4Frame.compress(randomBytes(3000, seed: 3), level: 0)
        for cut in 0..<Self.frameHeaderSize {
            let decoded = Array(frame.prefix(cut)).withUnsafeBytes { LZ4Frame.decode($0) }
            guard case .incomplete = decoded else {
                Issue.record("frame cut at \(cut) (inside its header): \(decoded)")
                continue
            }
        }
    }

    @Test func aFlippedChecksumByteIsInvalid() throws {
        let payload = Array(Self.payloads()[5])
        let frame = LZ4Frame.compress(payload, level: 0)
        // The last four bytes are the content checksum.
        for i in (frame.count - 4)..<frame.count {
            var damaged = frame
            damaged[i] ^= 0x01
            let decoded = damaged.withUnsafeBytes { LZ4Frame.decode($0) }
            guard case .invalid = decoded else {
                Issue.record("checksum byte \(i) flipped: \(decoded)")
                continue
            }
        }
    }

    @Test func aFlippedByteInTheCompressedBodyNeverYieldsOtherData() throws {
        let payload = Self.payloads()[6]
        let frame = LZ4Frame.compress(payload, level: 0)
        // Block data starts after the 15-byte frame header and a 4-byte block size.
        let body = (Self.frameHeaderSize + 4)..<(frame.count - 8)
        var invalid = 0, total = 0
        for i in stride(from: body.lowerBound, to: body.upperBound, by: 13) {
            var damaged = frame
            damaged[i] ^= 0xFF
            total += 1
            switch damaged.withUnsafeBytes({ LZ4Frame.decode($0) }) {
            case .invalid: invalid += 1
            case .frame(let back, _):
                // Only possible when the change decodes to the very same bytes (a match
                // offset into a repetition); the checksum guarantees nothing else gets through.
                #expect(back == payload, "byte \(i) flipped gave other data")
            case .incomplete:
                Issue.record("byte \(i) of the block body flipped reads as incomplete")
            }
        }
        #expect(invalid * 10 >= total * 9, "\(invalid) of \(total) flips detected")
        // The middle byte of the body, specifically.
        var damaged = frame
        damaged[(body.lowerBound + body.upperBound) / 2] ^= 0xFF
        let middle = damaged.withUnsafeBytes { LZ4Frame.decode($0) }
        guard case .invalid = middle else {
            Issue.record("middle byte flipped: \(middle)")
            return
        }
    }

    @Test func garbageIsInvalidOrIncompleteNeverAFrame() throws {
        var rng = SplitMix64(seed: 77)
        for round in 0..<500 {
            let bytes = randomBytes(Int(rng.next() % 200), seed: rng.next())
            if case .frame = bytes.withUnsafeBytes({ LZ4Frame.decode($0) }) {
                Issue.record("round \(round): random bytes decoded as a frame")
            }
        }
        // A declared content size over the reader's bound is refused before allocating.
        var frame = LZ4Frame.compress([1, 2, 3], level: 0)
        #expect(frame.count > 15)
        // FLG has the content-size bit; bytes 6..<14 hold the size. Setting it too large
        // also breaks the header checksum, so either way the frame is refused.
        frame[13] = 0x7F
        if case .frame = frame.withUnsafeBytes({ LZ4Frame.decode($0) }) {
            Issue.record("a frame with a damaged content size decoded")
        }
    }

    // MARK: The writer's frames and segments

    /// Every frame of every segment, decoded, with the segment it is in.
    static func scanFrames(_ directory: DataDirectory) throws -> [(segment: UInt32, offset: Int64, length: Int, payload: [UInt8], records: Int)] {
        var out: [(segment: UInt32, offset: Int64, length: Int, payload: [UInt8], records: Int)] = []
        for (number, path) in try SegmentScanner.list(directory) {
            let scanner = try SegmentScanner(path: path)
            #expect(scanner.header.number == number)
            var offset = Int64(SegmentHeader.size)
            scan: while true {
                switch try scanner.step(at: offset) {
                case .end: break scan
                case .frame(let at, let length, let payload):
                    let records = try SegmentScanner.records(in: payload, file: path, frameOffset: at)
                    out.append((segment: number, offset: at, length: length, payload: payload, records: records.count))
                    offset = at + Int64(length)
                case .incomplete(let at), .invalid(let at, _):
                    throw FixtureError("\(path): bad frame at \(at)")
                }
            }
        }
        return out
    }

    @Test func framesAreBoundedByMaxFramePayload() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(300, seed: 11)
        let configuration = ArchiveConfiguration(maxFramePayload: 4096)
        let frameRows = try await withArchive(tmp.data, configuration: configuration) { (archive: Archive) async throws in
            let result = try await archive.write(events, relay: try Corpus.relay(0))
            #expect(result.new == 300)
            return try archive.frameRows()
        }
        let frames = try Self.scanFrames(tmp.data)
        #expect(frames.count > 10, "one batch of 300 events makes many frames")
        for frame in frames {
            // A frame holds at most maxFramePayload bytes, unless it holds one record only.
            #expect(frame.payload.count <= 4096 || frame.records == 1, "frame at \(frame.offset): \(frame.payload.count) bytes, \(frame.records) records")
        }
        #expect(frames.contains { $0.records > 1 }, "small records share frames")
        // The index's frame table lists exactly these frames.
        #expect(frameRows.count == frames.count)
        #expect(frameRows.map { $0.offset } == frames.map { $0.offset })
        #expect(frameRows.map { $0.length } == frames.map { Int64($0.length) })
        #expect(frameRows.map { $0.segment } == frames.map { Int64($0.segment) })
        // Frames are contiguous from the header on.
        var expected = Int64(SegmentHeader.size)
        for frame in frames {
            #expect(frame.offset == expected)
            expected = frame.offset + Int64(frame.length)
        }
        #expect(try Files.size(tmp.data.segmentFile(1)) == expected)
        // 300 events and 300 observations and one relay record.
        #expect(frames.reduce(0) { $0 + $1.records } == 601)
        // And everything reads back.
        try await withArchive(tmp.data, mode: .readOnly) { (archive: Archive) async throws in
            for event in events {
                let back = try archive.event(id: event.id)
                #expect(back == event)
            }
        }
    }

    @Test func theDefaultFrameSizeHoldsManyEvents() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(200, seed: 12)
        try await withArchive(tmp.data) { try await $0.write(events) }
        let frames = try Self.scanFrames(tmp.data)
        #expect(frames.count < 200)
        let limit = ArchiveConfiguration().maxFramePayload
        for frame in frames { #expect(frame.payload.count <= limit || frame.records == 1) }
    }

    @Test func segmentsRotateAndAllButTheLastAreSealed() async throws {
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let events = try Corpus.events(600, seed: 13)
        let configuration = ArchiveConfiguration(maxSegmentBytes: 64 << 10, maxFramePayload: 16 << 10)
        let rows = try await withArchive(tmp.data, configuration: configuration) { (archive: Archive) async throws in
            try await archive.write(events, batchSize: 20)
            return try archive.segmentRows()
        }
        let files = try SegmentScanner.list(tmp.data)
        #expect(files.count >= 3, "\(files.count) segments")
        #expect(files.map { $0.number } == Array(1...UInt32(files.count)))
        #expect(rows.map { $0.number } == files.map { Int64($0.number) })
        for (i, (number, path)) in files.enumerated() {
            let size = try Files.size(path)
            if i == files.count - 1 {
                #expect(rows[i].sealedSize == nil, "the active segment \(number) is not sealed")
            } else {
                #expect(rows[i].sealedSize == size, "segment \(number) sealed at its size")
                // Rotation happens once a segment has reached the limit.
                #expect(size >= 64 << 10)
            }
            let header = try SegmentHeader(try Files.read(path).prefix(32).map { $0 }, file: path)
            #expect(header.number == number)
        }
        // Reopening keeps the layout, and writes go on in the active segment.
        try await withArchive(tmp.data, configuration: configuration) { (archive: Archive) async throws in
            for event in events.prefix(50) + events.suffix(50) {
                let back = try archive.event(id: event.id)
                #expect(back == event)
            }
            let more = try Corpus.events(5, seed: 14)
            try await archive.write(more)
            for event in more {
                let back = try archive.event(id: event.id)
                #expect(back == event)
            }
            let stats = try archive.stats()
            #expect(stats.segments >= files.count)
            #expect(stats.events == 605)
        }
    }
}
