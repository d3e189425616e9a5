import GRDB
public import Nostr

/// What brotr knows of one relay (`relay_state`), each field written by one stage.
public struct RelayState: Sendable, Hashable {
    /// The Synchronizer's cursor: every event of the relay up to this second is archived.
    /// nil: never synced.
    public var syncThrough: Int64?
    /// What the Synchronizer learned of how the relay pages.
    public var quirks = RelayQuirks()
    /// Set by the Validator: the relay answered only once certificate checks were off, and
    /// is reached that way.
    public var insecure = false
    /// The monitor's last check of the relay, Unix seconds; nil: never checked.
    public var checkedAt: Int64?
    /// Whether the relay speaks NIP-77, as the monitor found; nil: not known.
    public var nip77: Bool?
    /// The monitor's checks of the relay that failed in a row (no check answered).
    public var checkFailures = 0

    public init() {}
}

/// A change to a relay's state, by the stage that owns the fields it sets. Committed in the
/// same transaction as the batch it comes with (``EventBatch``, ``ArchiveWriter/addRelays``).
public enum RelayStateUpdate: Sendable, Hashable {
    /// The Synchronizer archived the relay's events through `through` and learned `quirks`.
    case synced(relay: String, through: Int64, quirks: RelayQuirks)
    /// The Validator found the relay answers only without certificate checks (or again with).
    case insecure(relay: String, Bool)
    /// The Monitor checked the relay at `at` (Unix seconds), found whether it speaks NIP-77
    /// (nil: not probed this time, what was known stays), and counts `failures` checks in a
    /// row that found it down (0: it answered).
    case checked(relay: String, at: Int64, nip77: Bool?, failures: Int)
    /// The Synchronizer found that the relay does (or does not) answer NIP-77
    /// reconciliation: what the Monitor's probe records too, learned the other way.
    case negentropy(relay: String, Bool)
    /// The operator asked for the relay's events from `since` on to be verified again: the
    /// cursor moves back before `since` (never forward), what was learned of paging stays.
    case rewound(relay: String, since: Int64)

    var relay: String {
        switch self {
        case .synced(let relay, _, _), .insecure(let relay, _), .checked(let relay, _, _, _), .negentropy(let relay, _),
            .rewound(let relay, _):
            relay
        }
    }
}

extension IndexWriter {
    /// Applies a relay state change. The relay must be known (its record comes first).
    func apply(_ update: RelayStateUpdate) throws {
        guard let relay = try relayID(update.relay) else {
            throw ArchiveError(.inconsistent, "state for relay \(update.relay), which the archive does not hold")
        }
        switch update {
        case .synced(_, let through, let q):
            try db.cachedStatement(sql: """
                INSERT INTO relay_state (relay, sync_through, until_exclusive, page_cap, confirmed_page, ignores_limit, unordered, requires_auth)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (relay) DO UPDATE SET sync_through = excluded.sync_through, until_exclusive = excluded.until_exclusive,
                    page_cap = excluded.page_cap, confirmed_page = excluded.confirmed_page, ignores_limit = excluded.ignores_limit,
                    unordered = excluded.unordered, requires_auth = excluded.requires_auth
                """).execute(arguments: [relay, through, q.untilExclusive, q.pageCap, q.confirmedPage, q.ignoresLimit, q.unordered, q.requiresAuth])
        case .insecure(_, let insecure):
            try db.cachedStatement(sql: """
                INSERT INTO relay_state (relay, insecure) VALUES (?, ?) ON CONFLICT (relay) DO UPDATE SET insecure = excluded.insecure
                """).execute(arguments: [relay, insecure])
        case .checked(_, let at, let nip77, let failures):
            try db.cachedStatement(sql: """
                INSERT INTO relay_state (relay, checked_at, nip77, check_failures) VALUES (?, ?, ?, ?)
                ON CONFLICT (relay) DO UPDATE SET checked_at = excluded.checked_at, nip77 = COALESCE(excluded.nip77, nip77),
                    check_failures = excluded.check_failures
                """).execute(arguments: [relay, at, nip77, failures])
        case .negentropy(_, let supported):
            try db.cachedStatement(sql: """
                INSERT INTO relay_state (relay, nip77) VALUES (?, ?) ON CONFLICT (relay) DO UPDATE SET nip77 = excluded.nip77
                """).execute(arguments: [relay, supported])
        case .rewound(_, let since):
            try db.cachedStatement(sql: """
                UPDATE relay_state SET sync_through = MIN(sync_through, ?) WHERE relay = ?
                """).execute(arguments: [since - 1, relay])
        }
    }
}

extension Archive {
    /// The state of every relay that has any, by URL.
    public func relayStates() throws -> [String: RelayState] {
        try Archive.wrap {
            try pool.read { db in
                var states: [String: RelayState] = [:]
                for row in try Row.fetchAll(db, sql: """
                    SELECT r.url, s.* FROM relay_state s JOIN relay r ON r.id = s.relay
                    """)
                {
                    states[row["url"]] = RelayState(row)
                }
                return states
            }
        }
    }
}

extension RelayState {
    init(_ row: Row) {
        syncThrough = row["sync_through"]
        quirks = RelayQuirks(
            untilExclusive: row["until_exclusive"], pageCap: row["page_cap"], confirmedPage: row["confirmed_page"],
            ignoresLimit: row["ignores_limit"], unordered: row["unordered"], requiresAuth: row["requires_auth"])
        insecure = row["insecure"]
        checkedAt = row["checked_at"]
        nip77 = row["nip77"]
        checkFailures = (row["check_failures"] as Int?) ?? 0
    }
}
