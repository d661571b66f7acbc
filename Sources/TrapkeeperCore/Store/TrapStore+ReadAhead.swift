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

    /// Reads the rows from the state at `path`; nil when the connection or a statement cannot
    /// be had (the merge then reads them itself).
    static func read(path: String) throws -> StoredRows? {
        guard let connection = ReadConnection(path: path) else { return nil }
        defer { connection.close() }
        guard connection.execute("BEGIN") else { return nil }
        defer { _ = connection.execute("COMMIT") }
        var rows = StoredRows()
        guard let a = connection.scanner(sql: TrapStore.addressScanSQL) else { return nil }
        defer { a.finalize() }
        try a.forEachRow { row in
            let key = row.bytes(0)
            rows.addresses.append(
                Address(offset: rows.bytes.count, count: key.count, roles: row.int64(1), lastSeen: row.int64(2)))
            rows.bytes.append(contentsOf: key)
        }
        guard let h = connection.scanner(sql: TrapStore.hostScanSQL) else { return nil }
        defer { h.finalize() }
        try h.forEachRow { row in
            rows.hosts.append(
                Host(
                    ip: IPAddress(ascii: row.bytes(0)), lastHit: row.int64(1), lastNonVerifierHit: row.int64(2),
                    trappedExpire: row.int64(3)))
        }
        guard let c = connection.scanner(sql: TrapStore.callbackScanSQL) else { return nil }
        defer { c.finalize() }
        try c.forEachRow { row in
            let address = row.bytes(1)
            rows.callbacks.append(
                Callback(
                    ip: IPAddress(ascii: row.bytes(0)), offset: rows.bytes.count, count: address.count,
                    hasHelo: row.int64(2) == 1, seen: row.int64(3) ?? .max))
            rows.bytes.append(contentsOf: address)
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
    func readAhead() -> BackgroundResult<StoredRows?> {
        let path = self.path
        return BackgroundResult { try StoredRows.read(path: path) }
    }
}
