public import Nostr

/// The events the DVM signs: NIP-90 results (request kind + 1000) and feedback (7000), and
/// its NIP-89 handler announcement (31990).
public enum DVMEvents {
    public static let requestKind: UInt16 = 5050
    public static let resultKind: UInt16 = 6050
    public static let feedbackKind: UInt16 = 7000
    public static let announcementKind: UInt16 = 31990

    /// A job's result: the rows as JSON content, with the request itself (`request`), its
    /// id and its author (`e`, `p`), its inputs (`i`, as given), and the price paid
    /// (`amount`) when the table has one.
    public static func result(for request: Event, content: String, price: Int64, at time: Int64, key: SecretKey) throws -> Event {
        var tags: [[String]] = [["request", request.jsonText], ["e", request.id.hex], ["p", request.pubkey.hex]]
        tags += request.tags.filter { $0.first == "i" }
        if price > 0 { tags.append(["amount", String(price)]) }
        return try Event.sign(kind: resultKind, tags: tags, content: content, createdAt: time, with: key)
    }

    /// Feedback on a job: `status` one of processing, error, payment-required (with an
    /// `amount` tag), success, and a line of text.
    public static func feedback(
        for request: Event, status: String, message: String, amount: Int64? = nil, at time: Int64, key: SecretKey
    ) throws -> Event {
        var tags: [[String]] = [["status", status, message], ["e", request.id.hex], ["p", request.pubkey.hex]]
        if let amount { tags.append(["amount", String(amount)]) }
        return try Event.sign(kind: feedbackKind, tags: tags, content: "", createdAt: time, with: key)
    }

    /// The NIP-89 announcement: `d`, `k` 5050, and content `{name, about, tables}`.
    public static func announcement(dTag: String, name: String, about: String, tables: [String], at time: Int64, key: SecretKey) throws -> Event {
        let content: JSONValue = .object(["name": .string(name), "about": .string(about), "tables": .array(tables.map(JSONValue.string))])
        return try Event.sign(
            kind: announcementKind, tags: [["d", dTag], ["k", String(requestKind)]], content: content.jsonText, createdAt: time, with: key)
    }
}
