import Archive
public import Nostr

/// A NIP-90 job request for a table query (kind 5050), read as BigBrotr's DVM reads it:
/// `["param", name, value]` tags `table`, `limit`, `offset`, `sort` and `filter`
/// (`"col=op:value,col2=value"`), a `["bid", millisats]` tag, the relays to answer on
/// (`["relays", url, ...]`) and the providers addressed (`p` tags).
public struct DVMJob: Sendable {
    public let request: Event
    public let table: String
    /// The query parameters in the REST API's form (`limit`, `offset`, `sort`, columns).
    public let parameters: [(name: String, value: String)]
    /// What the customer offers, millisats; nil when the request has no bid.
    public let bid: Int64?
    /// Where the customer wants the answer (the `relays` tag), as given.
    public let relays: [String]
    /// The providers the request is for; empty: any.
    public let providers: [String]

    /// A request that cannot be run, with a message safe to send back in a 7000 error.
    public struct Invalid: Error, Sendable, Equatable {
        public let message: String
    }

    /// The most `param` and `relays` values read from one request.
    static let maxValues = 64

    public init(_ request: Event) throws(Invalid) {
        self.request = request
        var table: String?
        var parameters: [(String, String)] = []
        var bid: Int64?
        var relays: [String] = []
        var providers: [String] = []
        for tag in request.tags {
            guard let name = tag.first else { continue }
            switch name {
            case "param":
                guard tag.count >= 3 else { throw Invalid(message: "a param tag needs a name and a value") }
                let (key, value) = (tag[1], tag[2])
                switch key {
                case "table": table = value
                case "limit", "offset", "sort": parameters.append((key, value))
                case "filter":
                    for part in value.split(separator: ",", omittingEmptySubsequences: true) {
                        guard let equals = part.firstIndex(of: "=") else {
                            throw Invalid(message: "Invalid filter: \(AnalyticsQuery.clip(part)) (expected col=value or col=op:value)")
                        }
                        let column = part[..<equals].trimmingSpaces, condition = part[part.index(after: equals)...].trimmingSpaces
                        guard !column.isEmpty else { throw Invalid(message: "Invalid filter: \(AnalyticsQuery.clip(part))") }
                        parameters.append((column, condition))
                    }
                default: throw Invalid(message: "Unknown param: \(AnalyticsQuery.clip(key)) (known: table, limit, offset, filter, sort)")
                }
                guard parameters.count <= Self.maxValues else { throw Invalid(message: "Too many parameters") }
            case "bid":
                guard tag.count >= 2, let amount = Int64(tag[1]), amount >= 0 else { throw Invalid(message: "Invalid bid: expected millisats") }
                bid = amount
            case "relays":
                relays += tag.dropFirst().prefix(Self.maxValues)
            case "p":
                if tag.count >= 2 { providers.append(tag[1]) }
            default:
                continue
            }
        }
        guard let table else { throw Invalid(message: "Missing param: table") }
        self.table = table
        self.parameters = parameters
        self.bid = bid
        self.relays = Array(relays.prefix(Self.maxValues))
        self.providers = providers
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
