import GRDB
import GRDBSQLite

/// Binds and steps a prepared statement straight through SQLite's C API, for the inserts
/// that run once per event or per tag, where GRDB's argument handling would cost more
/// than the insert itself. The statement stays owned and cached by GRDB.
struct FastStatement {
    private let handle: OpaquePointer
    private let db: Database

    init(_ db: Database, sql: String) throws {
        self.db = db
        handle = try db.cachedStatement(sql: sql).sqliteStatement
    }

    /// Values bound by position.
    enum Value {
        case int(Int64)
        case blob(UnsafeRawBufferPointer)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Runs the statement once with `values`.
    func run(_ values: Value...) throws {
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .int(let v): sqlite3_bind_int64(handle, index, v)
            case .blob(let b): sqlite3_bind_blob(handle, index, b.baseAddress, Int32(b.count), Self.transient)
            }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw ArchiveError(.index, "SQLite \(code): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))")
        }
    }
}
