/// What brotr has learned about how one relay bends NIP-01. Kept in the relay's state in
/// the index, so the next cycle starts informed; every field starts unknown and is learned
/// from what the relay does, never from what it claims.
public struct RelayQuirks: Sendable, Hashable {
    /// Whether `until` is exclusive (nostr-relay) rather than inclusive; nil until tested.
    public var untilExclusive: Bool?
    /// The most events the relay was seen to return for one REQ when more existed.
    public var pageCap: Int?
    /// The largest page that a probe confirmed complete; smaller pages are trusted.
    public var confirmedPage: Int
    /// The relay sent more events than the `limit` asked for.
    public var ignoresLimit: Bool
    /// The relay sent a page out of newest-first order.
    public var unordered: Bool
    /// The relay demanded NIP-42 AUTH.
    public var requiresAuth: Bool

    public init(
        untilExclusive: Bool? = nil, pageCap: Int? = nil, confirmedPage: Int = 0, ignoresLimit: Bool = false,
        unordered: Bool = false, requiresAuth: Bool = false
    ) {
        self.untilExclusive = untilExclusive
        self.pageCap = pageCap
        self.confirmedPage = confirmedPage
        self.ignoresLimit = ignoresLimit
        self.unordered = unordered
        self.requiresAuth = requiresAuth
    }
}
