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
    /// A stored (host, address) hit pair: its host text and address in `bytes`, back to back.
    struct Hit {
        var offset: Int
        var ipCount: Int32
        var addressCount: Int32
        var first: Int64
        var last: Int64
        var lastNonVerifier: Int64?
    }

    /// Address keys, callback probe addresses and hit keys, back to back.
    private(set) var bytes: [UInt8] = []
    private(set) var addresses: [Address] = []
    private(set) var hosts: [Host] = []
    private(set) var callbacks: [Callback] = []
    /// The stored hit pairs, in key order (`TrapStore.hitScanSQL`).
    private(set) var hits: [Hit] = []

    /// Reads the rows from the state at `path` (the four tables in one read transaction). Throws when the file cannot be opened or read
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
            let p = try connection.scanner(sql: TrapStore.hitScanSQL)
            defer { p.finalize() }
            try p.forEachRow { row in
                let ip = row.bytes(0)
                let address = row.bytes(1)
                guard let first = row.int64(2), let last = row.int64(3) else { return }  // NOT NULL columns
                rows.hits.append(
                    Hit(
                        offset: rows.bytes.count, ipCount: Int32(ip.count), addressCount: Int32(address.count),
                        first: first, last: last, lastNonVerifier: row.int64(4)))
                rows.bytes.append(contentsOf: ip)
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

    /// Calls `body` with every stored hit pair, in key order: host text, address, first, last
    /// and last non-verifier hit.
    func forEachHit(
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, Int64, Int64, Int64?) throws -> Void
    ) rethrows {
        try bytes.withUnsafeBytes { all in
            for h in hits {
                let ipEnd = h.offset + Int(h.ipCount)
                try body(
                    UnsafeRawBufferPointer(rebasing: all[h.offset..<ipEnd]),
                    UnsafeRawBufferPointer(rebasing: all[ipEnd..<ipEnd + Int(h.addressCount)]), h.first, h.last,
                    h.lastNonVerifier)
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
