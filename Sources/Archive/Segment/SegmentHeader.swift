/// The header that opens every segment: an LZ4 *skippable* frame, so that lz4 tools skip
/// it and see only the data frames.
///
///     offset size  field
///     0      4     0x184D2A50, little-endian (skippable frame magic)
///     4      4     24, little-endian (payload length)
///     8      8     "BROTRSEG"
///     16     2     format version, little-endian (1)
///     18     2     flags, 0
///     20     4     segment number, little-endian
///     24     8     creation time, Unix seconds, little-endian
struct SegmentHeader: Equatable {
    static let size = 32
    static let skippableMagic: UInt32 = 0x184D_2A50
    static let magic = Array("BROTRSEG".utf8)
    static let currentVersion: UInt16 = 1

    var version: UInt16 = SegmentHeader.currentVersion
    var number: UInt32
    var createdAt: UInt64

    init(number: UInt32, createdAt: UInt64) {
        self.number = number
        self.createdAt = createdAt
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        le(Self.skippableMagic)
        le(UInt32(24))
        out.append(contentsOf: Self.magic)
        le(version)
        le(UInt16(0))
        le(number)
        le(createdAt)
        return out
    }

    /// Parses and checks a header.
    /// - Throws: ``ArchiveError`` naming `file`: `corrupt` for a bad header,
    ///   `unsupportedVersion` for a version this build cannot read.
    init(_ raw: [UInt8], file: String) throws {
        guard raw.count >= Self.size else {
            throw ArchiveError(.corrupt, "segment is shorter than its \(Self.size)-byte header", file: file, offset: 0)
        }
        func le<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
            raw[at..<at + MemoryLayout<T>.size].reversed().reduce(T(0)) { $0 << 8 | T($1) }
        }
        guard le(0, UInt32.self) == Self.skippableMagic, le(4, UInt32.self) == 24, Array(raw[8..<16]) == Self.magic else {
            throw ArchiveError(.corrupt, "not a brotr segment (bad header magic)", file: file, offset: 0)
        }
        let version = le(16, UInt16.self)
        guard version == Self.currentVersion else {
            throw ArchiveError(
                .unsupportedVersion, "segment format version \(version) is not known to this brotr (it reads version \(Self.currentVersion))",
                file: file, offset: 16)
        }
        self.version = version
        self.number = le(20, UInt32.self)
        self.createdAt = le(24, UInt64.self)
    }
}
