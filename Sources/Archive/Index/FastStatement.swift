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

    private func bind(_ values: [Value]) {
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .int(let v): sqlite3_bind_int64(handle, index, v)
            case .blob(let b): sqlite3_bind_blob(handle, index, b.baseAddress, Int32(b.count), Self.transient)
            }
        }
    }

    private func failure(_ code: Int32) -> ArchiveError {
        ArchiveError(.index, "SQLite \(code): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))")
    }

    /// Runs the statement once with `values`.
    func run(_ values: Value...) throws {
        bind(values)
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
    }

    /// Runs the statement once with three integers (an observation's event, relay and
    /// time), without building an argument array each time.
    func run(_ a: Int64, _ b: Int64, _ c: Int64) throws {
        sqlite3_bind_int64(handle, 1, a)
        sqlite3_bind_int64(handle, 2, b)
        sqlite3_bind_int64(handle, 3, c)
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
    }
}
