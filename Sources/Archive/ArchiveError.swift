/// An error from the archive: the data directory, a segment, the index, or the lock.
///
/// Errors that concern a place on disk name the file and, where it applies, the byte
/// offset, and say what to do (`brotr check`, `brotr reindex`).
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }

        /// Another process holds the data directory's lock.
        public static let locked = Code("locked")
        /// A segment or record is damaged or of an unknown format.
        public static let corrupt = Code("corrupt")
        /// The index disagrees with the segments.
        public static let inconsistent = Code("inconsistent")
        /// A file could not be read or written.
        public static let io = Code("io")
        /// A segment format version this build does not know.
        public static let unsupportedVersion = Code("unsupported version")
        /// The SQLite index failed.
        public static let index = Code("index")
        /// The caller asked for something invalid.
        public static let invalidRequest = Code("invalid request")

        public var description: String { name }
    }

    public let code: Code
    public let message: String
    /// The file concerned, if any.
    public let file: String?
    /// The byte offset in `file`, if known.
    public let offset: Int64?

    public init(_ code: Code, _ message: String, file: String? = nil, offset: Int64? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
    }

    public var description: String {
        var place = ""
        if let file { place = file + (offset.map { " at byte \($0)" } ?? "") + ": " }
        return place + message
    }
}
