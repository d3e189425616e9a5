import GRDB
import GRDBSQLite
import Nostr

/// Inserts rows many to a statement (`INSERT ... VALUES (...), (...), ...`), for the bulk
/// load of a reindex and the tag rows of a written batch: one step per hundred rows costs
/// far less than a step per row.
/// Values are kept until a statement's worth is ready; ``finish()`` writes the rest.
struct MultiRowInsert {
    enum Value {
        case int(Int64)
        case id(EventID)
        case null
    }

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

    /// Adds one row of two values (a table of two columns).
    mutating func add(_ a: Value, _ b: Value) throws {
        values.append(a)
        values.append(b)
        if values.count == columns * rowsPerStatement { try flush() }
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

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

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
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .int(let v): sqlite3_bind_int64(handle, index, v)
            case .id(let id):
                id.withUnsafeBytes { _ = sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
            case .null: sqlite3_bind_null(handle, index)
            }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw ArchiveError(.index, "SQLite \(code): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))")
        }
    }
}
