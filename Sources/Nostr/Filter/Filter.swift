/// A NIP-01 subscription filter.
///
/// Conditions combine with AND; values inside one condition with OR. `since` and `until`
/// are both inclusive. An empty list matches nothing. Tag conditions are keyed by a single
/// ASCII letter (`#e`, `#p`, `#t`) and match an event that has a tag with that name whose
/// first value is in the set.
///
/// See [NIP-01](https://github.com/nostr-protocol/nips/blob/master/01.md).
public struct Filter: Sendable, Hashable {
    public let ids: Set<EventID>?
    public let authors: Set<PublicKey>?
    public let kinds: Set<UInt16>?
    /// Tag conditions by single-letter tag name.
    public let tags: [String: Set<String>]
    public let since: Int64?
    public let until: Int64?
    public let limit: Int?
    /// NIP-50 full-text search, passed to relays as is; ``matches(_:)`` ignores it.
    public let search: String?

    /// Bounds on untrusted filters.
    public struct Limits: Sendable, Hashable {
        /// The most values in one list (ids, authors, kinds, one tag).
        public var maxValues: Int
        /// The longest tag value, in bytes.
        public var maxTagValueBytes: Int
        /// The largest `limit`.
        public var maxLimit: Int
        /// The longest `search` string, in bytes.
        public var maxSearchBytes: Int

        public init(maxValues: Int = 10_000, maxTagValueBytes: Int = 4096, maxLimit: Int = 1_000_000, maxSearchBytes: Int = 1024) {
            self.maxValues = maxValues
            self.maxTagValueBytes = maxTagValueBytes
            self.maxLimit = maxLimit
            self.maxSearchBytes = maxSearchBytes
        }
    }

    /// Creates a filter.
    /// - Throws: ``NostrError`` with code `invalidFilter` when a tag name is not one ASCII
    ///   letter, a list or value exceeds `limits`, or a time or limit is negative.
    public init(
        ids: Set<EventID>? = nil, authors: Set<PublicKey>? = nil, kinds: Set<UInt16>? = nil,
        tags: [String: Set<String>] = [:], since: Int64? = nil, until: Int64? = nil, limit: Int? = nil,
        search: String? = nil, limits: Limits = Limits()
    ) throws {
        func tooMany(_ field: String, _ count: Int) throws {
            if count > limits.maxValues {
                throw NostrError(.invalidFilter, field: field, "has \(count) values, more than \(limits.maxValues)")
            }
        }
        try tooMany("ids", ids?.count ?? 0)
        try tooMany("authors", authors?.count ?? 0)
        try tooMany("kinds", kinds?.count ?? 0)
        for (name, values) in tags {
            guard Filter.isTagName(name) else {
                throw NostrError(.invalidFilter, field: "#\(name.prefix(20))", "tag filters take a single letter a-z or A-Z")
            }
            try tooMany("#\(name)", values.count)
            if let long = values.first(where: { $0.utf8.count > limits.maxTagValueBytes }) {
                throw NostrError(.invalidFilter, field: "#\(name)", "a value of \(long.utf8.count) bytes exceeds \(limits.maxTagValueBytes)")
            }
        }
        if let since, since < 0 { throw NostrError(.invalidFilter, field: "since", "must not be negative") }
        if let until, until < 0 { throw NostrError(.invalidFilter, field: "until", "must not be negative") }
        if let search, search.utf8.count > limits.maxSearchBytes {
            throw NostrError(.invalidFilter, field: "search", "is \(search.utf8.count) bytes, more than \(limits.maxSearchBytes)")
        }
        if let limit, !(0...limits.maxLimit).contains(limit) {
            throw NostrError(.invalidFilter, field: "limit", "must be in 0...\(limits.maxLimit)")
        }
        self.ids = ids
        self.authors = authors
        self.kinds = kinds
        self.tags = tags
        self.since = since
        self.until = until
        self.limit = limit
        self.search = search
    }

    /// Whether `name` can name a tag in a filter: one ASCII letter.
    public static func isTagName(_ name: String) -> Bool {
        guard name.utf8.count == 1, let c = name.utf8.first else { return false }
        return (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
    }

    /// A copy with other time bounds and limit (the synchronizer's windows).
    public func with(since: Int64?, until: Int64?, limit: Int?) throws -> Filter {
        try Filter(ids: ids, authors: authors, kinds: kinds, tags: tags, since: since, until: until, limit: limit, search: search)
    }

    /// Whether `event` satisfies every condition (`limit` and `search` aside).
    public func matches(_ event: some SignedEvent) -> Bool {
        if let ids, !ids.contains(event.id) { return false }
        if let authors, !authors.contains(event.pubkey) { return false }
        if let kinds, !kinds.contains(event.kind) { return false }
        if let since, event.createdAt < since { return false }
        if let until, event.createdAt > until { return false }
        for (name, values) in tags where !event.hasTag(named: name, valueIn: values) { return false }
        return true
    }
}
