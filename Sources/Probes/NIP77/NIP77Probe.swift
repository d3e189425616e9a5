public import Nostr
public import Transport

/// Does the relay really answer NIP-77's NEG-OPEN? Relays list 77 in their NIP-11
/// document with negentropy turned off, and others answer with a NOTICE: only asking
/// tells. Never throws.
///
/// The probe opens a reconciliation of an empty set over a filter no relay stores
/// anything for (the ephemeral kind 22456), the cheapest question a relay can answer.
public enum NIP77Probe {
    /// What the relay did with the NEG-OPEN.
    public enum Answer: Sendable, Hashable {
        /// It answered with NEG-MSG.
        case supported
        /// It answered NEG-ERR, CLOSED or NOTICE, with this text.
        case refused(String)
        /// It said nothing within the timeout.
        case silent
    }

    /// NIP-77's initial message for an empty set, protocol version 1: the version byte,
    /// then one range up to infinity (timestamp 0, no id prefix) in IdList mode with no ids.
    public static let emptySetMessage = "6100000200"

    /// Sends a NEG-OPEN to `relay` and waits up to `timeout` for its answer.
    public static func run(_ relay: RelayURL, timeout: Duration = .seconds(10), options: ConnectionOptions) async -> ProbeResult<Answer> {
        var options = options
        options.readTimeout = timeout
        do {
            return try await RelayConnection.withConnection(to: relay, options: options) { connection in
                let sub = try SubscriptionID("brotr-nip77")
                try await connection.send(.negOpen(sub, try Filter(kinds: [22456]), hex: emptySetMessage))
                for _ in 0..<64 {
                    let received: RelayConnection.Received
                    do { received = try await connection.receive() } catch let error as TransportError where error.code == .readTimeout {
                        return .success(.silent)
                    }
                    guard case .message(let message, _) = received else { continue }
                    switch message {
                    case .negMessage(let s, _) where s == sub.value:
                        try? await connection.send(.negClose(sub))
                        return .success(.supported)
                    case .negError(let s, let reason) where s == sub.value: return .success(.refused(reason))
                    case .closed(let s, let text) where s == sub.value: return .success(.refused(text))
                    case .notice(let text): return .success(.refused(text))
                    default: continue
                    }
                }
                return .success(.silent)
            }
        } catch {
            return .failure("\(error)")
        }
    }

    /// The record of a result (type `nip77_negentropy`): `data` holds `answer` (supported,
    /// refused or silent) and the relay's `message` for a refusal.
    public static func metadata(_ result: ProbeResult<Answer>) throws -> Metadata {
        try result.metadata(.nip77Negentropy) { answer in
            switch answer {
            case .supported: ["answer": .string("supported")]
            case .refused(let text): ["answer": .string("refused"), "message": .string(text)]
            case .silent: ["answer": .string("silent")]
            }
        }
    }
}
