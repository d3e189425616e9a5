import GRDB
import Glibc

extension Archive {
    /// What a backup copied.
    public struct BackupSummary: Sendable {
        public var segments = 0
        public var segmentBytes: Int64 = 0
        public var indexBytes: Int64 = 0
    }

    /// Copies a data directory consistently, while a writer may be running.
    ///
    /// The index is copied first, as one SQLite snapshot (the online backup API), then the
    /// segment files. Segments are written before the index hears of them, so the copied
    /// segments hold at least everything the copied index refers to; anything after is a
    /// tail that the copy's first read-write open replays or cuts, as after a crash.
    /// - Parameters:
    ///   - destination: a directory that does not exist yet, or is empty.
    public static func backup(_ source: DataDirectory, to destination: DataDirectory) throws -> BackupSummary {
        try requireDataDirectory(source)
        let existing = try DirectoryListing.names(destination.path)
        guard existing.isEmpty else {
            throw ArchiveError(.invalidRequest, "the backup destination is not empty", file: destination.path)
        }
        try DirectoryListing.create(destination.segmentsDirectory)
        var summary = BackupSummary()

        try wrap {
            var config = Configuration()
            config.readonly = true
            // A writer's checkpoint can hold the WAL briefly: wait instead of failing.
            config.busyMode = .timeout(10)
            let from = try DatabasePool(path: source.indexFile, configuration: config)
            let to = try DatabaseQueue(path: destination.indexFile)
            try from.backup(to: to)
        }
        summary.indexBytes = try RawFile(destination.indexFile, mode: .readOnly).size

        for (number, path) in try SegmentScanner.list(source) {
            summary.segmentBytes += try copyFile(path, to: destination.segmentFile(number))
            summary.segments += 1
        }
        if access(source.defaultConfigFile, F_OK) == 0 {
            _ = try copyFile(source.defaultConfigFile, to: destination.defaultConfigFile)
        }
        try RawFile.syncDirectory(destination.segmentsDirectory)
        try RawFile.syncDirectory(destination.path)
        return summary
    }

    /// Copies the bytes `source` has now, durably; returns how many.
    private static func copyFile(_ source: String, to destination: String) throws -> Int64 {
        let input = try RawFile(source, mode: .readOnly)
        let output = try RawFile(destination, mode: .create)
        let size = try input.size
        var offset: Int64 = 0
        while offset < size {
            let chunk = try input.read(at: offset, count: Int(min(4 << 20, size - offset)))
            if chunk.isEmpty { break }
            try output.write(chunk, at: offset)
            offset += Int64(chunk.count)
        }
        try output.sync()
        return offset
    }
}
