import GRDB
import GRDBSQLite
import Nostr

/// Inserts rows many to a statement (`INSERT ... VALUES (...), (...), ...`), for the bulk
/// load of a reindex and the key rows of a written batch: one step per hundred rows costs
/// far less than a step per row.
/// Values are kept until a statement's worth is ready; ``finish()`` writes the rest. A
/// table of integers alone (`event_key`) takes `Int64` values, bound without a case to
/// switch on; others take ``RowField``.
struct MultiRowInsert<Value: RowValue> {
    private let db: Database
    private let head: String
    private let columns: Int
    private let rowsPerStatement: Int
    private var values: [Value] = []
    /// The SQL of a full statement, made once.
    private let fullSQL: String

    /// - Parameters:
    ///   - head: the statement up to VALUES, e.g. `INSERT INTO t (a, b)`.
    ///   - columns: values per row.
    init(_ db: Database, _ head: String, columns: Int, rowsPerStatement: Int = 100) {
        self.db = db
        self.head = head
        self.columns = columns
        self.rowsPerStatement = rowsPerStatement
        fullSQL = Self.sql(head, columns: columns, rows: rowsPerStatement)
        values.reserveCapacity(columns * rowsPerStatement)
    }

    private static func sql(_ head: String, columns: Int, rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        return head + " VALUES " + Array(repeating: row, count: rows).joined(separator: ",")
    }

    /// Adds one row of three values (a table of three columns).
    mutating func add(_ a: Value, _ b: Value, _ c: Value) throws {
        values.append(a)
        values.append(b)
        values.append(c)
        if values.count == columns * rowsPerStatement { try flush() }
    }

    /// Adds one row of `columns` values.
    mutating func add(row: Value...) throws {
        values += row
        if values.count == columns * rowsPerStatement { try flush() }
    }

    /// Writes the rows added since the last full statement.
    mutating func finish() throws { try flush() }

    /// Writes the rows held: a full statement's worth in one step; fewer in steps of a
    /// power of two rows each, so that at most eight statements per table are prepared and
    /// cached (one per remainder size would cache up to a hundred, megabytes of them).
    private mutating func flush() throws {
        var rows = values.count / columns
        var start = 0
        while rows > 0 {
            let step = rows >= rowsPerStatement ? rowsPerStatement : 1 << (Int.bitWidth - 1 - rows.leadingZeroBitCount)
            try insert(values[(start * columns)..<((start + step) * columns)], rows: step)
            start += step
            rows -= step
        }
        values.removeAll(keepingCapacity: true)
    }

    private func insert(_ values: ArraySlice<Value>, rows: Int) throws {
        let statement = try db.cachedStatement(sql: rows == rowsPerStatement ? fullSQL : Self.sql(head, columns: columns, rows: rows))
        let handle = statement.sqliteStatement
        var index: Int32 = 1
        for value in values {
            value.bind(to: handle, at: index)
            index += 1
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw ArchiveError(.index, "SQLite \(code): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))")
        }
    }
}

/// A value ``MultiRowInsert`` binds to a statement parameter.
protocol RowValue {
    func bind(to statement: OpaquePointer?, at index: Int32)
}

extension Int64: RowValue {
    func bind(to statement: OpaquePointer?, at index: Int32) { sqlite3_bind_int64(statement, index, self) }
}

/// A value of a table that mixes integers with event ids and NULLs.
enum RowField: RowValue {
    case int(Int64)
    case id(EventID)
    case null

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(to statement: OpaquePointer?, at index: Int32) {
        switch self {
        case .int(let v): sqlite3_bind_int64(statement, index, v)
        case .id(let id): id.withUnsafeBytes { _ = sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), Self.transient) }
        case .null: sqlite3_bind_null(statement, index)
        }
    }
}
