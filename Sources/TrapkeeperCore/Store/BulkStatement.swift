import GRDB
import GRDBSQLite

/// A prepared statement driven through SQLite's C API for bulk writes: one bind per column and
/// a step per row, without building an argument array per row (a 100 000-row merge spent most
/// of its time there). Use only inside a GRDB write transaction, on the statement's database.
struct BulkStatement {
    /// Held so GRDB does not finalize the statement while we drive it.
    private let statement: Statement
    private let stmt: OpaquePointer
    private let sql: String
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement) {
        self.statement = statement
        stmt = statement.sqliteStatement
        sql = statement.sql
    }

    @inline(__always)
    func bind(_ index: Int32, _ value: String?) {
        if let value {
            sqlite3_bind_text(stmt, index, value, -1, BulkStatement.transient)
        } else {
            sqlite3_bind_null(stmt, index)
        }
    }

    @inline(__always)
    func bind(_ index: Int32, _ value: Int64?) {
        if let value {
            sqlite3_bind_int64(stmt, index, value)
        } else {
            sqlite3_bind_null(stmt, index)
        }
    }

    @inline(__always)
    func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(stmt, index, Int64(value)) }

    /// Runs the bound row and resets for the next one.
    func step() throws {
        let rc = withExtendedLifetime(statement) { sqlite3_step(stmt) }
        sqlite3_reset(stmt)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errstr(rc)), sql: sql)
        }
    }
}
