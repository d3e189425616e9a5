import Glibc

/// Appends frames to the active segment and rotates segments. Owned by the writer actor.
///
/// Records are packed into frames of at most `maxFramePayload` bytes before compression
/// (a record larger than that gets a frame of its own), so a point read decompresses
/// little. ``append(_:)`` writes without syncing; the caller syncs once per batch.
final class SegmentWriter {
    struct Configuration: Sendable {
        var maxSegmentBytes: Int64 = 64 << 20
        var maxFramePayload: Int = 64 << 10
        var compressionLevel: Int32 = 0
    }

    /// A frame that was written (or read back), and where each record went inside it.
    struct WrittenFrame {
        let segment: UInt32
        let offset: Int64
        let length: Int
        let items: [(item: IndexItem, pos: Int)]
    }

    let directory: DataDirectory
    let configuration: Configuration
    private(set) var segment: UInt32
    private(set) var size: Int64
    private var file: RawFile
    /// Segments sealed whose final size the index has not recorded yet: the batch that
    /// sealed them may have failed. Cleared by ``sealsRecorded()`` after a commit.
    private(set) var unrecordedSeals: [(number: UInt32, size: Int64)] = []

    /// Continues the active segment `number` at `size` bytes (after recovery).
    init(directory: DataDirectory, configuration: Configuration, activeSegment number: UInt32, size: Int64) throws {
        self.directory = directory
        self.configuration = configuration
        self.segment = number
        self.size = size
        self.file = try RawFile(directory.segmentFile(number), mode: .readWrite)
    }

    /// Creates segment `number` with its header, durably.
    static func create(_ directory: DataDirectory, number: UInt32) throws {
        let path = directory.segmentFile(number)
        let file = try RawFile(path, mode: .create)
        try file.write(SegmentHeader(number: number, createdAt: UInt64(time(nil))).bytes, at: 0)
        try file.sync()
        try RawFile.syncDirectory(directory.segmentsDirectory)
    }

    /// Seals the active segment and starts the next one when the active one is full.
    /// - Returns: the sealed segment's number and final size, if one was sealed.
    func rotateIfFull() throws -> (number: UInt32, size: Int64)? {
        guard size >= configuration.maxSegmentBytes else { return nil }
        try file.sync()
        let sealed = (segment, size)
        try SegmentWriter.create(directory, number: segment + 1)
        segment += 1
        file = try RawFile(directory.segmentFile(segment), mode: .readWrite)
        size = Int64(SegmentHeader.size)
        unrecordedSeals.append(sealed)
        return sealed
    }

    /// The index has recorded every seal so far.
    func sealsRecorded() { unrecordedSeals.removeAll() }

    /// Where the active segment ends now, to roll a failed batch back to.
    var mark: Int64 { size }

    /// Cuts the active segment back to `mark`, durably: a batch that failed after some of
    /// its frames were written must not leave frames the index will never hear of.
    func rollback(to mark: Int64) throws {
        guard mark < size else { return }
        try file.truncate(to: mark)
        try file.sync()
        size = mark
    }

    /// Packs encoded records into frames and writes them at the end of the active segment.
    func append(_ records: [EncodedRecord]) throws -> [WrittenFrame] {
        var frames: [WrittenFrame] = []
        var payload: [UInt8] = []
        var placed: [(IndexItem, Int)] = []
        func flush() throws {
            guard !placed.isEmpty else { return }
            let frame = LZ4Frame.compress(payload, level: configuration.compressionLevel)
            try file.write(frame, at: size)
            frames.append(WrittenFrame(segment: segment, offset: size, length: frame.count, items: placed))
            size += Int64(frame.count)
            payload.removeAll(keepingCapacity: true)
            placed.removeAll(keepingCapacity: true)
        }
        for record in records {
            guard record.bytes.count <= LZ4Frame.maxPayload else {
                throw ArchiveError(.invalidRequest, "a record of \(record.bytes.count) bytes exceeds the \(LZ4Frame.maxPayload)-byte frame limit")
            }
            if !payload.isEmpty, payload.count + record.bytes.count > configuration.maxFramePayload { try flush() }
            placed.append((record.item, payload.count))
            payload.append(contentsOf: record.bytes)
        }
        try flush()
        return frames
    }

    /// Makes everything appended so far durable.
    func sync() throws { try file.sync() }
}
