public import Nostr
public import Transport

/// Does a URL lead to a Nostr relay? A REQ with limit 1 answered by EOSE, an AUTH
/// challenge, or a CLOSED "auth-required" says yes. The Validator's check before a
/// candidate becomes a relay. Never throws: a relay that refuses, stalls or sends garbage
/// gives a failed result with its reason.
public enum RelayCheck {
    /// How a relay showed that it speaks Nostr.
    public struct Answer: Sendable, Equatable {
        /// What it sent: "EOSE", "AUTH challenge" or "CLOSED auth-required".
        public var sign: String
        /// Whether it answered only once certificate checks were off.
        public var insecure: Bool

        public init(sign: String, insecure: Bool) {
            self.sign = sign
            self.insecure = insecure
        }
    }

    /// Checks `relay` with `options`. When TLS verification fails and `insecureFallback` is
    /// set, it checks again accepting any certificate, and an answer then is `insecure`.
    public static func run(_ relay: RelayURL, options: ConnectionOptions, insecureFallback: Bool) async -> ProbeResult<Answer> {
        let first = await attempt(relay, options: options)
        guard case .failure(let reason, let code) = first else { return first.result(insecure: false, logs: []) }
        guard code == .tlsFailed, insecureFallback else { return first.result(insecure: false, logs: []) }
        var insecure = options
        insecure.allowInsecure = true
        return await attempt(relay, options: insecure).result(insecure: true, logs: ["TLS verification failed (\(reason)); checked again without it"])
    }

    /// One attempt's outcome.
    private enum Outcome {
        case answered(String)
        case failure(String, TransportError.Code?)

        func result(insecure: Bool, logs: [String]) -> ProbeResult<Answer> {
            switch self {
            case .answered(let sign): .success(Answer(sign: sign, insecure: insecure), logs: logs)
            case .failure(let reason, _): .failure(reason, logs: logs)
            }
        }
    }

    private static func attempt(_ relay: RelayURL, options: ConnectionOptions) async -> Outcome {
        do {
            return try await RelayConnection.withConnection(to: relay, options: options) { connection in
                let subscription = try SubscriptionID("brotr-check")
                try await connection.send(.req(subscription, [try Filter(limit: 1)]))
                // A relay may send its one event, notices, or garbage first: a bounded read.
                for _ in 0..<64 {
                    guard case .message(let message, _) = try await connection.receive() else { continue }
                    switch message {
                    case .eose: return .answered("EOSE")
                    case .auth: return .answered("AUTH challenge")
                    case .closed(_, let text) where text.hasPrefix("auth-required"): return .answered("CLOSED auth-required")
                    case .closed(_, let text): return .failure("CLOSED: \(text)", nil)
                    default: continue
                    }
                }
                return .failure("no EOSE within 64 messages", nil)
            }
        } catch let error as TransportError {
            return .failure(error.description, error.code)
        } catch {
            return .failure("\(error)", nil)
        }
    }
}
