/// Reads a segment file frame by frame: for recovery, reindex and check.
///
/// Sequential scans read the file through one buffer, so each byte is read about once.
final class SegmentScanner {
    let path: String
    let header: SegmentHeader
    let size: Int64
    private let file: RawFile
    private var window: [UInt8] = []
    private var windowStart: Int64 = 0
    private let decompressor: LZ4Frame.Decompressor

    init(path: String) throws {
        self.path = path
        file = try RawFile(path, mode: .readOnly)
        size = try file.size
        header = try SegmentHeader(try file.read(at: 0, count: SegmentHeader.size), file: path)
        guard let decompressor = LZ4Frame.Decompressor() else {
            throw ArchiveError(.io, "cannot create an LZ4 decompression context", file: path)
        }
        self.decompressor = decompressor
    }

    /// What lies at an offset.
    enum Step {
        case frame(offset: Int64, length: Int, payload: [UInt8])
        /// The file ends inside a frame: a torn write.
        case incomplete(offset: Int64)
        case invalid(offset: Int64, reason: String)
        case end
    }

    /// Decodes the frame at `offset`, reading ahead in 4 MiB chunks.
    func step(at offset: Int64) throws -> Step {
        guard offset < size else { return .end }
        var want = 4 << 20
        while true {
            let windowEnd = windowStart + Int64(window.count)
            if offset < windowStart || offset >= windowEnd || (windowEnd < size && windowEnd - offset < Int64(want) && want > 4 << 20) {
                window = try file.read(at: offset, count: Int(min(size - offset, Int64(want))))
                windowStart = offset
            }
            let from = Int(offset - windowStart)
            let decoded = window.withUnsafeBytes { LZ4Frame.decode(UnsafeRawBufferPointer(rebasing: $0[from...]), with: decompressor) }
            switch decoded {
            case .frame(let payload, let length):
                return .frame(offset: offset, length: length, payload: payload)
            case .invalid(let reason):
                return .invalid(offset: offset, reason: reason)
            case .incomplete:
                if windowStart + Int64(window.count) >= size { return .incomplete(offset: offset) }
                want *= 4
            }
        }
    }

    /// Whether the bytes from `offset` to the end are a torn write: no whole, valid frame
    /// starts anywhere in them. A valid frame after a bad one means damage, not a crash.
    /// Reads the tail in 4 MiB windows, so memory stays bounded on any segment size.
    func isTornTail(from offset: Int64) throws -> Bool {
        let chunk = 4 << 20
        var start = offset + 1
        while start + 4 <= size {
            // 3 bytes of overlap: a frame magic across the window boundary is still seen.
            let bytes = try file.read(at: start, count: Int(min(Int64(chunk + 3), size - start)))
            var i = 0
            while i + 4 <= bytes.count {
                if bytes[i] == 0x04, bytes[i + 1] == 0x22, bytes[i + 2] == 0x4D, bytes[i + 3] == 0x18,
                    case .frame = try step(at: start + Int64(i))
                {
                    return false
                }
                i += 1
            }
            start += Int64(chunk)
        }
        return true
    }

    /// Reads and decodes the frame at `offset` of `length` bytes (a point read).
    func frame(at offset: Int64, length: Int) throws -> [UInt8] {
        let bytes = try file.read(at: offset, count: length)
        switch bytes.withUnsafeBytes({ LZ4Frame.decode($0, with: decompressor) }) {
        case .frame(let payload, let decoded) where decoded == length: return payload
        case .frame: throw ArchiveError(.inconsistent, "frame length differs from the index", file: path, offset: offset)
        case .incomplete: throw ArchiveError(.corrupt, "frame is cut short", file: path, offset: offset)
        case .invalid(let reason): throw ArchiveError(.corrupt, "damaged frame (\(reason))", file: path, offset: offset)
        }
    }

    /// The records of a decoded frame payload, with their offsets in it.
    static func records(in payload: [UInt8], file: String, frameOffset: Int64) throws -> [(record: Record, pos: Int)] {
        try payload.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            var out: [(Record, Int)] = []
            while !reader.isAtEnd {
                let pos = reader.index
                do {
                    out.append((try RecordCodec.read(&reader), pos))
                } catch let error as ArchiveError {
                    throw ArchiveError(error.code, "\(error.message) (record at \(pos) in the frame)", file: file, offset: frameOffset)
                } catch {
                    throw ArchiveError(.corrupt, "undecodable record at \(pos) in the frame", file: file, offset: frameOffset)
                }
            }
            return out
        }
    }

    /// Segment files in the directory, by number.
    static func list(_ directory: DataDirectory) throws -> [(number: UInt32, path: String)] {
        let names = try DirectoryListing.names(directory.segmentsDirectory)
        return names.compactMap { name -> (UInt32, String)? in
            guard name.hasSuffix(".seg"), name.count == 12, let n = UInt32(name.prefix(8)) else { return nil }
            return (n, directory.segmentFile(n))
        }.sorted { $0.0 < $1.0 }
    }
}
