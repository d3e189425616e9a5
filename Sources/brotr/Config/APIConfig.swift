import Archive

/// `api:` — the read-only REST API on the HTTP server (`http.listen`): BigBrotr's
/// /v1/schema, /v1/{table} and /v1/{table}/{key} over the analytics tables, and
/// /v1/events over the archive.
struct APIConfig: Equatable, Sendable {
    /// Serve the API (and its `api` series in /metrics) under `brotr serve`.
    var enabled = true
    /// Rows per page when a request names no `limit`.
    var defaultPageSize = 100
    /// The most rows per page; larger limits are lowered to it.
    var maxPageSize = 1000
    /// A request still running after this is abandoned with a 504.
    var requestTimeout = ConfigDuration.seconds(10)
    /// The analytics tables served, by name; all of them unless the file turns one off.
    var tables: [String: Bool] = Dictionary(uniqueKeysWithValues: AnalyticsTables.names.map { ($0, true) })

    /// The tables served, in the catalogue's order.
    var servedTables: [AnalyticsTable] { AnalyticsTables.all.filter { tables[$0.name] == true } }

    var limits: AnalyticsQuery.Limits { AnalyticsQuery.Limits(defaultLimit: defaultPageSize, maxLimit: maxPageSize) }
}

extension APIConfig {
    /// `api:`
    init(_ section: ConfigReader) throws {
        self.init()
        enabled = try section.value("enabled", default: enabled)
        defaultPageSize = try section.value("default_page_size", default: defaultPageSize)
        maxPageSize = try section.value("max_page_size", default: maxPageSize)
        requestTimeout = try section.value("request_timeout", default: requestTimeout)
        let list = try section.section("tables")
        for name in list.keys {
            try list.check(AnalyticsTables.table(name) != nil, name, "not an analytics table (tables: \(AnalyticsTables.names.joined(separator: ", ")))")
            let table = try list.section(name)
            tables[name] = try table.value("enabled", default: true)
            try table.finish()
        }
        try list.finish()
        try section.check((1...10_000).contains(maxPageSize), "max_page_size", "expected 1 to 10000")
        try section.check((1...maxPageSize).contains(defaultPageSize), "default_page_size", "expected 1 to max_page_size")
        try section.check(requestTimeout.duration > .zero, "request_timeout", "expected more than 0")
        try section.finish()
    }
}
