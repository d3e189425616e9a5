import Nostr
import Transport

/// Does a URL lead to a Nostr relay? A REQ with limit 1 answered by EOSE, an AUTH
/// challenge, or a CLOSED "auth-required" says yes. Never throws: the answer carries the
/// reason, as BigBrotr's checks do.
enum RelayCheck {
    struct Result: Sendable, Equatable {
        var valid: Bool
        var reason: String
        /// The transport failure, when there was one.
        var failure: TransportError.Code?
        /// Valid only once TLS verification was turned off.
        var insecure = false
    }

    static func run(_ relay: RelayURL, settings: ValidatorSettings) async -> Result {
        let first = await attempt(relay, options: settings.connection(for: relay, insecure: false))
        guard first.failure == .tlsFailed, settings.allowInsecureFallback else { return first }
        var second = await attempt(relay, options: settings.connection(for: relay, insecure: true))
        second.insecure = second.valid
        return second
    }

    private static func attempt(_ relay: RelayURL, options: ConnectionOptions) async -> Result {
        do {
            return try await RelayConnection.withConnection(to: relay, options: options) { connection in
                let subscription = try SubscriptionID("brotr-check")
                try await connection.send(.req(subscription, [try Filter(limit: 1)]))
                // A relay may send its one event, notices, or garbage first: a bounded read.
                for _ in 0..<64 {
                    guard case .message(let message, _) = try await connection.receive() else { continue }
                    switch message {
                    case .eose: return Result(valid: true, reason: "EOSE")
                    case .auth: return Result(valid: true, reason: "AUTH challenge")
                    case .closed(_, let text) where text.hasPrefix("auth-required"): return Result(valid: true, reason: "CLOSED auth-required")
                    case .closed(_, let text): return Result(valid: false, reason: "CLOSED: \(text)")
                    default: continue
                    }
                }
                return Result(valid: false, reason: "no EOSE within 64 messages")
            }
        } catch let error as TransportError {
            return Result(valid: false, reason: error.description, failure: error.code)
        } catch {
            return Result(valid: false, reason: "\(error)")
        }
    }
}
