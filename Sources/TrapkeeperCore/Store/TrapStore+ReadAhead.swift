import GRDB
import GRDBSQLite

/// The stored rows a merge compares a harvest with (address, host and callback keys with the
/// values that decide whether a row changes), read on a connection of their own while the
/// dumps are still being parsed. Reading them inside the merge put ~50 ms of SQLite row
/// stepping on the path of every steady-state run; read ahead, it shares the cores with the
/// parser instead.
///
/// Sound because only merges write these tables and merges run under the run lock: nothing
/// changes them between the read and the merge of the same run. The three tables are read in
/// one read transaction (one snapshot).
struct StoredRows: Sendable {
    struct Address {
        var offset: Int
        var count: Int
        var roles: Int64?
        var lastSeen: Int64?
    }
    struct Host {
        var ip: IPAddress?
        var lastHit: Int64?
        var lastNonVerifierHit: Int64?
        var trappedExpire: Int64?
    }
    struct Callback {
        var ip: IPAddress?
        var offset: Int
        var count: Int
        var hasHelo: Bool
        var seen: Int64
    }

    /// Address keys and callback probe addresses, back to back.
    private(set) var bytes: [UInt8] = []
    private(set) var addresses: [Address] = []
    private(set) var hosts: [Host] = []
    private(set) var callbacks: [Callback] = []

    /// Reads the rows from the state at `path`. Throws when the file cannot be opened or read
    /// (SQLite's reason, the path named); the merge then reads the rows itself and says so.
    static func read(path: String) throws(StoreError) -> StoredRows {
        let connection = try ReadConnection(path: path)
        defer { connection.close() }
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }  // a read transaction: nothing to lose
        var rows = StoredRows()
        do {
            let a = try connection.scanner(sql: TrapStore.addressScanSQL)
            defer { a.finalize() }
            try a.forEachRow { row in
                let key = row.bytes(0)
                rows.addresses.append(
                    Address(offset: rows.bytes.count, count: key.count, roles: row.int64(1), lastSeen: row.int64(2)))
                rows.bytes.append(contentsOf: key)
            }
            let h = try connection.scanner(sql: TrapStore.hostScanSQL)
            defer { h.finalize() }
            try h.forEachRow { row in
                rows.hosts.append(
                    Host(
                        ip: IPAddress(ascii: row.bytes(0)), lastHit: row.int64(1), lastNonVerifierHit: row.int64(2),
                        trappedExpire: row.int64(3)))
            }
            let c = try connection.scanner(sql: TrapStore.callbackScanSQL)
            defer { c.finalize() }
            try c.forEachRow { row in
                let address = row.bytes(1)
                rows.callbacks.append(
                    Callback(
                        ip: IPAddress(ascii: row.bytes(0)), offset: rows.bytes.count, count: address.count,
                        hasHelo: row.int64(2) == 1, seen: row.int64(3) ?? .max))
                rows.bytes.append(contentsOf: address)
            }
        } catch let e as StoreError {
            throw e
        } catch let e as DatabaseError {
            throw StoreError(path: path, e.message ?? e.description)
        } catch {
            throw StoreError(path: path, "\(error)")
        }
        return rows
    }

    func forEachAddress(_ body: (UnsafeRawBufferPointer, Int64?, Int64?) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            for a in addresses {
                try body(UnsafeRawBufferPointer(rebasing: all[a.offset..<a.offset + a.count]), a.roles, a.lastSeen)
            }
        }
    }

    func forEachCallback(_ body: (IPAddress?, UnsafeRawBufferPointer, Bool, Int64) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            for c in callbacks {
                try body(c.ip, UnsafeRawBufferPointer(rebasing: all[c.offset..<c.offset + c.count]), c.hasHelo, c.seen)
            }
        }
    }
}

extension TrapStore {
    /// Starts reading the stored rows the next merge needs on another thread (see
    /// `StoredRows`); hand the result to `merge(_:readAhead:)`.
    func readAhead() -> BackgroundResult<StoredRows, StoreError> {
        let path = self.path
        return BackgroundResult { () throws(StoreError) in try StoredRows.read(path: path) }
    }
}
