extension Synchronizer: CycleStage {
    public nonisolated var stage: Stage { .synchronizer }

    public func cycle() async throws -> CycleFigures {
        let r = try await runCycle()
        return CycleFigures(
            gauges: ["relays_synced": Double(r.relaysSynced), "relays_failed": Double(r.relaysFailed), "relays_partial": Double(r.relaysPartial)],
            counters: [
                "events_new": Double(r.eventsNew), "events_duplicate": Double(r.eventsDuplicate),
                "events_invalid": Double(r.eventsInvalid), "bytes_received": Double(r.bytesReceived),
                "negentropy_windows": Double(r.negentropyWindows), "negentropy_fetched": Double(r.negentropyFetched),
                "negentropy_observed": Double(r.negentropyObserved), "negentropy_messages": Double(r.negentropyMessages),
            ].merging(r.negentropyFallbacks.map { ("negentropy_fallback_\($0.key)", Double($0.value)) }) { a, _ in a })
    }
}
