public import Nostr

/// One NIP-77 reconciliation over an open connection, as the initiator: NEG-OPEN with the
/// filter and the first message, NEG-MSG back and forth until the sets agree, NEG-CLOSE.
/// It ends with what the relay lacks (`have`) and what it holds that this side lacks
/// (`need`), or with a ``Failure`` that says why windowed sync must take over.
public enum NegentropySession {
    /// What a finished reconciliation learned.
    public struct Outcome: Sendable {
        public var have: [EventID] = []
        public var need: [EventID] = []
        /// Messages exchanged (NEG-OPEN and NEG-MSG sent, NEG-MSG received).
        public var messages = 0
        /// Bytes of NEG-MSG payload received (hex, as on the wire).
        public var bytesReceived = 0
    }

    /// Why a reconciliation did not finish. Each is a reason to fall back to windows.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// NEG-ERR from the relay (`blocked: too many query results`, `closed: ...`).
        case refused(String)
        /// The relay said NOTICE or CLOSED instead: it does not speak NIP-77 here.
        case unsupported(String)
        /// The relay answered with another protocol version.
        case version(String)
        /// A message that does not parse, or more rounds than `maxRounds`.
        case malformed(String)
        /// No answer within the read timeout.
        case silent(String)
        /// The connection broke.
        case transport(String)

        public var description: String {
            switch self {
            case .refused(let s): "NEG-ERR: \(s)"
            case .unsupported(let s): "no NIP-77: \(s)"
            case .version(let s): "version: \(s)"
            case .malformed(let s): "malformed: \(s)"
            case .silent(let s): "silence: \(s)"
            case .transport(let s): "transport: \(s)"
            }
        }

        /// A short name for metrics (`fallback_<reason>`).
        public var reason: String {
            switch self {
            case .refused: "refused"
            case .unsupported: "unsupported"
            case .version: "version"
            case .malformed: "malformed"
            case .silent: "silence"
            case .transport: "transport"
            }
        }
    }

    /// Runs a reconciliation of `set` against the relay's events matching `filter`.
    /// Waits are bounded by the connection's read timeout; `maxRounds` bounds a responder
    /// that never converges.
    public static func run(
        _ connection: RelayConnection, filter: Filter, set: NegentropySet, frameLimit: Int, maxRounds: Int = 10_000
    ) async -> Result<Outcome, Failure> {
        let reconciler: NegentropyReconciler
        let subscription: SubscriptionID
        do {
            reconciler = try NegentropyReconciler(set: set, frameLimit: frameLimit)
            subscription = try SubscriptionID("neg")
        } catch {
            return .failure(.malformed("\(error)"))
        }
        var outcome = Outcome()
        do {
            try await connection.send(.negOpen(subscription, filter, hex: Hex.encode(reconciler.initiate())))
            outcome.messages += 1
            for _ in 0..<maxRounds {
                guard let answer = try await nextMessage(connection, subscription) else { continue }
                switch answer {
                case .message(let hex):
                    outcome.messages += 1
                    outcome.bytesReceived += hex.utf8.count
                    guard let bytes = Hex.decode(hex) else { return .failure(.malformed("NEG-MSG is not lowercase hex")) }
                    let next: [UInt8]?
                    do {
                        next = try reconciler.reconcile(bytes, have: &outcome.have, need: &outcome.need)
                    } catch let error as NostrError {
                        if bytes.first != NegentropyMessage.version, bytes.count == 1 { return .failure(.version(error.message)) }
                        return .failure(.malformed(error.message))
                    }
                    guard let next else {
                        try? await connection.send(.negClose(subscription))
                        return .success(outcome)
                    }
                    try await connection.send(.negMessage(subscription, hex: Hex.encode(next)))
                    outcome.messages += 1
                case .failure(let failure):
                    return .failure(failure)
                }
            }
            return .failure(.malformed("no agreement after \(maxRounds) rounds"))
        } catch let error as TransportError where error.code == .readTimeout {
            return .failure(.silent(error.message))
        } catch {
            return .failure(.transport("\(error)"))
        }
    }

    private enum Answer {
        case message(String)
        case failure(Failure)
    }

    /// The next message about `subscription`; nil for anything else the relay says.
    private static func nextMessage(_ connection: RelayConnection, _ subscription: SubscriptionID) async throws -> Answer? {
        switch try await connection.receive() {
        case .malformed(let reason):
            return .failure(.malformed(reason))
        case .message(let message, _):
            switch message {
            case .negMessage(let id, let hex) where id == subscription.value: return .message(hex)
            case .negError(let id, let reason) where id == subscription.value: return .failure(.refused(reason))
            case .closed(let id, let reason) where id == subscription.value: return .failure(.unsupported("CLOSED: \(reason)"))
            case .notice(let text): return .failure(.unsupported("NOTICE: \(text)"))
            default: return nil
            }
        }
    }
}
