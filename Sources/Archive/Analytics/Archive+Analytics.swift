import Foundation
import GRDB
public import Nostr
import GRDBSQLite

/// One page of an analytics table: its rows as JSON objects (bytea in hex, jsonb as JSON),
/// and how many rows the filters match in all.
public struct AnalyticsPage: Sendable {
    public let rows: [JSONValue]
    public let total: Int
}

/// A read stopped at its deadline.
public struct AnalyticsTimeout: Error, Sendable {}

extension Archive {
    /// Runs `query` on a read-only connection (it never waits for the writer), giving up
    /// at `deadline`.
    /// - Throws: ``AnalyticsTimeout`` past the deadline; ``ArchiveError`` if the index or
    ///   a segment cannot be read.
    public func analyticsPage(_ query: AnalyticsQuery, deadline: ContinuousClock.Instant) throws -> AnalyticsPage {
        let table = query.table
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        for condition in query.conditions {
            switch condition.op {
            case .ilike: clauses.append("\(condition.column) LIKE ? ESCAPE '\\'")
            default: clauses.append("\(condition.column) \(condition.op.rawValue) ?")
            }
            arguments.append(Self.databaseValue(condition.value))
        }
        let whereClause = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        // The key orders whatever the sort leaves equal, so that pages never overlap.
        var order = table.primaryKey.map { "\($0) ASC" }
        if let sort = query.sort {
            order.removeAll { $0.hasPrefix(sort.column + " ") }
            order.insert("\(sort.column) \(sort.descending ? "DESC" : "ASC")", at: 0)
        }
        let select = "SELECT \(table.storedColumns.joined(separator: ", ")) FROM \(table.name)\(whereClause) ORDER BY \(order.joined(separator: ", ")) LIMIT ? OFFSET ?"
        return try readBefore(deadline) { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)\(whereClause)", arguments: StatementArguments(arguments)) ?? 0
            let rows = try Row.fetchAll(db, sql: select, arguments: StatementArguments(arguments + [query.limit, query.offset]))
            return AnalyticsPage(rows: try rows.map { try rowObject($0, table: table, db: db, deadline: deadline) }, total: total)
        }
    }

    /// The row of `table` whose key is `key` (``AnalyticsQuery/key(_:table:)``), or nil.
    public func analyticsRow(_ table: AnalyticsTable, key: [AnalyticsQuery.Condition], deadline: ContinuousClock.Instant) throws -> JSONValue? {
        let clauses = key.map { "\($0.column) = ?" }.joined(separator: " AND ")
        let sql = "SELECT \(table.storedColumns.joined(separator: ", ")) FROM \(table.name) WHERE \(clauses)"
        return try readBefore(deadline) { db in
            try Row.fetchOne(db, sql: sql, arguments: StatementArguments(key.map { Self.databaseValue($0.value) })).map {
                try rowObject($0, table: table, db: db, deadline: deadline)
            }
        }
    }

    static func databaseValue(_ value: AnalyticsQuery.Value) -> any DatabaseValueConvertible {
        switch value {
        case .integer(let n): n
        case .real(let x): x
        case .text(let s): s
        case .blob(let b): Data(b)
        }
    }

    /// A read that SQLite abandons once `deadline` has passed.
    private func readBefore<T>(_ deadline: ContinuousClock.Instant, _ body: (Database) throws -> T) throws -> T {
        let box = DeadlineBox(deadline)
        do {
            return try pool.read { db in
                let handle = db.sqliteConnection
                sqlite3_progress_handler(
                    handle, 1000,
                    { context in
                        guard let context else { return 0 }
                        return Unmanaged<DeadlineBox>.fromOpaque(context).takeUnretainedValue().isPast ? 1 : 0
                    }, Unmanaged.passUnretained(box).toOpaque())
                defer { sqlite3_progress_handler(handle, 0, nil, nil) }
                return try withExtendedLifetime(box) { try body(db) }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw AnalyticsTimeout()
        } catch is AnalyticsTimeout {
            throw AnalyticsTimeout()
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError(.index, "\(error)")
        }
    }

    /// A row as a JSON object; the columns read from segments come from the event record.
    private func rowObject(_ row: Row, table: AnalyticsTable, db: Database, deadline: ContinuousClock.Instant) throws -> JSONValue {
        var object: [String: JSONValue] = [:]
        for column in table.columns where !column.fromSegment {
            object[column.name] = Self.json(row[column.name] as DatabaseValue, column: column)
        }
        if let eventColumn = table.eventColumn {
            guard ContinuousClock.now < deadline else { throw AnalyticsTimeout() }
            let rowID: Int64 = row[eventColumn]
            guard let location = try Self.location(db, row: rowID) else {
                throw ArchiveError(.inconsistent, "an analytics row names event row \(rowID), which the index does not hold; run brotr reindex")
            }
            let event = try read(location)
            object["tags"] = .array(event.tags.map { .array($0.map(JSONValue.string)) })
            object["tagvalues"] = .array(
                event.tags.filter { $0.first?.count == 1 }.map { tag in tag.count > 1 ? .string(tag[0] + ":" + tag[1]) : .null })
            object["content"] = .string(event.content)
            object["sig"] = .string(event.sig.hex)
        }
        return .object(object)
    }

    static func json(_ value: DatabaseValue, column: AnalyticsTable.Column) -> JSONValue {
        switch value.storage {
        case .null: return .null
        case .int64(let n): return .number(column.isReal ? JSONNumber(Double(n)) ?? JSONNumber(n) : JSONNumber(n))
        case .double(let x): return JSONNumber(x).map(JSONValue.number) ?? .null
        case .string(let s): return column.isJSON ? (try? JSONValue(parsing: s)) ?? .string(s) : .string(s)
        case .blob(let data): return .string(data.map { String(format: "%02x", $0) }.joined())
        }
    }
}

/// The deadline a progress handler checks, passed to SQLite as an opaque pointer.
private final class DeadlineBox {
    let deadline: ContinuousClock.Instant
    init(_ deadline: ContinuousClock.Instant) { self.deadline = deadline }
    var isPast: Bool { ContinuousClock.now >= deadline }
}
