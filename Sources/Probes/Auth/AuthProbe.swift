import Foundation
public import Nostr
public import Transport

/// NIP-42 as a relay practises it: does it send an AUTH challenge (on connecting, or on
/// a REQ), and does it take the monitor key's signed answer? Never throws.
public enum AuthProbe {
    public struct Answer: Sendable, Hashable {
        /// The relay sent a challenge.
        public var challenged: Bool
        /// Whether it said OK true to the signed answer; nil when not challenged or no key.
        public var accepted: Bool?
        /// The relay's OK message for a refused answer.
        public var message: String?

        public init(challenged: Bool, accepted: Bool? = nil, message: String? = nil) {
            self.challenged = challenged
            self.accepted = accepted
            self.message = message
        }
    }

    /// Connects, sends a limit-1 REQ and looks for a challenge until the REQ is answered;
    /// answers a challenge with a kind 22242 event signed by `key`.
    public static func run(_ relay: RelayURL, key: SecretKey?, timeout: Duration = .seconds(10), options: ConnectionOptions) async -> ProbeResult<Answer> {
        var options = options
        options.readTimeout = timeout
        do {
            return try await RelayConnection.withConnection(to: relay, options: options) { connection in
                let sub = try SubscriptionID("brotr-auth")
                try await connection.send(.req(sub, [try Filter(limit: 1)]))
                var challenge: String?
                var answered = false
                for _ in 0..<64 {
                    guard case .message(let message, _) = try await connection.receive() else { continue }
                    switch message {
                    case .auth(let text): challenge = challenge ?? text
                    case .eose(let s) where s == sub.value, .closed(let s, _) where s == sub.value: answered = true
                    default: break
                    }
                    if challenge != nil || answered { break }
                }
                guard let challenge else { return .success(Answer(challenged: false)) }
                guard let key else { return .success(Answer(challenged: true)) }
                let event = try Event.sign(
                    kind: 22242, tags: [["relay", relay.url], ["challenge", challenge]], content: "",
                    createdAt: Int64(Date().timeIntervalSince1970), with: key)
                try await connection.send(.auth(event))
                for _ in 0..<64 {
                    guard case .message(.ok(let id, let ok, let text), _) = try await connection.receive(), id == event.id else { continue }
                    return .success(Answer(challenged: true, accepted: ok, message: ok ? nil : text))
                }
                return .failure("no OK for the AUTH answer within 64 messages", value: Answer(challenged: true))
            }
        } catch {
            return .failure("\(error)")
        }
    }

    /// The record of a result (type `nip42_auth`): `data` holds `challenged`, and
    /// `accepted` and the relay's `message` when it was answered.
    public static func metadata(_ result: ProbeResult<Answer>) throws -> Metadata {
        try result.metadata(.nip42Auth) { answer in
            var data: [String: JSONValue] = ["challenged": .bool(answer.challenged)]
            if let accepted = answer.accepted { data["accepted"] = .bool(accepted) }
            if let message = answer.message { data["message"] = .string(message) }
            return data
        }
    }
}
