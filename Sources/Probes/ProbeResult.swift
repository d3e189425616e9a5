public import Nostr

/// The outcome of a health check against a relay.
///
/// Probes never throw on relay misbehaviour: a relay that times out, sends garbage or
/// refuses TLS produces a result with `success == false` and a reason, plus the log lines
/// the probe gathered, like BigBrotr's never-raising factories.
public struct ProbeResult<Value: Sendable>: Sendable {
    /// The measured data, when the probe got any.
    public let value: Value?
    /// Whether the check passed.
    public let success: Bool
    /// Why it failed, or nil.
    public let reason: String?
    /// What the probe saw, in order.
    public let logs: [String]
    /// Whether trying again may give another answer: false when the relay did answer,
    /// only not as the check hoped (a web server with no NIP-11 document, say).
    public let retryable: Bool

    /// A passed check.
    public static func success(_ value: Value, logs: [String] = []) -> ProbeResult {
        ProbeResult(value: value, success: true, reason: nil, logs: logs, retryable: false)
    }

    /// A failed check, with whatever partial data was gathered.
    public static func failure(_ reason: String, value: Value? = nil, logs: [String] = [], retryable: Bool = true) -> ProbeResult {
        ProbeResult(value: value, success: false, reason: reason, logs: logs, retryable: retryable)
    }

    /// The same result with `lines` logged before its own.
    public func logged(before lines: [String]) -> ProbeResult {
        ProbeResult(value: value, success: success, reason: reason, logs: lines + logs, retryable: retryable)
    }
}

extension ProbeResult {
    /// The content-addressed record of a result, shaped as BigBrotr stores its checks:
    /// `{"data": {...}, "logs": {"success": ..., "reason": ...}}`, `data` left out when the
    /// probe got none.
    public func metadata(_ type: MetadataType, data: (Value) -> [String: JSONValue]) throws -> Metadata {
        var logs: [String: JSONValue] = ["success": .bool(success)]
        if let reason { logs["reason"] = .string(reason) }
        var document: [String: JSONValue] = ["logs": .object(logs)]
        if let value { document["data"] = .object(data(value)) }
        return try Metadata(type: type, document: document)
    }
}
