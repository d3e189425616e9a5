import Archive
import Foundation
import Nostr
import Transport

extension Synchronizer {
    /// The most windows one relay's reconciliation is split into (a relay that refuses
    /// large windows, `blocked: too many query results`, gets halves, then quarters...).
    static let maxNegentropyWindows = 64

    /// Reconciles the relay's events from `since` to `end` with what the archive saw there
    /// (NIP-77), records an observation for each event the relay holds that the archive
    /// has from elsewhere, and fetches the rest by id in batches of `idBatch`, all through
    /// `ingest`, the last batch carrying the cursor at `end`.
    ///
    /// Returns the ingest outcomes, and the reason to fall back to windows when the
    /// reconciliation could not finish; the cursor then stays where it was. A relay found
    /// not to speak NIP-77 is remembered (relay_state.nip77), so the next cycles go
    /// straight to windows.
    nonisolated func reconcile(
        _ relay: RelayURL, connection: RelayConnection, since: Int64, end: Int64, quirks: RelayQuirks, ingest: IngestPipeline,
        report: inout SynchronizerReport
    ) async throws -> ([IngestOutcome], NegentropySession.Failure?) {
        // Earliest window last, so that it is taken first.
        var windows: [(since: Int64, until: Int64)] = [(since, end)]
        var windowCount = 1
        var need: [EventID] = []
        while let window = windows.popLast() {
            let set = NegentropySet(try archive.negentropyItems(relay: relay.url, since: window.since, until: window.until))
            let filter = try Filter(since: window.since, until: window.until)
            // Rounds grow with the differences over the frame size, slowly: 1,000 is far
            // past any real reconciliation, and ends one that never agrees.
            switch await NegentropySession.run(connection, filter: filter, set: set, frameLimit: settings.negentropyFrameLimit, maxRounds: 1000) {
            case .success(let outcome):
                need += outcome.need
                report.negentropyWindows += 1
                report.negentropyMessages += outcome.messages
            case .failure(.refused(let reason)) where reason.hasPrefix("blocked") && window.until > window.since && windowCount < Self.maxNegentropyWindows:
                let middle = window.since + (window.until - window.since) / 2
                windows.append((middle + 1, window.until))
                windows.append((window.since, middle))
                windowCount += 1
            case .failure(let failure):
                switch failure {
                case .unsupported, .version, .silent:
                    try await writer.addRelays([], discoveredAt: 0, relayUpdates: [.negentropy(relay: relay.url, false)])
                default: break
                }
                return ([], failure)
            }
        }
        let now = Int64(Date().timeIntervalSince1970)
        let missing = try await writer.observe(need, relay: relay, seenAt: now)
        report.negentropyObserved += need.count - missing.count
        var outcomes: [IngestOutcome] = []
        var fetched: [PackedEvent] = []
        var start = 0
        while start < missing.count {
            let batch = Array(missing[start..<min(missing.count, start + settings.idBatch)])
            start += batch.count
            let events: [Event]
            do {
                events = try await fetch(batch, connection: connection, subscription: try SubscriptionID("ids-\(start)"))
            } catch let failure as NegentropySession.Failure {
                return (outcomes, failure)
            }
            if events.count < batch.count {
                return (outcomes, .malformed("the relay reconciled \(batch.count) ids of a batch but served \(events.count)"))
            }
            fetched += try events.map { try PackedEvent(json: $0.jsonBytes) }
            report.negentropyFetched += events.count
            report.stream.requests += 1
            report.stream.received += events.count
            if fetched.count >= settings.batchSize {
                outcomes += try await ingest.submit(IngestBatch(.packed(fetched), relay: relay, seenAt: now))
                fetched = []
            }
        }
        outcomes += try await ingest.submit(
            IngestBatch(.packed(fetched), relay: relay, seenAt: now, relayUpdates: [.synced(relay: relay.url, through: end, quirks: quirks)]))
        return (outcomes, nil)
    }

    /// The events among `ids` the relay serves (one REQ, read to its EOSE); anything else
    /// it sends is ignored.
    /// - Throws: ``NegentropySession/Failure/refused(_:)`` when the relay closes the REQ.
    /// Each fetch has a subscription of its own: some relays close an ids-only REQ of
    /// their own accord after its EOSE, and that CLOSED must not end the next one.
    nonisolated func fetch(_ ids: [EventID], connection: RelayConnection, subscription: SubscriptionID) async throws -> [Event] {
        try await connection.send(.req(subscription, [try Filter(ids: Set(ids))]))
        let wanted = Set(ids)
        var events: [EventID: Event] = [:]
        for _ in 0..<(ids.count * 2 + 16) {
            guard case .message(let message, _) = try await connection.receive() else { continue }
            switch message {
            case .event(let id, let event) where id == subscription.value:
                if wanted.contains(event.id) { events[event.id] = event }
            case .eose(let id) where id == subscription.value:
                try await connection.send(.close(subscription))
                return Array(events.values)
            case .closed(let id, let reason) where id == subscription.value:
                throw NegentropySession.Failure.refused("REQ by id closed: \(reason)")
            default:
                continue
            }
        }
        return Array(events.values)
    }
}
