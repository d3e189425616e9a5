import Archive
import Foundation
import Logging
import Nostr
import Transport

extension Synchronizer {
    /// How one relay's sync ended.
    enum Outcome: String {
        /// Reached the end time.
        case synced
        /// Stopped by the time budget; the next cycle continues.
        case partial
        /// A connection, protocol or archive failure; finished windows are kept.
        case failed
    }

    /// Syncs one relay from its cursor to `end`. Never throws: a failure is counted, and
    /// the windows finished before it are kept.
    nonisolated func sync(_ relay: RelayURL, cursor: Int64?, quirks: RelayQuirks, insecure: Bool = false, end: Int64) async -> SynchronizerReport {
        var report = SynchronizerReport()
        let since = max(settings.start, (cursor ?? settings.start - 1) + 1)
        guard since <= end else {
            report.relaysSynced = 1
            return report
        }
        var (connectionOptions, streamOptions) = settings.settings(for: relay)
        // The Validator found it valid only with certificate checks off: keep them off.
        if insecure { connectionOptions.allowInsecure = true }
        let deadline = ContinuousClock.now + settings.relayBudget
        var pending: [Event] = []
        var through: Int64?
        var learned = quirks
        var outcome = Outcome.synced
        do {
            try await RelayConnection.withConnection(to: relay, options: connectionOptions) { connection in
                let stream = try WindowedStream(
                    connection: connection, filters: settings.filters, since: since, until: end, options: streamOptions, quirks: quirks)
                defer {
                    learned = stream.quirks
                    report.stream = stream.statistics
                    report.bytesReceived = connection.bytesReceived
                }
                while let window = try await stream.next() {
                    pending += window.events
                    through = window.through
                    if pending.count >= settings.batchSize {
                        try await flush(&pending, relay: relay, through: through, quirks: stream.quirks, into: &report)
                    }
                    if ContinuousClock.now >= deadline, window.through < end {
                        outcome = .partial
                        break
                    }
                }
            }
        } catch {
            outcome = .failed
            report.failures[relay.url] = "\(error)"
        }
        // Windows finished before a failure are complete: keep them.
        do {
            try await flush(&pending, relay: relay, through: through, quirks: learned, into: &report, force: true)
        } catch {
            outcome = .failed
            report.failures[relay.url] = "archive write failed: \(error)"
        }
        switch outcome {
        case .synced: report.relaysSynced = 1
        case .partial: report.relaysPartial = 1
        case .failed: report.relaysFailed = 1
        }
        logger.info(
            "relay synced",
            metadata: [
                "relay": "\(relay.url)", "outcome": "\(outcome.rawValue)", "new": "\(report.eventsNew)",
                "duplicate": "\(report.eventsDuplicate)", "invalid": "\(report.stream.invalid)",
                "requests": "\(report.stream.requests)", "through": "\(through.map(String.init) ?? "-")",
                "error": "\(report.failures[relay.url] ?? "")",
            ])
        return report
    }

    /// Writes the pending events with the cursor at `through`, in one archive transaction.
    private nonisolated func flush(
        _ pending: inout [Event], relay: RelayURL, through: Int64?, quirks: RelayQuirks, into report: inout SynchronizerReport,
        force: Bool = false
    ) async throws {
        guard let through, !pending.isEmpty || force else { return }
        let now = Int64(Date().timeIntervalSince1970)
        let batch = EventBatch(
            events: pending, relay: relay, seenAt: now, relayUpdates: [.synced(relay: relay.url, through: through, quirks: quirks)])
        let result = try await writer.write(batch)
        report.eventsNew += result.new
        report.eventsDuplicate += result.duplicates
        pending.removeAll(keepingCapacity: true)
    }
}
