public import Archive
import Foundation
public import Logging

/// Keeps the analytics tables current: each cycle applies what was archived since the
/// last, in one transaction of the archive's writer (``ArchiveWriter/refreshAnalytics(full:now:)``).
/// The rolling windows (events of the last hour to 30 days, relay uptime) move every
/// cycle even when nothing new came.
public actor Refresher: CycleStage {
    public nonisolated let stage = Stage.refresher

    let archive: Archive
    let logger: Logger
    /// The time a cycle places its windows at, Unix seconds.
    let clock: @Sendable () -> Int64

    /// - Parameter clock: the time of a cycle, Unix seconds; the system's when nil.
    public init(archive: Archive, logger: Logger, clock: (@Sendable () -> Int64)? = nil) {
        self.archive = archive
        self.logger = logger
        self.clock = clock ?? { Int64(Date().timeIntervalSince1970) }
    }

    /// BigBrotr's refresher gauges (`views_total`, `views_refreshed`, `views_failed`,
    /// `duration_<view>` in seconds), and counters of what was counted and of the rows
    /// changed in each table (`rows_<table>`).
    public func cycle() async throws -> CycleFigures {
        let report = try await runCycle()
        var figures = CycleFigures()
        let tables = AnalyticsTables.names
        figures.gauges["views_total"] = Double(tables.count)
        figures.gauges["views_refreshed"] = Double(tables.count)
        figures.gauges["views_failed"] = 0
        for table in tables {
            figures.gauges["duration_\(table)"] = report.seconds[table] ?? 0
            figures.counters["rows_\(table)"] = Double(report.rowsChanged[table] ?? 0)
        }
        figures.counters["events"] = Double(report.events)
        figures.counters["observations"] = Double(report.observations)
        figures.counters["snapshots"] = Double(report.snapshots)
        return figures
    }

    /// One cycle; with `full`, every table is rebuilt from the whole archive.
    public func runCycle(full: Bool = false) async throws -> AnalyticsReport {
        guard let writer = archive.writer else { throw StageError.readOnlyArchive }
        let started = ContinuousClock.now
        let report = try await writer.refreshAnalytics(full: full, now: clock())
        let changed = report.rowsChanged.values.reduce(0, +)
        logger.info(
            "analytics refreshed",
            metadata: [
                "full": "\(report.full)", "events": "\(report.events)", "observations": "\(report.observations)",
                "snapshots": "\(report.snapshots)", "rows_changed": "\(changed)", "seconds": "\(ContinuousClock.now - started)",
            ])
        return report
    }
}

/// `refresher:` has no keys of its own beyond `enabled` and `interval`: every analytics
/// table is kept, together, since they share their bookkeeping.
public struct RefresherSettings: Sendable, Equatable {
    public init() {}
}
