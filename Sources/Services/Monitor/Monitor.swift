public import Archive
import Foundation
public import Logging
public import Nostr
import Probes
import ServiceLifecycle
public import Transport

/// Checks the relays the archive knows and publishes what it finds (BigBrotr's Monitor).
///
/// Each cycle takes the relays that are due, least recently checked first: never checked,
/// or checked `checkInterval` ago, longer for a relay that was down (`maxBackoff`). It
/// runs every enabled check on several at once within the per-network limits
/// (``RelayInspection``) and, `chunkSize` relays at a time as their checks end, records
/// the results through the archive (documents by content, one snapshot per check, the
/// check time and failure count in the relay's state, in one transaction), then publishes
/// one kind 30166 per relay that answered. Kinds 10166, 0 and 10002 go out on their own
/// intervals. Every published event is archived too, seen at each relay that accepted it.
///
/// A missing GeoIP file turns the geo or net check off until the file is there, which is
/// said when it happens, never a failed cycle. Without a monitor key, the write probe is
/// not run, AUTH challenges are not answered, and nothing is published; this is said once,
/// when the Monitor is made.
public actor Monitor: CycleStage {
    public nonisolated let stage = Stage.monitor
    public static let service = "monitor"

    /// What one cycle did.
    public struct Report: Sendable {
        /// Relays that were due this cycle.
        public var due = 0
        /// Relays checked, those found up and those found down.
        public var checked = 0
        public var succeeded = 0
        public var failed = 0
        /// Per check: passed and failed.
        public var checkSucceeded: [MonitorCheck: Int] = [:]
        public var checkFailed: [MonitorCheck: Int] = [:]
        /// Metadata documents the archive did not hold before, and snapshot rows written.
        public var newDocuments = 0
        public var snapshots = 0
        /// Events accepted by at least one publish relay, and events no relay accepted.
        public var published = 0
        public var publishFailed = 0
    }

    let archive: Archive
    let settings: MonitorSettings
    let network: NetworkConfiguration
    let key: SecretKey?
    let logger: Logger
    /// The GeoIP files, opened (and reopened when replaced) as lookups need them.
    let city: MaxMindDatabase?
    let asn: MaxMindDatabase?
    /// Which GeoIP files were missing at the last look, so that a change is said once.
    var missingGeoIP: Set<String> = []

    public init(archive: Archive, settings: MonitorSettings, network: NetworkConfiguration, key: SecretKey?, logger: Logger) {
        var settings = settings
        // The system's resolver is read from /etc/resolv.conf once, not for every relay.
        if settings.dnsServer == nil { settings.dnsServer = .system() }
        self.archive = archive
        self.settings = settings
        self.network = network
        self.key = key
        self.logger = logger
        city = settings.policy(.geo) != nil && !settings.geoipCity.isEmpty ? MaxMindDatabase(path: settings.geoipCity) : nil
        asn = settings.policy(.net) != nil && !settings.geoipASN.isEmpty ? MaxMindDatabase(path: settings.geoipASN) : nil
        // A missing GeoIP file is said by the first cycle's look (`availableGeoIP`), at start-up.
        if key == nil {
            logger.notice("no monitor key (BROTR_MONITOR_KEY or monitor.key_file): the write probe is off, AUTH challenges go unanswered, nothing is published")
        } else if settings.publishing.relays.isEmpty {
            logger.notice("no monitor.publish_relays: results are archived, not published")
        }
    }

    public func cycle() async throws -> CycleFigures {
        let r = try await runCycle()
        var counters: [String: Double] = [
            "checked": Double(r.checked), "documents_new": Double(r.newDocuments), "snapshots": Double(r.snapshots),
            "published": Double(r.published), "publish_failed": Double(r.publishFailed),
        ]
        for check in MonitorCheck.allCases {
            counters["check_\(check.rawValue)_succeeded"] = Double(r.checkSucceeded[check] ?? 0)
            counters["check_\(check.rawValue)_failed"] = Double(r.checkFailed[check] ?? 0)
        }
        // BigBrotr's dashboard reads total, succeeded and failed as gauges of the last cycle.
        return CycleFigures(gauges: ["total": Double(r.due), "succeeded": Double(r.succeeded), "failed": Double(r.failed)], counters: counters)
    }

    /// The relays due at `now`, least recently checked first (never checked before all).
    public func dueRelays(at now: Int64) throws -> [(relay: RelayURL, state: RelayState)] {
        let states = try archive.relayStates()
        var due: [(relay: RelayURL, state: RelayState)] = []
        for row in try archive.relays() {
            guard let relay = try? RelayURL(row.url, allowLoopback: network.allowLoopback) else { continue }
            let state = states[relay.url] ?? RelayState()
            if let checkedAt = state.checkedAt, settings.nextCheck(after: checkedAt, failures: state.checkFailures) > now { continue }
            due.append((relay, state))
        }
        due.sort { ($0.state.checkedAt ?? .min, $0.relay.url) < ($1.state.checkedAt ?? .min, $1.relay.url) }
        return Array(due.prefix(settings.maxPerCycle))
    }

    public func runCycle() async throws -> Report {
        guard let writer = archive.writer else { throw StageError.readOnlyArchive }
        let now = Int64(Date().timeIntervalSince1970)
        let due = try dueRelays(at: now)
        var report = Report()
        report.due = due.count
        try await publishScheduled(writer: writer, at: now, report: &report)
        let limits = NetworkLimits(total: settings.concurrency, perNetwork: settings.networkConcurrency)
        let geoip = availableGeoIP()
        let (settings, network, key) = (settings, network, key)
        // Results are recorded `chunkSize` at a time as checks end: a slow relay holds up
        // nothing but its own result.
        var finished: [(RelayInspection, RelayState)] = []
        try await limits.forEach(due, network: { $0.relay.network }) { item -> (RelayInspection, RelayState)? in
            // On shutdown, no new relay is started: those stay due, and the cycle ends with
            // what is under way, well within the grace period.
            guard !Task.isShuttingDownGracefully else { return nil }
            var options = network.options(settings.connection, for: item.relay)
            if item.state.insecure { options.allowInsecure = true }
            let inspection = await RelayInspection.run(
                item.relay, at: Int64(Date().timeIntervalSince1970), settings: settings, key: key, options: options, geoip: geoip)
            return (inspection, item.state)
        } collect: { (result: (RelayInspection, RelayState)?) async throws in
            // A check cut short by a stop is no finding: that relay stays due.
            guard let result, !Task.isCancelled else { return }
            finished.append(result)
            if finished.count >= max(1, settings.chunkSize) {
                let chunk = finished
                finished.removeAll()
                try await record(chunk, writer: writer, report: &report)
            }
        }
        if !finished.isEmpty, !Task.isCancelled { try await record(finished, writer: writer, report: &report) }
        logger.info(
            "monitor cycle",
            metadata: [
                "due": "\(report.due)", "checked": "\(report.checked)", "succeeded": "\(report.succeeded)", "failed": "\(report.failed)",
                "documents_new": "\(report.newDocuments)", "published": "\(report.published)", "publish_failed": "\(report.publishFailed)",
            ])
        return report
    }

    /// The GeoIP files there are now; one that appeared or went away is said once.
    private func availableGeoIP() -> RelayInspection.GeoDatabases {
        var databases = RelayInspection.GeoDatabases()
        for (database, isCity) in [(city, true), (asn, false)] {
            guard let database else { continue }
            if database.isAvailable {
                if missingGeoIP.remove(database.path) != nil { logger.notice("GeoIP database found at \(database.path): its check is on") }
                if isCity { databases.city = database } else { databases.asn = database }
            } else if missingGeoIP.insert(database.path).inserted {
                logger.notice("no GeoIP database at \(database.path): its check is off until the file is there")
            }
        }
        return databases
    }

    /// Records one chunk's results, then publishes its kind 30166 events.
    private func record(_ inspections: [(RelayInspection, RelayState)], writer: ArchiveWriter, report: inout Report) async throws {
        var snapshots: [RelayMetadataSnapshot] = []
        var updates: [RelayStateUpdate] = []
        var discoveries: [Event] = []
        let now = Int64(Date().timeIntervalSince1970)
        for (inspection, state) in inspections {
            report.checked += 1
            let up = inspection.answered
            if up { report.succeeded += 1 } else { report.failed += 1 }
            for (check, success) in inspection.outcomes {
                if success { report.checkSucceeded[check, default: 0] += 1 } else { report.checkFailed[check, default: 0] += 1 }
            }
            snapshots += try inspection.snapshots()
            updates.append(
                .checked(relay: inspection.relay.url, at: inspection.checkedAt, nip77: inspection.speaksNIP77, failures: up ? 0 : state.checkFailures + 1))
            if up, settings.publishing.discovery, let key, !settings.publishing.relays.isEmpty {
                discoveries.append(try MonitorEvents.discovery(inspection, key: key, at: now))
            }
            logger.debug(
                "relay checked",
                metadata: [
                    "relay": "\(inspection.relay.url)", "up": "\(up)",
                    "checks": "\(inspection.outcomes.map { "\($0.check.rawValue)=\($0.success ? "ok" : "failed")" }.joined(separator: ","))",
                ])
        }
        let written = try await writer.recordMetadata(snapshots, relayUpdates: updates)
        report.newDocuments += written.newDocuments
        report.snapshots += written.snapshots
        try await publish(discoveries, writer: writer, report: &report)
    }

    /// Publishes kinds 10166, 0 and 10002 when each is due: its last publication that a
    /// relay accepted is kept as the Monitor's service state (`published:NAME`).
    private func publishScheduled(writer: ArchiveWriter, at now: Int64, report: inout Report) async throws {
        let publishing = settings.publishing
        guard let key, !publishing.relays.isEmpty else { return }
        let last = try archive.state(service: Self.service)
        func due(_ name: String, every interval: Int64) -> Bool {
            guard let at = last["published:\(name)"].flatMap({ Int64($0) }) else { return true }
            return at + interval <= now
        }
        var events: [(name: String, event: Event)] = []
        if due("announcement", every: publishing.announcementInterval) {
            let networks = RelayNetwork.allCases.filter { $0 != .loopback || network.allowLoopback }
                .filter { !$0.isOverlay || network.proxies[$0] != nil }
            // The checks that run: geo and net only with their files there.
            let geoip = availableGeoIP()
            let checks = settings.enabledChecks.filter { ($0 != .geo || geoip.city != nil) && ($0 != .net || geoip.asn != nil) }
            events.append(("announcement", try MonitorEvents.announcement(settings, checks: checks, networks: networks, key: key, at: now)))
        }
        if due("profile", every: publishing.profileInterval) {
            events.append(("profile", try MonitorEvents.profile(publishing.profile, key: key, at: now)))
        }
        if due("relay_list", every: publishing.relayListInterval) {
            events.append(("relay_list", try MonitorEvents.relayList(publishing.relays, key: key, at: now)))
        }
        guard !events.isEmpty else { return }
        let published = try await publish(events.map(\.event), writer: writer, report: &report)
        let done = events.filter { published.contains($0.event.id) }.map {
            ServiceStateUpdate(service: Self.service, key: "published:\($0.name)", value: String(now), updatedAt: now)
        }
        if !done.isEmpty { try await writer.setState(done) }
    }

    /// Publishes `events` to the publish relays and archives them, each seen at every
    /// relay that accepted it. Returns the ids at least one relay accepted.
    @discardableResult
    private func publish(_ events: [Event], writer: ArchiveWriter, report: inout Report) async throws -> Set<EventID> {
        guard !events.isEmpty else { return [] }
        let publishing = settings.publishing
        let outcomes = await EventPublisher.publish(
            events, to: publishing.relays, timeout: publishing.timeout, retry: publishing.retry, network: network)
        var accepted = Set<EventID>()
        let pipeline = IngestPipeline(writer: writer, parallelism: 1)
        let now = Int64(Date().timeIntervalSince1970)
        for outcome in outcomes {
            if let failure = outcome.failure {
                logger.warning("publishing failed", metadata: ["relay": "\(outcome.relay.url)", "reason": "\(failure)"])
            }
            for rejection in outcome.rejected.prefix(3) {
                logger.warning("event refused", metadata: ["relay": "\(outcome.relay.url)", "id": "\(rejection.id.hex)", "message": "\(rejection.message)"])
            }
            let ids = Set(outcome.accepted)
            guard !ids.isEmpty else { continue }
            accepted.formUnion(ids)
            let packed = try events.filter { ids.contains($0.id) }.map { try PackedEvent(json: $0.jsonBytes) }
            _ = try await pipeline.submit(IngestBatch(.packed(packed), relay: outcome.relay, seenAt: now))
        }
        _ = try await pipeline.finish()
        report.published += accepted.count
        report.publishFailed += events.count - accepted.count
        return accepted
    }
}
