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
    ///
    /// Windows go into the archive through an ``IngestPipeline``: each finished window is
    /// verified and encoded on every core before the next is fetched, so a batch is
    /// gathered encoded (verifying while fetching would hold one more window and save a
    /// tenth of the time); one batch is written while the next is gathered, and the stream
    /// waits when the archive falls behind, so a relay that sends faster than the archive
    /// writes is slowed, not buffered.
    /// With `negentropy`, the relay is reconciled first (NIP-77), and what is missing
    /// fetched by id; the windows take over from where that could not finish.
    nonisolated func sync(
        _ relay: RelayURL, cursor: Int64?, quirks: RelayQuirks, insecure: Bool = false, negentropy: Bool = false, end: Int64
    ) async -> SynchronizerReport {
        var report = SynchronizerReport()
        let since = max(settings.start, (cursor ?? settings.start - 1) + 1)
        guard since <= end else {
            report.relaysSynced = 1
            return report
        }
        var (connectionOptions, streamOptions) = settings.settings(for: relay, network: network)
        // The Validator found it valid only with certificate checks off: keep them off.
        if insecure { connectionOptions.allowInsecure = true }
        // Ids and signatures are checked by the pipeline, on every core.
        streamOptions.verifies = false
        let deadline = ContinuousClock.now + settings.relayBudget
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let ingest = IngestPipeline(writer: writer, parallelism: cores, depth: 1)
        var pending = PendingWindows()
        var learned = quirks
        var outcome = Outcome.synced
        var through: Int64?
        func take(_ outcomes: [IngestOutcome]) {
            for o in outcomes {
                report.eventsNew += o.result.new
                report.eventsDuplicate += o.result.duplicates
                report.eventsInvalid += o.rejected.count
                for case .synced(_, let durable, _) in o.relayUpdates { through = durable }
            }
        }
        // NIP-77 first, on a connection of its own: a relay that stays silent is dropped by
        // the negentropy timeout, and the windows then start on a fresh connection.
        var reconciled = false
        if negentropy {
            var fallback: NegentropySession.Failure?
            var options = connectionOptions
            options.readTimeout = min(options.readTimeout, settings.negentropyTimeout)
            do {
                try await RelayConnection.withConnection(to: relay, options: options) { connection in
                    defer { report.bytesReceived += connection.bytesReceived }
                    let (done, failure) = try await reconcile(relay, connection: connection, since: since, end: end, quirks: quirks, ingest: ingest, report: &report)
                    take(done)
                    fallback = failure
                }
            } catch {
                fallback = .transport("\(error)")
            }
            if let fallback {
                report.negentropyFallbacks[fallback.reason, default: 0] += 1
                logger.notice("negentropy fell back to windows", metadata: ["relay": "\(relay.url)", "reason": "\(fallback)"])
            } else {
                reconciled = true
            }
        }
        do {
            if !reconciled {
                try await RelayConnection.withConnection(to: relay, options: connectionOptions) { connection in
                    let stream = try WindowedStream(
                        connection: connection, filters: settings.filters, since: since, until: end, options: streamOptions, quirks: quirks)
                    defer {
                        learned = stream.quirks
                        report.stream = stream.statistics
                        report.bytesReceived += connection.bytesReceived
                    }
                    while let window = try await stream.next() {
                        pending.add(await IngestPipeline.prepare(.packed(window.events), parallelism: cores), through: window.through)
                        if pending.events.count >= settings.batchSize || pending.bytes >= settings.batchBytes {
                            take(try await ingest.submit(pending.batch(relay: relay, quirks: stream.quirks)))
                        }
                        if ContinuousClock.now >= deadline, window.through < end {
                            outcome = .partial
                            break
                        }
                    }
                }
            }
        } catch {
            outcome = .failed
            report.failures[relay.url] = "\(error)"
        }
        // Windows finished before a failure are complete: keep them.
        do {
            if pending.through != nil { take(try await ingest.submit(pending.batch(relay: relay, quirks: learned))) }
            take(try await ingest.finish())
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
                "duplicate": "\(report.eventsDuplicate)", "invalid": "\(report.eventsInvalid)",
                "requests": "\(report.stream.requests)", "through": "\(through.map(String.init) ?? "-")",
                "error": "\(report.failures[relay.url] ?? "")",
            ])
        return report
    }
}

/// Finished windows, verified and encoded, not yet handed to the archive.
private struct PendingWindows {
    var prepared = PreparedEvents()
    var bytes = 0
    /// The last second the windows cover.
    var through: Int64?

    var events: [PreparedEvent] { prepared.events }

    mutating func add(_ window: PreparedEvents, through: Int64) {
        prepared.append(window)
        bytes += window.byteCount
        self.through = through
    }

    /// The pending events as one batch, with the relay's cursor at their last second; empties.
    mutating func batch(relay: RelayURL, quirks: RelayQuirks) -> IngestBatch {
        defer { self = PendingWindows() }
        let now = Int64(Date().timeIntervalSince1970)
        return IngestBatch(
            .prepared(prepared), relay: relay, seenAt: now, relayUpdates: through.map { [.synced(relay: relay.url, through: $0, quirks: quirks)] } ?? [])
    }
}
