import Dispatch
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

    /// Binds UTF-8 text given as bytes, or NULL for nil. Not copied (`SQLITE_STATIC`): the
    /// bytes must stay valid and unchanged until the following `step()` has returned. A copy
    /// per bind (malloc, memcpy, free, each under SQLite's allocator mutex) was a third of a
    /// fresh state's merge.
    @inline(__always)
    func bind(_ index: Int32, bytes: UnsafeRawBufferPointer?) {
        if let bytes, let base = bytes.baseAddress {
            sqlite3_bind_text(stmt, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
        } else if bytes != nil {
            sqlite3_bind_text(stmt, index, "", 0, BulkStatement.transient)
        } else {
            sqlite3_bind_null(stmt, index)
        }
    }

    /// Binds a BLOB given as bytes, not copied (`SQLITE_STATIC`, as `bind(_:bytes:)`).
    @inline(__always)
    func bind(_ index: Int32, blob: UnsafeRawBufferPointer) {
        sqlite3_bind_blob(stmt, index, blob.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(blob.count), nil)
    }

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

/// Steps a SELECT through SQLite's C API, handing each row's columns over without building
/// GRDB rows or Swift strings (the merge reads every stored address and host).
struct RowScanner {
    /// Held so GRDB does not finalize the statement while we step it (nil: our own statement).
    private let statement: Statement?
    private let stmt: OpaquePointer
    private let sql: String

    init(_ statement: Statement) {
        self.statement = statement
        stmt = statement.sqliteStatement
        sql = statement.sql
    }

    /// A statement prepared on a `ReadConnection`; the caller finalizes it.
    init(raw: OpaquePointer, sql: String) {
        statement = nil
        stmt = raw
        self.sql = sql
    }

    func finalize() {
        if statement == nil { sqlite3_finalize(stmt) }
    }

    /// Calls `body` for every row; the column accessors are valid only inside it.
    func forEachRow(_ body: (RowScanner) throws -> Void) throws {
        sqlite3_reset(stmt)
        while true {
            let rc = withExtendedLifetime(statement) { sqlite3_step(stmt) }
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errstr(rc)), sql: sql)
            }
            try body(self)
        }
        sqlite3_reset(stmt)
    }

    /// Text (or blob) bytes of column `i`.
    func bytes(_ i: Int32) -> UnsafeRawBufferPointer {
        let p = sqlite3_column_blob(stmt, i)
        let n = Int(sqlite3_column_bytes(stmt, i))
        return UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : n)
    }

    func int64(_ i: Int32) -> Int64? {
        sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : sqlite3_column_int64(stmt, i)
    }

    /// Column `i` when SQLite holds it as an INTEGER; nil for NULL, REAL, TEXT and BLOB (which
    /// `int64` converts).
    func integer(_ i: Int32) -> Int64? {
        sqlite3_column_type(stmt, i) == SQLITE_INTEGER ? sqlite3_column_int64(stmt, i) : nil
    }

    /// Whether SQLite holds column `i` as TEXT (not a BLOB of the same bytes, a number or NULL).
    func isText(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_TEXT }

    /// Whether SQLite holds column `i` as a BLOB.
    func isBlob(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_BLOB }

    /// Whether column `i` is NULL.
    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
}

/// A read-only SQLite connection of its own (C API), for reading part of the state on another
/// thread while the main connection works. Failures throw with SQLite's own message.
final class ReadConnection {
    private let path: String
    private var db: OpaquePointer?

    init(path: String) throws(StoreError) {
        self.path = path
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK else {
            let why = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close(handle)
            throw StoreError(path: path, "cannot open for reading: \(why)")
        }
        sqlite3_busy_timeout(handle, 10_000)
        db = handle
    }

    /// Runs one statement without results (BEGIN, COMMIT).
    func execute(_ sql: String) throws(StoreError) {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw StoreError(path: path, "\(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    func scanner(sql: String) throws(StoreError) -> RowScanner {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            sqlite3_finalize(stmt)
            throw StoreError(path: path, "\(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
        return RowScanner(raw: stmt, sql: sql)
    }

    func close() {
        sqlite3_close(db)
        db = nil
    }
}

/// Runs a closure on a global queue at once; `wait()` returns its result (or throws its error:
/// `Failure` is `Never` for a closure that cannot fail, and `wait()` then cannot either).
///
/// `@unchecked Sendable`: `result` is a plain variable shared by two threads. It holds because
/// the worker writes it once, before it signals `done`, and `wait()` reads it only after it has
/// seen that signal: the semaphore orders the write before every read.
final class BackgroundResult<T: Sendable, Failure: Error>: @unchecked Sendable {
    private var result: Result<T, Failure>?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws(Failure) -> T) {
        DispatchQueue.global().async {
            self.result = Result(catching: body)
            self.done.signal()
        }
    }

    func wait() throws(Failure) -> T {
        done.wait()
        done.signal()  // later waits return at once
        return try result!.get()
    }
}
