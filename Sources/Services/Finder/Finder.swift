public import Archive
import Foundation
public import Logging
import Nostr
public import Transport

/// How much the Finder reads per cycle.
public struct FinderSettings: Sendable, Equatable {
    /// Events read per archive query.
    public var batchSize = 5000
    /// Events read per cycle at most; the rest waits for the next cycle.
    public var maxEventsPerCycle = 500_000
    /// Web APIs listing relay URLs (none by default).
    public var sources: [HTTPSource] = []

    public init(batchSize: Int = 5000, maxEventsPerCycle: Int = 500_000, sources: [HTTPSource] = []) {
        self.batchSize = max(1, batchSize)
        self.maxEventsPerCycle = max(1, maxEventsPerCycle)
        self.sources = sources
    }
}

/// Discovers relay URLs in archived events and in web APIs (``HTTPSource``), and makes
/// the new ones validation candidates.
///
/// It reads events in archive order from a persisted position (`finder` / `position` in
/// service state), so a restart resumes where the last cycle stopped and events archived
/// late (old created_at) are still read. The position is committed with the candidates
/// it led to. A source is fetched at most once per its cooldown (`source:<url>` holds the
/// last attempt); a source that fails is logged and skipped until then.
public actor Finder: CycleStage {
    public nonisolated let stage = Stage.finder
    public static let service = "finder"
    static let positionKey = "position"

    public struct Report: Sendable, Equatable {
        public var eventsScanned = 0
        public var urlsFound = 0
        public var candidatesAdded = 0
        public var position: Int64 = 0
        public var sourcesFetched = 0
        public var sourcesFailed = 0
        /// Of `urlsFound`, those found in events and those found in HTTP sources.
        public var urlsFromEvents = 0
        public var urlsFromSources = 0
        /// HTTP sources configured.
        public var sourcesTotal = 0
    }

    let archive: Archive
    let settings: FinderSettings
    /// Which relays are admitted, and how overlay networks are reached.
    let network: NetworkConfiguration
    let logger: Logger

    public init(archive: Archive, settings: FinderSettings, network: NetworkConfiguration, logger: Logger) {
        self.archive = archive
        self.settings = settings
        self.network = network
        self.logger = logger
    }

    public func cycle() async throws -> CycleFigures {
        let report = try await runCycle()
        return CycleFigures(
            // BigBrotr's dashboard reads these as gauges of the last cycle.
            gauges: [
                "position": Double(report.position), "total_sources": Double(report.sourcesTotal),
                "sources_fetched": Double(report.sourcesFetched), "rows_seen": Double(report.eventsScanned),
                "relays_seen": Double(report.urlsFound), "candidates_found_from_events": Double(report.urlsFromEvents),
                "candidates_found_from_api": Double(report.urlsFromSources),
            ],
            counters: [
                "events_scanned": Double(report.eventsScanned), "candidates_added": Double(report.candidatesAdded),
                "sources_fetched": Double(report.sourcesFetched), "sources_failed": Double(report.sourcesFailed),
            ])
    }

    public func runCycle() async throws -> Report {
        var report = Report()
        let state = try archive.state(service: Self.service)
        let start = state[Self.positionKey].flatMap { Int64($0) } ?? 0
        report.position = start
        var found: [RelayURL] = []
        var seen = Set<String>()
        while report.eventsScanned < settings.maxEventsPerCycle {
            try Task.checkCancellation()
            let limit = min(settings.batchSize, settings.maxEventsPerCycle - report.eventsScanned)
            let batch = try archive.events(after: report.position, limit: limit)
            guard let last = batch.last else { break }
            for (_, event) in batch {
                for url in RelayURLExtractor.urls(in: event, allowLoopback: network.allowLoopback) where seen.insert(url.url).inserted {
                    found.append(url)
                }
            }
            report.eventsScanned += batch.count
            report.position = last.position
            if batch.count < limit { break }
        }
        report.urlsFromEvents = found.count
        report.sourcesTotal = settings.sources.count
        let now = Int64(Date().timeIntervalSince1970)
        var updates: [ServiceStateUpdate] = []
        if report.position != start {
            updates.append(ServiceStateUpdate(service: Self.service, key: Self.positionKey, value: String(report.position), updatedAt: now))
        }
        for source in settings.sources {
            let key = "source:\(source.url)"
            guard (state[key].flatMap { Int64($0) } ?? .min) <= now - source.cooldown else { continue }
            try Task.checkCancellation()
            updates.append(ServiceStateUpdate(service: Self.service, key: key, value: String(now), updatedAt: now))
            do {
                let body = try await HTTPFetch.get(source.url, timeout: source.timeout, maxBytes: source.maxBytes)
                let document = try JSONValue(parsing: body)
                for text in HTTPSource.strings(in: document, path: source.path) {
                    if let url = try? RelayURL(text, allowLoopback: network.allowLoopback), seen.insert(url.url).inserted { found.append(url) }
                }
                report.sourcesFetched += 1
            } catch {
                report.sourcesFailed += 1
                logger.warning("source failed", metadata: ["source": "\(source.url)", "error": "\(error)"])
            }
        }
        report.urlsFound = found.count
        report.urlsFromSources = found.count - report.urlsFromEvents
        guard !updates.isEmpty else { return report }
        report.candidatesAdded = try await CandidateStore(archive: archive).add(found, at: now, alsoCommit: updates)
        return report
    }
}
