public import Archive
import Foundation
public import Logging
import Nostr
import Probes
public import Transport

/// Checks candidate relays and promotes the ones that speak Nostr (BigBrotr's Validator).
///
/// Each cycle takes the candidates that are due (never tried, or last tried `cooldown`
/// ago), fewest failures first and then oldest, checks several at once with per-network
/// limits, and commits the outcome: a valid relay becomes a relay record (in a segment and
/// the index) and stops being a candidate in the same transaction; a failure is counted,
/// and a candidate that failed `maxFailures` times is dropped. A relay valid only with
/// certificate checks off (`allowInsecureFallback`) is marked so for the Synchronizer.
public actor Validator: CycleStage {
    public nonisolated let stage = Stage.validator

    public struct Report: Sendable, Equatable {
        public var checked = 0
        public var promoted = 0
        public var failed = 0
        public var dropped = 0
        /// Candidates left after the cycle.
        public var remaining = 0
    }

    let archive: Archive
    let settings: ValidatorSettings
    /// Which relays are admitted, and how overlay networks are reached.
    let network: NetworkConfiguration
    let logger: Logger

    public init(archive: Archive, settings: ValidatorSettings, network: NetworkConfiguration, logger: Logger) {
        self.archive = archive
        self.settings = settings
        self.network = network
        self.logger = logger
    }

    public func cycle() async throws -> CycleFigures {
        let r = try await runCycle()
        return CycleFigures(
            // total, validated and not_validated: BigBrotr's dashboard reads the last cycle's.
            gauges: [
                "candidates": Double(r.remaining), "total": Double(r.checked), "validated": Double(r.promoted),
                "not_validated": Double(r.checked - r.promoted),
            ],
            counters: ["checked": Double(r.checked), "promoted": Double(r.promoted), "failed": Double(r.failed), "dropped": Double(r.dropped)])
    }

    public func runCycle() async throws -> Report {
        guard let writer = archive.writer else { throw StageError.readOnlyArchive }
        let store = CandidateStore(archive: archive)
        let now = Int64(Date().timeIntervalSince1970)
        let all = try store.all()
        let due = all.filter { ($0.lastAttempt ?? .min) <= now - settings.cooldown }
            .sorted { ($0.failures, $0.lastAttempt ?? $0.discoveredAt, $0.url) < ($1.failures, $1.lastAttempt ?? $1.discoveredAt, $1.url) }
            .prefix(settings.maxPerCycle)
        var report = Report()
        var updates: [ServiceStateUpdate] = []
        var relayUpdates: [RelayStateUpdate] = []
        var promoted: [RelayURL] = []
        var dropped = Set<String>()
        let limits = NetworkLimits(total: settings.concurrency, perNetwork: settings.networkConcurrency)
        let (network, checkSettings) = (network, settings)
        await limits.forEach(Array(due), network: { RelayNetwork(rawValue: $0.network) ?? .clearnet }) { candidate in
            // Not a relay URL under the current settings (loopback turned off, say).
            guard let url = try? RelayURL(candidate.url, allowLoopback: network.allowLoopback) else {
                return (candidate, nil, ProbeResult<RelayCheck.Answer>.failure("not an admissible relay URL"))
            }
            let options = network.options(checkSettings.connection, for: url)
            return (candidate, url, await RelayCheck.run(url, options: options, insecureFallback: checkSettings.allowInsecureFallback))
        } collect: { (outcome: (candidate: Candidate, url: RelayURL?, result: ProbeResult<RelayCheck.Answer>)) in
            let (candidate, url, result) = outcome
            report.checked += 1
            if let answer = result.value, result.success, let url {
                promoted.append(url)
                updates.append(CandidateStore.update(candidate, remove: true, at: now))
                if answer.insecure {
                    // Recorded for the Synchronizer, which then connects the same way.
                    relayUpdates.append(.insecure(relay: url.url, true))
                }
                logger.debug("relay valid", metadata: ["relay": "\(candidate.url)", "reason": "\(answer.sign)", "insecure": "\(answer.insecure)"])
            } else {
                var next = candidate
                next.failures += 1
                next.lastAttempt = now
                let drop = next.failures >= settings.maxFailures
                if drop { dropped.insert(candidate.url) }
                updates.append(CandidateStore.update(next, remove: drop, at: now))
                logger.debug("relay invalid", metadata: ["relay": "\(candidate.url)", "reason": "\(result.reason ?? "")", "failures": "\(next.failures)"])
            }
        }
        if !updates.isEmpty {
            try await writer.addRelays(promoted, discoveredAt: now, stateUpdates: updates, relayUpdates: relayUpdates)
        }
        report.promoted = promoted.count
        report.dropped = dropped.count
        report.failed = report.checked - report.promoted
        report.remaining = all.count - report.promoted - report.dropped
        return report
    }
}
