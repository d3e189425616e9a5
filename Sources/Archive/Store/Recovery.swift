import GRDB
import Glibc
import Logging

/// Brings the index up to the segments when an archive opens for writing.
///
/// Frames after the index's watermark are replayed into the index. A torn frame at the
/// end of the newest segment (a crash mid-write: never acknowledged) is cut off, and the
/// log says how many bytes went. Anything else wrong (a sealed segment whose size differs
/// from the one recorded when it was sealed, a damaged frame with data after it) stops
/// the open with the file and offset.
struct Recovery {
    let directory: DataDirectory
    let pool: DatabasePool
    let logger: Logger

    /// Returns the active segment and its size, ready for appending.
    func run() throws -> (segment: UInt32, size: Int64) {
        var files = try SegmentScanner.list(directory)
        if files.isEmpty {
            try SegmentWriter.create(directory, number: 1)
            try pool.write { db in try IndexWriter(db: db, caches: IndexCaches()).ensureSegment(1, sealedSize: nil) }
            files = try SegmentScanner.list(directory)
        }
        let (recorded, watermark) = try pool.read { db -> ([Int64: Int64?], (Int64, Int64)?) in
            let rows = try Row.fetchAll(db, sql: "SELECT number, sealed_size FROM segment")
            var sealed: [Int64: Int64?] = [:]
            for row in rows { sealed[row["number"]] = row["sealed_size"] as Int64? }
            let mark = try Row.fetchOne(db, sql: "SELECT segment, offset FROM watermark WHERE id = 1").map {
                ($0["segment"] as Int64, $0["offset"] as Int64)
            }
            return (sealed, mark)
        }
        let hint = "run `brotr check` to see what is damaged, and `brotr reindex` to rebuild the index from the segments"

        // Every segment the index knows must still be there.
        let present = Set(files.map { Int64($0.number) })
        if let missing = recorded.keys.sorted().first(where: { !present.contains($0) }) {
            throw ArchiveError(
                .inconsistent, "segment \(missing) is in the index but its file is missing; restore it from a backup, or \(hint)",
                file: directory.segmentFile(UInt32(clamping: missing)))
        }

        // Sealed segments must still have the size they were sealed with.
        for (number, path) in files {
            guard let entry = recorded[Int64(number)], let sealedSize = entry else { continue }
            let size = try RawFile(path, mode: .readOnly).size
            if size != sealedSize {
                throw ArchiveError(
                    .corrupt, "sealed segment is \(size) bytes, but was sealed at \(sealedSize); \(hint)", file: path,
                    offset: min(size, sealedSize))
            }
        }

        guard let startSegment = UInt32(exactly: watermark?.0 ?? Int64(files[0].number)) else {
            throw ArchiveError(.inconsistent, "the index's watermark names no valid segment; \(hint)", file: directory.indexFile)
        }
        var replayed = 0
        for (i, (number, path)) in files.enumerated() where number >= startSegment {
            let isLast = i == files.count - 1
            if isLast, try RawFile(path, mode: .readOnly).size < Int64(SegmentHeader.size) {
                // A crash while a new segment was being created: it holds nothing yet.
                guard unlink(path) == 0 else { throw RawFile.error("cannot remove", path) }
                try SegmentWriter.create(directory, number: number)
                logger.warning("recreated a segment cut short at creation", metadata: ["file": "\(path)"])
            }
            let scanner = try SegmentScanner(path: path)
            guard scanner.header.number == number else {
                throw ArchiveError(.corrupt, "segment header says number \(scanner.header.number)", file: path, offset: 20)
            }
            var offset = number == startSegment ? (watermark?.1 ?? Int64(SegmentHeader.size)) : Int64(SegmentHeader.size)
            if offset > scanner.size {
                throw ArchiveError(
                    .inconsistent, "segment is \(scanner.size) bytes, shorter than the \(offset) the index has seen; \(hint)",
                    file: path, offset: scanner.size)
            }
            // Frames past the watermark may sit in the page cache only (the writer died before
            // its fsync): make them durable before the index may refer to them.
            if offset < scanner.size { try RawFile(path, mode: .readWrite).sync() }
            scan: while true {
                switch try scanner.step(at: offset) {
                case .end:
                    break scan
                case .frame(let at, let length, let payload):
                    let items = try IndexItem.decode(frame: payload, file: path, offset: at)
                    let frame = SegmentWriter.WrittenFrame(segment: number, offset: at, length: length, items: items)
                    try pool.write { db in try IndexWriter(db: db, caches: IndexCaches()).apply(frames: [frame]) }
                    offset = at + Int64(length)
                    replayed += 1
                case .incomplete(let at), .invalid(let at, _):
                    guard isLast else {
                        throw ArchiveError(.corrupt, "damaged frame in a sealed segment; \(hint)", file: path, offset: at)
                    }
                    guard try scanner.isTornTail(from: at) else {
                        throw ArchiveError(.corrupt, "damaged frame with valid frames after it; \(hint)", file: path, offset: at)
                    }
                    let dropped = scanner.size - at
                    let file = try RawFile(path, mode: .readWrite)
                    try file.truncate(to: at)
                    try file.sync()
                    logger.warning(
                        "dropped a torn tail of the active segment", metadata: ["file": "\(path)", "offset": "\(at)", "bytes": "\(dropped)"])
                    break scan
                }
            }
            // Every segment but the newest is sealed; record sizes of ones sealed by a crash.
            let size = try RawFile(path, mode: .readOnly).size
            try pool.write { db in
                try IndexWriter(db: db, caches: IndexCaches()).ensureSegment(number, sealedSize: isLast ? nil : size)
            }
        }
        if replayed > 0 { logger.info("replayed frames into the index", metadata: ["frames": "\(replayed)"]) }
        guard let last = files.last else { throw ArchiveError(.io, "no segment files", file: directory.segmentsDirectory) }
        return (last.number, try RawFile(last.path, mode: .readOnly).size)
    }
}
