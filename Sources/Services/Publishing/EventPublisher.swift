public import Nostr
public import Probes
public import Transport

/// Sends events to relays and waits for each relay's OK, the way a client publishes:
/// every relay at once, each over one connection with all the events sent before the
/// first OK is awaited. Never throws: a relay that cannot be reached, or does not answer
/// in time, is tried again by the retry policy and then reported failed.
public enum EventPublisher {
    /// What one relay did with the events.
    public struct Outcome: Sendable {
        public var relay: RelayURL
        /// The events it accepted (OK true, a duplicate included).
        public var accepted: [EventID] = []
        /// The events it refused, with its message.
        public var rejected: [(id: EventID, message: String)] = []
        /// Why the relay could not be published to (unreachable, no OK in time), or nil.
        public var failure: String?
    }

    /// Publishes `events` to each of `relays`. `timeout` bounds the connection and each
    /// wait for an OK.
    public static func publish(
        _ events: [Event], to relays: [RelayURL], timeout: Duration, retry: RetryPolicy, network: NetworkConfiguration
    ) async -> [Outcome] {
        guard !events.isEmpty else { return [] }
        return await withTaskGroup(of: Outcome.self) { group in
            for relay in relays {
                let options = network.options(ConnectionOptions(connectTimeout: timeout, readTimeout: timeout), for: relay)
                group.addTask {
                    let result = await retry.run { await send(events, to: relay, options: options) }
                    var outcome = result.value ?? Outcome(relay: relay)
                    outcome.failure = result.success ? nil : result.reason
                    return outcome
                }
            }
            var outcomes: [Outcome] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.relay.url < $1.relay.url }
        }
    }

    /// One try: connect, send every event, collect the OKs.
    static func send(_ events: [Event], to relay: RelayURL, options: ConnectionOptions) async -> ProbeResult<Outcome> {
        var outcome = Outcome(relay: relay)
        do {
            try await RelayConnection.withConnection(to: relay, options: options) { connection in
                for event in events { try await connection.send(.event(event)) }
                var waiting = Set(events.map(\.id))
                // Bounded: every message the relay sends counts, whatever it is.
                for _ in 0..<(events.count * 4 + 64) where !waiting.isEmpty {
                    guard case .message(.ok(let id, let ok, let text), _) = try await connection.receive(), waiting.remove(id) != nil else { continue }
                    if ok { outcome.accepted.append(id) } else { outcome.rejected.append((id, text)) }
                }
                if !waiting.isEmpty { throw TransportError(.protocolError, "no OK for \(waiting.count) of \(events.count) events") }
            }
        } catch {
            return .failure("\(error)", value: outcome)
        }
        return .success(outcome)
    }
}
