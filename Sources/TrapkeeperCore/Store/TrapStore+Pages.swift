import GRDB

/// The state's answers for the pages and the numbers for monitoring.
extension TrapStore {
    /// The counts every past publish left, for `now` in `from...to`, oldest first (by `now`,
    /// then by run id). A run published when its command publishes (`run`, `publish`, `delist`,
    /// `relist`; not their dry runs) and it finished with exit 0 or 3 and recorded counts (a run
    /// whose every source failed, or that a guard stopped, recorded none).
    public func publishHistory(from: Int64, to: Int64) throws -> [(now: Int64, traps: Int, hosts: Int)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT now, traps, hosts FROM run
                    WHERE command IN ('run', 'publish', 'delist', 'relist') AND exit_code IN (0, 3)
                        AND traps IS NOT NULL AND hosts IS NOT NULL AND now BETWEEN ? AND ?
                    ORDER BY now, id
                    """, arguments: [from, to]
            ).map { (try $0.decode(atIndex: 0), try $0.decode(atIndex: 1), try $0.decode(atIndex: 2)) }
        }
    }

    /// When the last publish finished (wall-clock epoch seconds), or nil when none has.
    public func lastPublishFinishedAt() throws -> Int64? {
        try read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT finished_at FROM run
                    WHERE command IN ('run', 'publish', 'delist', 'relist') AND exit_code IN (0, 3)
                        AND traps IS NOT NULL AND hosts IS NOT NULL
                    ORDER BY id DESC LIMIT 1
                    """)
        }
    }

    /// The published entries of a kind first published at or after `from`, with that time.
    public func publishedSince(kind: String, from: Int64) throws -> [(entry: String, since: Int64)] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT entry, since FROM published WHERE kind = ? AND since >= ?", arguments: [kind, from]
            ).map { (try $0.decode(atIndex: 0), try $0.decode(atIndex: 1)) }
        }
    }

    /// The number of published entries of a kind.
    public func publishedCount(kind: String) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM published WHERE kind = ?", arguments: [kind]) ?? 0
        }
    }

    /// Hosts with the trap of their evidence hit, without evidence (what hosts.html shows).
    public func hostsWithTrap() throws -> [HostRow] {
        try hostsWithoutEvidence(withTrap: true)
    }

    /// The number of callback incidents stored.
    public func callbackCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM callback") ?? 0 }
    }
}
