import GRDB

/// What one analytics cycle did.
public struct AnalyticsReport: Sendable {
    /// Whether every table was rebuilt from scratch.
    public var full: Bool
    /// Event rows, observations and metadata snapshots counted by this cycle.
    public var events = 0, observations = 0, snapshots = 0
    /// Rows inserted, updated or deleted, by served table (``AnalyticsTables/names``).
    public var rowsChanged: [String: Int] = [:]
    /// Seconds spent on each served table and the bookkeeping behind it.
    public var seconds: [String: Double] = [:]

    public init(full: Bool) { self.full = full }
}

/// Keeps the analytics tables (schema 007) current: one cycle applies, in the writer's
/// transaction, what was archived since the watermark. Every count is maintained through
/// the sets behind it (which pairs of kind and author, relay and author... are already
/// counted), so adding a batch gives exactly what counting everything again gives; a full
/// rebuild is the same statements applied to the whole index after emptying the tables.
/// The rolling windows (events of the last hour to 30 days, relay uptime) are computed
/// again every cycle from hourly counts and recent checks, so they move with time.
struct AnalyticsRefresh {
    let db: Database
    let directory: DataDirectory
    let now: Int64

    /// The tables a full rebuild empties, bookkeeping included.
    static let allTables = AnalyticsTables.names + [
        "analytics_hour", "analytics_kind_pubkey", "analytics_day_pubkey", "analytics_day_kind", "analytics_relay_pubkey_kind",
        "analytics_relay_pubkey", "analytics_relay", "analytics_network_pubkey", "analytics_network_kind", "analytics_network",
        "analytics_check", "analytics_relay_check",
    ]

    /// - Parameter full: rebuild every table; a first cycle (no watermark yet) always does.
    func run(full: Bool) throws -> AnalyticsReport {
        let start = try AnalyticsWatermark.read(db)
        let full = full || start.isZero
        var report = AnalyticsReport(full: full)
        let delta = AnalyticsDelta(db: db, directory: directory)
        let end = try AnalyticsWatermark.current(db)
        if full {
            for table in Self.allTables { try db.execute(sql: "DELETE FROM \(table)") }
            try delta.gatherAll()
        } else {
            try delta.gather(after: start)
        }
        report.events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM d_event") ?? 0
        report.observations = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM d_obs") ?? 0
        report.snapshots = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM d_meta") ?? 0

        let clock = ContinuousClock()
        for step in AnalyticsSQL.steps {
            let started = clock.now
            let sql = full ? step.fullSQL ?? step.sql : step.sql
            try db.execute(sql: sql, arguments: sql.contains(":now") ? ["now": now] : [])
            if step.changesRows { report.rowsChanged[step.table, default: 0] += db.changesCount }
            report.seconds[step.table, default: 0] += (clock.now - started).seconds
        }

        // Small tables and windows, computed whole and written where they differ.
        let nip11Changed = full || (report.rowsChanged["relay_metadata_latest"] ?? 0) > 0
        var replacements = [
            ("event_stats", AnalyticsSQL.eventStats), ("network_stats", AnalyticsSQL.networkStats),
            ("relay_uptime", AnalyticsSQL.relayUptime),
        ]
        if nip11Changed {
            replacements += [("relay_software_counts", AnalyticsSQL.softwareCounts), ("supported_nip_counts", AnalyticsSQL.nipCounts)]
        }
        for (table, select) in replacements {
            let started = clock.now
            report.rowsChanged[table, default: 0] += try replace(table, with: select)
            report.seconds[table, default: 0] += (clock.now - started).seconds
        }
        try db.execute(sql: AnalyticsSQL.dropTemporary + AnalyticsDelta.dropTables)
        try end.write(db, refreshedAt: now)
        for table in AnalyticsTables.names {
            report.rowsChanged[table, default: 0] += 0
            report.seconds[table, default: 0] += 0
        }
        return report
    }

    /// Makes `table` hold exactly the rows `select` gives, touching only those that differ;
    /// returns how many rows changed.
    private func replace(_ table: String, with select: String) throws -> Int {
        guard let spec = AnalyticsTables.table(table) else { return 0 }
        let columns = spec.storedColumns
        let keys = spec.primaryKey
        let values = columns.filter { !keys.contains($0) }
        try db.execute(sql: "DROP TABLE IF EXISTS temp.r_new")
        try db.execute(
            sql: "CREATE TEMP TABLE r_new AS WITH r(\(columns.joined(separator: ", "))) AS (\(select)) SELECT * FROM r", arguments: select.contains(":now") ? ["now": now] : [])
        let matchKeys = keys.map { "r_new.\($0) IS \(table).\($0)" }.joined(separator: " AND ")
        try db.execute(sql: "DELETE FROM \(table) WHERE NOT EXISTS (SELECT 1 FROM r_new WHERE \(matchKeys))")
        var changed = db.changesCount
        let differs = values.map { "\($0) IS NOT excluded.\($0)" }.joined(separator: " OR ")
        let assignments = values.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        try db.execute(
            sql: """
                INSERT INTO \(table) (\(columns.joined(separator: ", "))) SELECT * FROM r_new WHERE true
                ON CONFLICT (\(keys.joined(separator: ", "))) DO UPDATE SET \(assignments) WHERE \(differs)
                """)
        changed += db.changesCount
        try db.execute(sql: "DROP TABLE temp.r_new")
        return changed
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
