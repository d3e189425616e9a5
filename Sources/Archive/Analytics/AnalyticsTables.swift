/// The analytics tables as the REST API and the DVM serve them: for each, its columns in
/// order, their types as BigBrotr's schema endpoint names them (PostgreSQL's: `bigint`,
/// `text`, `bytea`, `numeric`, `date`, `jsonb`...), and its key. The storage behind each
/// type is SQLite's (schema/007-analytics.sql): bytea is a BLOB, numeric a REAL, date
/// TEXT `YYYY-MM-DD`, jsonb TEXT holding JSON. A test checks this catalogue against the
/// tables themselves.
public struct AnalyticsTable: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        public let name: String
        /// The type BigBrotr's API reports.
        public let type: String
        public let nullable: Bool
        /// Read from the event's record in the segments rather than stored in the table
        /// (tags, content, signature of the latest replaceable and addressable events):
        /// served, not filterable or sortable.
        public let fromSegment: Bool

        init(_ name: String, _ type: String, nullable: Bool = false, fromSegment: Bool = false) {
            self.name = name
            self.type = type
            self.nullable = nullable
            self.fromSegment = fromSegment
        }

        /// Whether values are hex text in requests and answers.
        public var isBinary: Bool { type == "bytea" }
        /// Whether values are whole numbers.
        public var isInteger: Bool { type == "bigint" || type == "integer" }
        /// Whether values are numbers with a fraction.
        public var isReal: Bool { type == "numeric" }
        /// Whether values are JSON.
        public var isJSON: Bool { type == "jsonb" || type == "text[]" }
    }

    public let name: String
    public let columns: [Column]
    public let primaryKey: [String]
    /// The stored column locating the event record of each row, for `fromSegment` columns.
    let eventColumn: String?

    init(_ name: String, _ columns: [Column], key: [String], eventColumn: String? = nil) {
        self.name = name
        self.columns = columns
        self.primaryKey = key
        self.eventColumn = eventColumn
    }

    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }

    /// The columns the table stores, in its order (those not read from segments, plus
    /// the event locator).
    var storedColumns: [String] {
        columns.filter { !$0.fromSegment }.map(\.name) + (eventColumn.map { [$0] } ?? [])
    }

    /// Whether rows carry columns read from the segments.
    public var readsSegments: Bool { eventColumn != nil }
}

public enum AnalyticsTables {
    private typealias C = AnalyticsTable.Column

    private static let eventColumns: [C] = [
        C("id", "bytea"), C("pubkey", "bytea"), C("created_at", "bigint"), C("kind", "integer"),
        C("tags", "jsonb", fromSegment: true), C("tagvalues", "text[]", fromSegment: true), C("content", "text", fromSegment: true),
        C("sig", "bytea", fromSegment: true),
    ]

    /// Every served table, BigBrotr's order first.
    public static let all: [AnalyticsTable] = [
        AnalyticsTable(
            "relay_metadata_latest",
            [C("relay_url", "text"), C("metadata_type", "text"), C("generated_at", "bigint"), C("metadata_id", "bytea"), C("data", "jsonb")],
            key: ["relay_url", "metadata_type"]),
        AnalyticsTable(
            "event_stats",
            [
                C("singleton_key", "integer"), C("event_count", "bigint"), C("unique_pubkeys", "bigint"), C("unique_kinds", "bigint"),
                C("earliest_event_timestamp", "bigint", nullable: true), C("latest_event_timestamp", "bigint", nullable: true),
                C("regular_event_count", "bigint"), C("replaceable_event_count", "bigint"), C("ephemeral_event_count", "bigint"),
                C("addressable_event_count", "bigint"), C("event_count_last_1h", "bigint"), C("event_count_last_24h", "bigint"),
                C("event_count_last_7d", "bigint"), C("event_count_last_30d", "bigint"), C("events_per_day", "numeric"),
            ], key: ["singleton_key"]),
        AnalyticsTable(
            "relay_stats",
            [
                C("relay_url", "text"), C("network", "text"), C("discovered_at", "bigint"),
                C("first_event_timestamp", "bigint", nullable: true), C("last_event_timestamp", "bigint", nullable: true),
                C("avg_rtt_open", "numeric", nullable: true), C("avg_rtt_read", "numeric", nullable: true),
                C("avg_rtt_write", "numeric", nullable: true), C("event_count", "bigint"), C("unique_pubkeys", "bigint"),
                C("unique_kinds", "bigint"), C("nip11_name", "text", nullable: true), C("nip11_software", "text", nullable: true),
                C("nip11_version", "text", nullable: true),
            ], key: ["relay_url"]),
        AnalyticsTable(
            "kind_counts", [C("kind", "integer"), C("event_count", "bigint"), C("unique_pubkeys", "bigint"), C("category", "text")],
            key: ["kind"]),
        AnalyticsTable(
            "kind_counts_by_relay",
            [C("kind", "integer"), C("relay_url", "text"), C("event_count", "bigint"), C("unique_pubkeys", "bigint")],
            key: ["kind", "relay_url"]),
        AnalyticsTable(
            "pubkey_counts",
            [
                C("pubkey", "text"), C("event_count", "bigint"), C("unique_kinds", "bigint"), C("first_event_timestamp", "bigint"),
                C("last_event_timestamp", "bigint"),
            ], key: ["pubkey"]),
        AnalyticsTable(
            "pubkey_counts_by_relay",
            [
                C("relay_url", "text"), C("pubkey", "text"), C("event_count", "bigint"), C("unique_kinds", "bigint"),
                C("first_event_timestamp", "bigint"), C("last_event_timestamp", "bigint"),
            ], key: ["pubkey", "relay_url"]),
        AnalyticsTable(
            "network_stats",
            [
                C("network", "text"), C("relay_count", "bigint"), C("event_count", "bigint"), C("unique_pubkeys", "bigint"),
                C("unique_kinds", "bigint"),
            ], key: ["network"]),
        AnalyticsTable(
            "event_daily_counts", [C("day", "date"), C("event_count", "bigint"), C("unique_pubkeys", "bigint"), C("unique_kinds", "bigint")],
            key: ["day"]),
        AnalyticsTable("events_replaceable_latest", eventColumns, key: ["pubkey", "kind"], eventColumn: "event"),
        AnalyticsTable("events_addressable_latest", eventColumns + [C("d_tag", "text")], key: ["pubkey", "kind", "d_tag"], eventColumn: "event"),
        AnalyticsTable(
            "relay_software_counts", [C("software", "text"), C("version", "text"), C("relay_count", "bigint")], key: ["software", "version"]),
        AnalyticsTable("supported_nip_counts", [C("nip", "integer"), C("relay_count", "bigint")], key: ["nip"]),
        AnalyticsTable(
            "relay_uptime",
            [
                C("relay_url", "text"), C("checks_24h", "bigint"), C("uptime_24h", "numeric", nullable: true), C("checks_7d", "bigint"),
                C("uptime_7d", "numeric", nullable: true), C("checks_30d", "bigint"), C("uptime_30d", "numeric", nullable: true),
                C("last_up", "bigint", nullable: true), C("last_down", "bigint", nullable: true),
            ], key: ["relay_url"]),
    ]

    /// The served tables' names.
    public static let names = all.map(\.name)

    public static func table(_ name: String) -> AnalyticsTable? { all.first { $0.name == name } }
}
