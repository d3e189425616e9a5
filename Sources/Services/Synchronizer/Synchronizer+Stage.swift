import Transport

extension Synchronizer: CycleStage {
    public nonisolated var stage: Stage { .synchronizer }

    public func cycle() async throws -> CycleFigures {
        let r = try await runCycle()
        return CycleFigures(
            // total_relays, relays_seen and events_seen: BigBrotr's dashboard reads the last cycle's.
            gauges: [
                "relays_synced": Double(r.relaysSynced), "relays_failed": Double(r.relaysFailed), "relays_partial": Double(r.relaysPartial),
                "total_relays": Double(r.relaysTotal), "relays_seen": Double(r.relaysSynced + r.relaysFailed + r.relaysPartial),
                "events_seen": Double(r.stream.received),
            ],
            counters: [
                "events_new": Double(r.eventsNew), "events_duplicate": Double(r.eventsDuplicate),
                "events_invalid": Double(r.eventsInvalid), "bytes_received": Double(r.bytesReceived),
                "negentropy_windows": Double(r.negentropyWindows), "negentropy_fetched": Double(r.negentropyFetched),
                "negentropy_observed": Double(r.negentropyObserved), "negentropy_messages": Double(r.negentropyMessages),
            ].merging(r.negentropyFallbacks.map { ("negentropy_fallback_\($0.key)", Double($0.value)) }) { a, _ in a })
    }
}
