import GRDB

extension ArchiveWriter {
    /// Brings the analytics tables up to the archive (``AnalyticsRefresh``) in one
    /// transaction: what was archived since the last refresh, or with `full` everything,
    /// after emptying them. `now` (Unix seconds) places the rolling windows.
    /// - Throws: ``ArchiveError`` if the index or a segment cannot be read or written;
    ///   the tables then stay as the last refresh left them.
    public func refreshAnalytics(full: Bool = false, now: Int64) throws -> AnalyticsReport {
        try Archive.wrap {
            try pool.write { db in try AnalyticsRefresh(db: db, directory: segments.directory, now: now).run(full: full) }
        }
    }
}
