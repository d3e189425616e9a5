public import Archive
import Foundation
public import Logging
import Nostr

/// How much the Finder reads per cycle.
public struct FinderSettings: Sendable, Equatable {
    /// Events read per archive query.
    public var batchSize = 5000
    /// Events read per cycle at most; the rest waits for the next cycle.
    public var maxEventsPerCycle = 500_000

    public init(batchSize: Int = 5000, maxEventsPerCycle: Int = 500_000) {
        self.batchSize = max(1, batchSize)
        self.maxEventsPerCycle = max(1, maxEventsPerCycle)
    }
}

/// Discovers relay URLs in archived events and makes the new ones validation candidates.
///
/// It reads events in archive order from a persisted position (`finder` / `position` in
/// service state), so a restart resumes where the last cycle stopped and events archived
/// late (old created_at) are still read. The position is committed with the candidates
/// it led to.
public actor Finder: CycleStage {
    public nonisolated let stage = Stage.finder
    public static let service = "finder"
    static let positionKey = "position"

    public struct Report: Sendable, Equatable {
        public var eventsScanned = 0
        public var urlsFound = 0
        public var candidatesAdded = 0
        public var position: Int64 = 0
    }

    let archive: Archive
    let settings: FinderSettings
    let allowLoopback: Bool
    let logger: Logger

    public init(archive: Archive, settings: FinderSettings, allowLoopback: Bool, logger: Logger) {
        self.archive = archive
        self.settings = settings
        self.allowLoopback = allowLoopback
        self.logger = logger
    }

    public func cycle() async throws -> CycleFigures {
        let report = try await runCycle()
        return CycleFigures(
            gauges: ["position": Double(report.position)],
            counters: ["events_scanned": Double(report.eventsScanned), "candidates_added": Double(report.candidatesAdded)])
    }

    public func runCycle() async throws -> Report {
        var report = Report()
        let start = try archive.state(service: Self.service)[Self.positionKey].flatMap { Int64($0) } ?? 0
        report.position = start
        var found: [RelayURL] = []
        var seen = Set<String>()
        while report.eventsScanned < settings.maxEventsPerCycle {
            try Task.checkCancellation()
            let limit = min(settings.batchSize, settings.maxEventsPerCycle - report.eventsScanned)
            let batch = try archive.events(after: report.position, limit: limit)
            guard let last = batch.last else { break }
            for (_, event) in batch {
                for url in RelayURLExtractor.urls(in: event, allowLoopback: allowLoopback) where seen.insert(url.url).inserted {
                    found.append(url)
                }
            }
            report.eventsScanned += batch.count
            report.position = last.position
            if batch.count < limit { break }
        }
        report.urlsFound = found.count
        guard report.position != start else { return report }
        let now = Int64(Date().timeIntervalSince1970)
        let position = ServiceStateUpdate(service: Self.service, key: Self.positionKey, value: String(report.position), updatedAt: now)
        report.candidatesAdded = try await CandidateStore(archive: archive).add(found, at: now, alsoCommit: [position])
        return report
    }
}
