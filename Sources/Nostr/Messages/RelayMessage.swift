/// A message from a relay to a client (NIP-01, NIP-42, NIP-45, NIP-77).
///
/// Decoding never traps: anything that is not one of these messages, well-formed, is a
/// ``NostrError`` (`malformedJSON`, `invalidMessage`, or `invalidEvent` for the event
/// inside an `EVENT`). The event's id and signature are not checked here; see
/// ``Event/verify()``.
public enum RelayMessage: Sendable, Hashable {
    /// `["EVENT", <sub>, <event>]`
    case event(subscription: String, Event)
    /// `["OK", <event id>, <accepted>, <message>]`
    case ok(eventID: EventID, accepted: Bool, message: String)
    /// `["EOSE", <sub>]`: stored events are done; live ones may follow.
    case eose(subscription: String)
    /// `["CLOSED", <sub>, <message>]`: the relay ended the subscription.
    case closed(subscription: String, message: String)
    /// `["NOTICE", <message>]`
    case notice(String)
    /// `["AUTH", <challenge>]`: NIP-42.
    case auth(challenge: String)
    /// `["COUNT", <sub>, {"count": n, "approximate": bool}]`: NIP-45.
    case count(subscription: String, count: Int64, approximate: Bool)
    /// `["NEG-MSG", <sub>, <hex>]`: a NIP-77 reconciliation message (the hex is not checked here).
    case negMessage(subscription: String, hex: String)
    /// `["NEG-ERR", <sub>, <reason>]`: the relay refused or ended a NIP-77 reconciliation.
    case negError(subscription: String, reason: String)

    /// Decodes one relay message from JSON text.
    public init(json: String) throws {
        var copy = json
        self = try copy.withUTF8 { try RelayMessage(jsonUTF8: UnsafeRawBufferPointer($0)) }
    }

    /// Decodes one relay message from UTF-8 bytes.
    public init(json bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try RelayMessage(jsonUTF8: $0) }
    }

    /// Decodes one relay message from UTF-8 bytes, without copying them.
    public init(jsonUTF8 buffer: UnsafeRawBufferPointer) throws {
        switch try Self.decode(buffer, readEvent: Event.read) {
        case .event(let subscription, let event): self = .event(subscription: subscription, event)
        case .message(let message): self = message
        }
    }

    /// Decodes a relay message, reading the event of an `EVENT` with `readEvent`: every
    /// other message is a ``RelayMessage``.
    static func decode<E>(
        _ buffer: UnsafeRawBufferPointer, readEvent: (inout JSONScanner) throws -> E
    ) throws -> PackedRelayMessage.Decoded<E> {
        var s = JSONScanner(buffer)
        func fail(_ message: String) -> NostrError { NostrError(.invalidMessage, message) }
        func string(_ what: String) throws -> String {
            guard s.peek() == UInt8(ascii: "\"") else { throw fail("\(what) must be a string") }
            return try s.readString()
        }
        func end(_ type: String) throws {
            guard s.consume(UInt8(ascii: "]")) else { throw fail("\(type): expected ']' after the last element") }
            try s.expectEnd()
        }
        func next(_ what: String) throws {
            guard s.consume(UInt8(ascii: ",")) else { throw fail("missing \(what)") }
        }
        guard s.consume(UInt8(ascii: "[")) else { throw fail("a relay message must be a JSON array") }
        guard s.peek() == UInt8(ascii: "\"") else { throw fail("the first element must be the message type") }
        let type = try s.readString()
        let message: RelayMessage
        switch type {
        case "EVENT":
            try next("subscription id")
            let sub = try string("subscription id")
            try next("event")
            let event = try readEvent(&s)
            try end("EVENT")
            return .event(subscription: sub, event)
        case "OK":
            try next("event id")
            guard s.peek() == UInt8(ascii: "\""), let id = try s.withString({ Bytes32(hexUTF8: $0) }) else {
                throw fail("OK: the event id must be 64 lowercase hex digits")
            }
            try next("accepted flag")
            let accepted: Bool
            switch try s.readValue(depth: 1) {
            case .bool(let b): accepted = b
            default: throw fail("OK: the accepted flag must be true or false")
            }
            // Some relays omit the message; NIP-01 requires it, but nothing is lost by allowing that.
            let text = s.consume(UInt8(ascii: ",")) ? try string("OK message") : ""
            message = .ok(eventID: EventID(storage: id), accepted: accepted, message: text)
        case "EOSE":
            try next("subscription id")
            message = .eose(subscription: try string("subscription id"))
        case "CLOSED":
            try next("subscription id")
            let sub = try string("subscription id")
            let text = s.consume(UInt8(ascii: ",")) ? try string("CLOSED message") : ""
            message = .closed(subscription: sub, message: text)
        case "NOTICE":
            try next("message")
            message = .notice(try string("NOTICE message"))
        case "AUTH":
            try next("challenge")
            message = .auth(challenge: try string("AUTH challenge"))
        case "COUNT":
            try next("subscription id")
            let sub = try string("subscription id")
            try next("count object")
            guard case .object(let obj) = try s.readValue(depth: 1), case .number(let n)? = obj["count"],
                let count = n.int64Value, count >= 0
            else { throw fail("COUNT: expected {\"count\": <non-negative integer>}") }
            var approximate = false
            if case .bool(let b)? = obj["approximate"] { approximate = b }
            message = .count(subscription: sub, count: count, approximate: approximate)
        case "NEG-MSG":
            try next("subscription id")
            let sub = try string("subscription id")
            try next("message")
            message = .negMessage(subscription: sub, hex: try string("NEG-MSG message"))
        case "NEG-ERR":
            try next("subscription id")
            let sub = try string("subscription id")
            try next("reason")
            message = .negError(subscription: sub, reason: try string("NEG-ERR reason"))
        default:
            throw fail("unknown relay message type '\(type.prefix(32))'")
        }
        try end(type)
        return .message(message)
    }
}

/// A relay message whose event, for an `EVENT`, stays a ``PackedEvent``: what a client
/// that streams many events reads, building no `String` per tag.
public enum PackedRelayMessage: Sendable {
    /// `["EVENT", <sub>, <event>]`
    case event(subscription: String, PackedEvent)
    /// Any other message.
    case message(RelayMessage)

    /// A decoded message, its event of type `E`.
    enum Decoded<E> {
        case event(subscription: String, E)
        case message(RelayMessage)
    }

    /// Decodes one relay message from UTF-8 bytes, without copying them.
    public init(jsonUTF8 buffer: UnsafeRawBufferPointer) throws {
        switch try RelayMessage.decode(buffer, readEvent: PackedEvent.read) {
        case .event(let subscription, let event): self = .event(subscription: subscription, event)
        case .message(let message): self = .message(message)
        }
    }
}
