/// A message from a client to a relay (NIP-01, NIP-42, NIP-45, NIP-77).
public enum ClientMessage: Sendable, Hashable {
    /// `["REQ", <id>, <filter>...]`: subscribe.
    case req(SubscriptionID, [Filter])
    /// `["CLOSE", <id>]`: end a subscription.
    case close(SubscriptionID)
    /// `["EVENT", <event>]`: publish.
    case event(Event)
    /// `["AUTH", <event>]`: answer a NIP-42 challenge with a signed kind 22242 event.
    case auth(Event)
    /// `["COUNT", <id>, <filter>...]`: NIP-45 count.
    case count(SubscriptionID, [Filter])
    /// `["NEG-OPEN", <id>, <filter>, <hex>]`: start a NIP-77 reconciliation with an initial message.
    case negOpen(SubscriptionID, Filter, hex: String)
    /// `["NEG-MSG", <id>, <hex>]`: the next message of a NIP-77 reconciliation.
    case negMessage(SubscriptionID, hex: String)
    /// `["NEG-CLOSE", <id>]`: end a NIP-77 reconciliation.
    case negClose(SubscriptionID)

    /// The message as compact JSON text.
    public var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// The message as UTF-8 JSON.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        func head(_ type: String) { out.append(contentsOf: "[\"\(type)\",".utf8) }
        func sub(_ id: SubscriptionID) { JSONWriter.appendString(id.value, to: &out, style: .standard) }
        func filters(_ list: [Filter]) {
            for f in list {
                out.append(UInt8(ascii: ","))
                f.appendJSON(to: &out)
            }
        }
        switch self {
        case .req(let id, let list): head("REQ"); sub(id); filters(list)
        case .count(let id, let list): head("COUNT"); sub(id); filters(list)
        case .close(let id): head("CLOSE"); sub(id)
        case .event(let e): head("EVENT"); e.appendJSON(to: &out)
        case .auth(let e): head("AUTH"); e.appendJSON(to: &out)
        case .negOpen(let id, let filter, let hex):
            head("NEG-OPEN"); sub(id); filters([filter])
            out.append(UInt8(ascii: ","))
            JSONWriter.appendString(hex, to: &out, style: .standard)
        case .negMessage(let id, let hex):
            head("NEG-MSG"); sub(id)
            out.append(UInt8(ascii: ","))
            JSONWriter.appendString(hex, to: &out, style: .standard)
        case .negClose(let id): head("NEG-CLOSE"); sub(id)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
