import Foundation
import GRDB

@testable import TrapkeeperCore

extension Scene {
    /// Turns the scene's state into what the second schema wrote: a `hit` table with a row per
    /// (host, address), no `host_hits`, the v3 migration not applied. The rows are `rows` (SQL
    /// value tuples, as written) or, when nil, the state's own hit lists unpacked; `extra` runs
    /// last. The workspace is closed: `reopen()` migrates.
    func makeSecondSchema(rows: [String]? = nil, extra: String? = nil) throws {
        ws = nil
        let q = try DatabaseQueue(path: config.statePath)
        try q.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE hit (
                        ip TEXT NOT NULL, address TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
                        last_nonverifier INTEGER, PRIMARY KEY (ip, address)
                    ) WITHOUT ROWID
                    """)
            if let rows {
                for r in rows {
                    try db.execute(sql: "INSERT INTO hit (ip, address, first, last, last_nonverifier) VALUES \(r)")
                }
            } else {
                for row in try Row.fetchAll(db, sql: "SELECT ip, hits FROM host_hits") {
                    for h in try HitList.decode(Array(row[1] as Data)) {
                        try db.execute(
                            sql: "INSERT INTO hit VALUES (?, ?, ?, ?, ?)",
                            arguments: [
                                row[0] as String, String(decoding: h.address, as: UTF8.self), h.first, h.last,
                                h.lastNonVerifier,
                            ])
                    }
                }
            }
            try db.execute(sql: "DROP TABLE host_hits")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v3%'")
            if let extra { try db.execute(sql: extra) }
        }
        try q.close()
    }
}
